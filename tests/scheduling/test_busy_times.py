"""The bookings a free-time search reads are the ones stored, to the
microsecond, on SQLite and on PostgreSQL (they are read as whole
microseconds since the epoch)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketaclinic.clinics.models import Resource
from ketaclinic.scheduling import queries
from ketaclinic.scheduling.models import Allocation, Appointment
from tests.scheduling.factories import open_clinic, works


def test_a_search_reads_each_booking_to_the_microsecond(world):
    kind = open_clinic(world.home, chairs=1, rooms=0)["infusion-depression"]
    works(world.staff["nurse"], world.home)
    chair = Resource.objects.get(location=world.home)
    day = (timezone.now() + timedelta(days=3)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    visit = Appointment.objects.create(
        patient=world.patient,
        location=world.home,
        type=kind,
        starts_at=day,
        ends_at=day + timedelta(minutes=85),
    )
    held = [
        (
            day + timedelta(microseconds=123456),
            day + timedelta(minutes=15) - timedelta(microseconds=7),
        ),
        (day + timedelta(minutes=15), day + timedelta(minutes=55, microseconds=7)),
        (day + timedelta(minutes=55, seconds=30), day + timedelta(minutes=85)),
    ]
    for starts_at, ends_at in held:
        Allocation.objects.create(
            appointment=visit,
            phase="Infusion",
            resource=chair,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    earliest, latest = day - timedelta(hours=2), day + timedelta(hours=2)
    loader = queries.ScheduleLoader(
        location=world.home, appointment_type=kind, earliest=earliest, latest=latest
    )
    inputs = loader.window(earliest=earliest, latest=latest)
    [calendar] = inputs.resources
    assert [(i.start, i.end) for i in calendar.busy] == held
    # Free again once the last of them ends: the first free time is then.
    found = loader.find_free(earliest=day, latest=latest, count=1)
    assert found and found[0].start >= day + timedelta(minutes=85)
