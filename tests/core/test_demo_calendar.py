"""The demo clinic keeps the calendar a US clinic keeps: closed on the federal
holidays, and no infusion while no provider is on site (its Saturdays)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ketaclinic.clinical.holidays import us_federal_holidays
from ketaclinic.clinics.models import Closure, Location
from ketaclinic.core.demo import load_demo
from ketaclinic.scheduling import queries, slots
from ketaclinic.scheduling.models import Appointment, AppointmentType


def test_the_federal_holidays_fall_on_their_observed_days():
    holidays = dict(us_federal_holidays(2026))
    assert holidays[date(2026, 11, 26)] == "Thanksgiving Day"
    assert holidays[date(2026, 7, 3)] == "Independence Day"  # July 4 is a Saturday
    assert holidays[date(2026, 1, 19)] == "Birthday of Martin Luther King, Jr."
    assert holidays[date(2026, 5, 25)] == "Memorial Day"
    assert holidays[date(2026, 9, 7)] == "Labor Day"
    assert len(holidays) == 11
    assert date(2027, 12, 24) in dict(us_federal_holidays(2027))  # Christmas, Sat
    assert date(2028, 1, 17) in dict(us_federal_holidays(2028))  # MLK Day


@pytest.fixture
def demo(db) -> Location:
    load_demo(password="ketamine-demo")
    return Location.objects.get()


def _free_starts(location, code: str, first: date, days: int) -> list[datetime]:
    kind = AppointmentType.objects.get(code=code)
    start = datetime.combine(first, time(0), location.zone)
    inputs = queries.slot_inputs(
        location=location,
        appointment_type=kind,
        earliest=max(start, timezone.now() + timedelta(days=2)),
        latest=start + timedelta(days=days),
        count=200,
    )
    found = slots.find_slots(inputs.request, inputs.resources, inputs.staff)
    return [slot.start.astimezone(location.zone) for slot in found]


def test_the_demo_clinic_is_closed_on_the_federal_holidays(demo):
    year = timezone.localdate(timezone.now(), demo.zone).year
    for day, name in us_federal_holidays(year) + us_federal_holidays(year + 1):
        assert Closure.objects.filter(location=demo, starts_on=day, reason=name)
    closed = set(Closure.objects.values_list("starts_on", flat=True))
    booked = {
        a.starts_at.astimezone(demo.zone).date() for a in Appointment.objects.all()
    }
    assert not closed & booked
    # No consultation offered on the next holiday.
    soon = timezone.localdate(timezone.now(), demo.zone) + timedelta(days=3)
    holiday = min(day for day in closed if day >= soon)
    offered = _free_starts(demo, "consultation", holiday, 1)
    assert all(start.date() != holiday for start in offered)


def test_no_infusion_on_the_demo_clinics_saturdays(demo):
    assert not [
        a
        for a in Appointment.objects.filter(type__kind="infusion")
        if a.starts_at.astimezone(demo.zone).weekday() == 5
    ]
    today = timezone.localdate(timezone.now(), demo.zone)
    offered = _free_starts(demo, "infusion-depression", today, 14)
    assert offered, "weekday infusions are still offered"
    assert all(start.weekday() != 5 for start in offered)
