"""Building a bookable clinic in tests: types, opening hours, staff hours."""

from __future__ import annotations

from datetime import time

from ketaclinic.clinics.models import Location, OpeningHours, Resource
from ketaclinic.scheduling.defaults import ensure_default_types
from ketaclinic.scheduling.models import StaffHours


def open_clinic(
    location: Location,
    *,
    chairs: int = 2,
    rooms: int = 1,
    opens: time = time(8),
    closes: time = time(18),
    days: range = range(7),
) -> dict:
    """Chairs, rooms, opening hours every day; returns the default types."""
    for n in range(1, chairs + 1):
        Resource.objects.get_or_create(
            location=location, kind=Resource.Kind.CHAIR, name=f"Chair {n}"
        )
    for n in range(1, rooms + 1):
        Resource.objects.get_or_create(
            location=location, kind=Resource.Kind.ROOM, name=f"Room {n}"
        )
    for weekday in days:
        OpeningHours.objects.get_or_create(
            location=location, weekday=weekday, opens=opens, closes=closes
        )
    return ensure_default_types()


def works(
    user, location, *, starts=time(7), ends=time(19), days=range(7), at_once=None
):
    if at_once is not None:
        user.patients_at_once = at_once
        user.save(update_fields=["patients_at_once"])
    for weekday in days:
        StaffHours.objects.create(
            staff=user, location=location, weekday=weekday, starts=starts, ends=ends
        )
