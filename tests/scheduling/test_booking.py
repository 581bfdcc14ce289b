from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinics.models import Closure
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Allocation, Appointment, TimeOff, WaitlistEntry
from tests.conftest import make_patient
from tests.scheduling.factories import open_clinic, works


def local(day: date, hour: int, minute: int = 0, zone="America/Denver") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


def next_weekday(weekday: int, weeks: int = 1) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=2, rooms=1)
    works(world.staff["nurse"], world.home, at_once=1)
    works(world.staff["provider"], world.home)
    return types


def book(world, types, start, code="infusion-depression", patient=None, **extra):
    return services.appointment_book(
        actor=Actor.staff(world.staff["front_desk"]),
        patient=patient or world.patient,
        location=world.home,
        appointment_type=types[code],
        starts_at=start,
        **extra,
    )


def test_an_infusion_holds_a_chair_and_a_nurse_for_every_phase(world, clinic):
    start = local(next_weekday(1), 9)
    appointment = book(world, clinic, start)
    assert appointment.starts_at == start
    assert appointment.ends_at == start + timedelta(minutes=15 + 40 + 30)
    held = list(appointment.allocations.order_by("starts_at", "resource_id"))
    chairs = {a.resource_id for a in held if a.resource_id}
    nurses = {a.staff_id for a in held if a.staff_id}
    assert len(chairs) == 1 and nurses == {world.staff["nurse"].pk}
    assert [a.phase for a in held if a.resource_id] == [
        "Preparation",
        "Infusion",
        "Recovery",
    ]
    assert AuditEvent.objects.filter(patient=world.patient, action="create").exists()


def test_a_remote_consultation_holds_no_room(world, clinic):
    appointment = book(world, clinic, local(next_weekday(2), 10), "consultation-remote")
    assert not appointment.allocations.filter(resource__isnull=False).exists()
    assert appointment.allocations.get().staff == world.staff["provider"]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            lambda: local(next_weekday(1), 17, 30),
            "outside opening hours (the visit lasts 1 hour 25 minutes)",
        ),
        (lambda: local(next_weekday(1), 6), "outside opening hours"),
        (lambda: timezone.now() - timedelta(days=1), "in the past"),
        (lambda: timezone.now() + timedelta(hours=3), "24 hours' notice"),
    ],
    ids=["runs-past-closing", "before-opening", "past", "short-notice"],
)
def test_it_refuses_with_a_reason_and_alternatives(world, clinic, when, message):
    with pytest.raises(services.BookingRefused) as refused:
        book(world, clinic, when())
    assert message in refused.value.message
    assert refused.value.alternatives
    assert not Appointment.objects.exists() and not Allocation.objects.exists()


def test_it_refuses_a_closed_day(world, clinic):
    day = next_weekday(3)
    Closure.objects.create(
        location=world.home, starts_on=day, ends_on=day, reason="Thanksgiving"
    )
    with pytest.raises(services.BookingRefused) as refused:
        book(world, clinic, local(day, 9))
    assert "closed" in refused.value.message and "Thanksgiving" in refused.value.message
    assert all(
        s.start.astimezone(world.home.zone).date() != day
        for s in refused.value.alternatives
    )


def test_it_refuses_when_the_nurse_is_on_leave(world, clinic):
    day = next_weekday(4)
    TimeOff.objects.create(
        staff=world.staff["nurse"],
        starts_at=local(day, 0),
        ends_at=local(day + timedelta(days=1), 0),
        reason="annual leave",
    )
    with pytest.raises(services.BookingRefused) as refused:
        book(world, clinic, local(day, 9))
    assert "No nurse works" in refused.value.message
    assert "annual leave" in refused.value.message


def test_it_never_books_beyond_capacity(world, clinic):
    start = local(next_weekday(1), 9)
    world.staff["nurse"].patients_at_once = 3
    world.staff["nurse"].save()
    book(world, clinic, start)
    second = make_patient(world.home, mrn="C0000002", last_name="Second")
    book(world, clinic, start, patient=second)  # the second chair
    third = make_patient(world.home, mrn="C0000003", last_name="Third")
    with pytest.raises(services.BookingRefused) as refused:
        book(world, clinic, start, patient=third)  # no third chair
    assert "Nothing is free" in refused.value.message
    assert refused.value.alternatives[0].start > start


def test_a_nurse_watches_no_more_patients_than_allowed(world, clinic):
    start = local(next_weekday(1), 9)
    book(world, clinic, start)
    other = make_patient(world.home, mrn="C0000002", last_name="Second")
    with pytest.raises(services.BookingRefused, match="Nothing is free"):
        # the nurse watches 1 at once
        book(world, clinic, start + timedelta(minutes=15), patient=other)


def test_moving_needs_a_reason_and_frees_the_old_time(world, clinic):
    start = local(next_weekday(1), 9)
    appointment = book(world, clinic, start)
    with pytest.raises(services.BookingRefused):
        services.appointment_move(
            actor=Actor.system(),
            appointment=appointment,
            starts_at=start,
            reason="",
        )
    later = start + timedelta(hours=3)
    services.appointment_move(
        actor=Actor.staff(world.staff["front_desk"]),
        appointment=appointment,
        starts_at=later,
        reason="patient asked",
    )
    appointment.refresh_from_db()
    assert appointment.starts_at == later
    assert not appointment.allocations.filter(active=True, starts_at__lt=later).exists()
    book(world, clinic, start)  # the old time is free again


def test_moving_onto_a_taken_time_changes_nothing(world, clinic):
    start = local(next_weekday(1), 9)
    first = book(world, clinic, start)
    second = book(world, clinic, start + timedelta(hours=2))
    with pytest.raises(services.BookingRefused):
        services.appointment_move(
            actor=Actor.system(),
            appointment=second,
            starts_at=start + timedelta(minutes=30),
            reason="try",
        )
    second.refresh_from_db()
    assert second.starts_at == start + timedelta(hours=2)
    assert first.allocations.filter(active=True).count() == 6


def test_cancel_needs_a_reason_frees_the_chair_and_offers_the_waitlist(world, clinic):
    start = local(next_weekday(1), 9)
    appointment = book(world, clinic, start)
    from tests.conftest import make_patient

    waiting = make_patient(world.home, mrn="W0000001", last_name="Waiting")
    entry = services.waitlist_add(
        actor=Actor.staff(world.staff["front_desk"]),
        patient=waiting,
        location=world.home,
        appointment_type=clinic["infusion-depression"],
        earliest=start.date() - timedelta(days=1),
        latest=start.date() + timedelta(days=1),
    )
    with pytest.raises(services.BookingRefused):
        services.appointment_set_status(
            actor=Actor.system(), appointment=appointment, status="cancelled"
        )
    services.appointment_set_status(
        actor=Actor.staff(world.staff["front_desk"]),
        appointment=appointment,
        status="cancelled",
        reason="unwell",
    )
    assert not appointment.allocations.filter(active=True).exists()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    assert entry.offered_start == start


def test_no_show_frees_the_chair(world, clinic):
    from unittest import mock

    start = local(next_weekday(1), 9)
    appointment = book(world, clinic, start)
    with mock.patch("django.utils.timezone.now", return_value=start):
        services.appointment_set_status(
            actor=Actor.system(), appointment=appointment, status="no_show"
        )
    assert not appointment.allocations.filter(active=True).exists()
    with pytest.raises(services.BookingRefused):
        services.appointment_set_status(
            actor=Actor.system(),
            appointment=appointment,
            status="checked_in",
        )


def test_times_are_stored_in_utc_across_the_dst_change(world, clinic):
    """America/Denver leaves daylight time on 2026-11-01: 08:00 local is 14:00
    UTC before it and 15:00 UTC after."""
    before = local(date(2027, 10, 29), 9)
    after = local(date(2027, 11, 8), 9)
    first = book(world, clinic, before)
    second = book(world, clinic, after)
    assert first.starts_at.astimezone(UTC).hour == 15  # MDT, UTC-6
    assert second.starts_at.astimezone(UTC).hour == 16  # MST, UTC-7
    assert first.starts_at.astimezone(world.home.zone).hour == 9
    assert second.starts_at.astimezone(world.home.zone).hour == 9


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_the_last_slot_exactly_one_wins(world, clinic):
    """Threads book the same start with one chair and one nurse: one wins, the
    others are told and offered the next free times."""
    world.staff["nurse"].patients_at_once = 1
    world.staff["nurse"].save()
    from ketaclinic.clinics.models import Resource

    Resource.objects.filter(location=world.home, kind="chair", name="Chair 2").update(
        active=False
    )
    start = local(next_weekday(1), 9)
    barrier = threading.Barrier(4)
    results: list[object] = []

    patients = [
        make_patient(world.home, mrn=f"R{n:07d}", last_name=f"Racer{n}")
        for n in range(4)
    ]

    def attempt(patient):
        try:
            barrier.wait()
            results.append(book(world, clinic, start, patient=patient))
        except services.BookingRefused as refused:
            results.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, services.BookingRefused)]
    assert len(booked) == 1 and len(refused) == 3, results
    assert all(r.alternatives and r.alternatives[0].start > start for r in refused)
    assert Appointment.objects.count() == 1


def test_booking_plans_reminders_and_cancelling_stops_them(world, clinic, settings):
    """The booking service calls the reminder hooks once the booking commits."""
    from unittest import mock

    from django.test import TestCase

    notify = "ketaclinic.scheduling.notify"
    with (
        mock.patch(f"{notify}.appointment_booked") as booked,
        mock.patch(f"{notify}.appointment_cancelled") as cancelled,
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            appointment = book(world, clinic, local(next_weekday(1), 9))
        booked.assert_called_once_with(appointment)
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.appointment_set_status(
                actor=Actor.system(),
                appointment=appointment,
                status="cancelled",
                reason="unwell",
            )
        cancelled.assert_called_once_with(appointment)


def test_a_stale_status_change_is_refused(world, clinic):
    appointment = book(world, clinic, local(next_weekday(1), 9))
    stale = Appointment.objects.get(pk=appointment.pk)
    services.appointment_set_status(
        actor=Actor.system(),
        appointment=appointment,
        status="cancelled",
        reason="x",
    )
    with pytest.raises(services.BookingRefused, match="already cancelled"):
        services.appointment_set_status(
            actor=Actor.system(), appointment=stale, status="confirmed"
        )


def test_a_type_that_needs_a_provider_on_site_fits_only_while_one_works(world, clinic):
    """The provider works 08:00-12:00 on Tuesdays only; nurses all day."""
    from ketaclinic.scheduling.models import StaffHours

    kind = clinic["infusion-depression"]
    kind.provider_on_site = True
    kind.save()
    StaffHours.objects.filter(staff=world.staff["provider"]).delete()
    tuesday = next_weekday(1)
    StaffHours.objects.create(
        staff=world.staff["provider"],
        location=world.home,
        weekday=1,
        starts=time(8),
        ends=time(12),
    )
    book(world, clinic, local(tuesday, 10))  # ends 11:25: a provider is there
    with pytest.raises(services.BookingRefused) as refused:
        book(world, clinic, local(tuesday, 11, 30))  # would end 12:55
    assert "no provider is on site" in refused.value.message
    assert all(
        s.start.astimezone(world.home.zone).weekday() == 1
        and s.end.astimezone(world.home.zone).time() <= time(12)
        for s in refused.value.alternatives
    )


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (85, "1 hour 25 minutes"),
        (40, "40 minutes"),
        (60, "1 hour"),
        (61, "1 hour 1 minute"),
        (15, "15 minutes"),
        (24 * 60 + 120, "1 day 2 hours"),
        (0, "0 minutes"),
    ],
)
def test_durations_read_as_words(minutes, words):
    from ketaclinic.words import duration_words

    assert duration_words(timedelta(minutes=minutes)) == words


@pytest.mark.parametrize(
    ("sqlstate", "retried"), [("40P01", True), ("40001", True), (None, False)]
)
def test_a_booking_stopped_by_a_deadlock_tries_again(sqlstate, retried):
    """Two bookings may lock each other's rows while PostgreSQL checks their
    exclusion constraints; it stops one (a deadlock), which tries again and
    then sees the other's booking. Any other database error is not a race."""
    from django.db import OperationalError

    class Stopped(Exception):
        def __init__(self, state):
            self.sqlstate = state

    tries = []

    def write():
        tries.append(1)
        if len(tries) == 1:
            try:
                raise Stopped(sqlstate)
            except Stopped as cause:
                raise OperationalError("stopped") from cause
        return "booked"

    if retried:
        assert services._until_no_race(write) == "booked"
        assert len(tries) == 2
    else:
        with pytest.raises(OperationalError):
            services._until_no_race(write)
        assert len(tries) == 1
