"""Check-in only on the visit's day (at the location's clock); a no-show only
once the visit has started. The appointment page offers only what is open
now; the rule lives on Appointment, not in the template."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Appointment, AppointmentType
from tests.scheduling.factories import open_clinic, works
from tests.scheduling.test_booking import book, local, next_weekday


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=2, rooms=1)
    works(world.staff["nurse"], world.home, at_once=2)
    works(world.staff["provider"], world.home)
    return types


def at(moment: datetime):
    """Every `timezone.now()` answers `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def visit_at(world, start: datetime, status="booked") -> Appointment:
    return Appointment(
        patient=world.patient,
        location=world.home,
        type=AppointmentType(name="Infusion"),
        starts_at=start,
        ends_at=start + timedelta(minutes=85),
        status=status,
    )


@pytest.mark.parametrize(
    ("now", "open_statuses"),
    [
        # Nov 29, the day before, at the location's clock.
        (datetime(2027, 11, 30, 6, 0, tzinfo=UTC), ["confirmed", "cancelled"]),
        # Nov 30 17:10 Denver is already Dec 1 in UTC: still the visit's day.
        (
            datetime(2027, 12, 1, 0, 10, tzinfo=UTC),
            ["confirmed", "checked_in", "cancelled"],
        ),
        # Nov 30 23:40 Denver: the visit (23:30) has started.
        (
            datetime(2027, 12, 1, 6, 40, tzinfo=UTC),
            ["confirmed", "checked_in", "cancelled", "no_show"],
        ),
        # Dec 1 at the location: too late to check in; still a no-show.
        (
            datetime(2027, 12, 1, 7, 30, tzinfo=UTC),
            ["confirmed", "cancelled", "no_show"],
        ),
    ],
    ids=["day-before", "visit-day-utc-tomorrow", "started", "next-day"],
)
def test_what_a_visit_allows_follows_the_locations_clock(world, now, open_statuses):
    start = local(date(2027, 11, 30), 23, 30)  # 06:30 UTC on Dec 1
    assert visit_at(world, start).open_statuses(now) == open_statuses


def test_check_in_of_a_future_visit_is_refused_in_plain_words(world, clinic):
    appointment = book(world, clinic, local(next_weekday(0), 9))
    with pytest.raises(services.BookingRefused) as refused:
        services.appointment_set_status(
            actor=Actor.system(), appointment=appointment, status="checked_in"
        )
    assert refused.value.message.startswith("Check-in is on the day of the visit, ")
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_no_show_only_after_the_start_and_it_frees_the_chair(world, clinic):
    start = local(next_weekday(0), 9)
    appointment = book(world, clinic, start)
    with at(start - timedelta(minutes=5)), pytest.raises(services.BookingRefused) as no:
        services.appointment_set_status(
            actor=Actor.system(), appointment=appointment, status="no_show"
        )
    assert "only once it has started" in no.value.message
    assert appointment.allocations.filter(active=True).exists()
    with at(start + timedelta(minutes=20)):
        services.appointment_set_status(
            actor=Actor.system(), appointment=appointment, status="no_show"
        )
    assert not appointment.allocations.filter(active=True).exists()


def shift(appointment: Appointment, start: datetime) -> None:
    """The visit moved in time behind the service's back (the clock cannot
    move under a signed-in client: its session would expire)."""
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=start, ends_at=start + timedelta(minutes=85)
    )


def test_the_page_offers_only_the_actions_open_now(world, clinic, as_role):
    appointment = book(world, clinic, local(next_weekday(0), 9))
    url = reverse("scheduling:appointment", args=[appointment.uuid])
    client = as_role("front_desk")

    def buttons() -> set[str]:
        page = client.get(url).content.decode()
        return {
            label
            for label in ("Confirm", "Check in", "No-show", "Cancel appointment")
            if f">{label}</button>" in page
        }

    assert buttons() == {"Confirm", "Cancel appointment"}
    now = timezone.now()
    end_of_day = datetime.combine(
        now.astimezone(world.home.zone).date() + timedelta(days=1),
        time.min,
        world.home.zone,
    )
    shift(
        appointment, min(now + timedelta(minutes=5), end_of_day - timedelta(seconds=1))
    )
    assert buttons() == {"Confirm", "Check in", "Cancel appointment"}
    # A refused post changes nothing and says why.
    response = client.post(
        reverse("scheduling:appointment_status", args=[appointment.uuid, "no_show"]),
        follow=True,
    )
    assert "only once it has started" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    shift(appointment, now - timedelta(minutes=10))
    assert "No-show" in buttons()


def test_a_move_shows_the_old_time_in_the_history(world, clinic, as_role):
    monday = next_weekday(0)
    appointment = book(world, clinic, local(monday, 9))
    services.appointment_move(
        actor=Actor.staff(world.staff["front_desk"]),
        appointment=appointment,
        starts_at=local(monday, 13),
        reason="patient asked",
    )
    page = as_role("nurse").get(
        reverse("scheduling:appointment", args=[appointment.uuid])
    )
    text = page.content.decode()
    old = f"{local(monday, 9):%a %b %-d} 09:00"
    assert f"Moved from {old} to {local(monday, 13):%a %b %-d} 13:00" in text
    assert "— patient asked" in text
