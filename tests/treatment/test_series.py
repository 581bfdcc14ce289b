"""Booking a signed plan's series: every date keeps the cadence, and confirming
books every visit or none."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.scheduling import services as schedule
from ketaclinic.scheduling.models import Allocation, Appointment
from ketaclinic.treatment import series
from ketaclinic.treatment.models import SeriesVisit
from tests.conftest import client_for, make_patient, sign_candidate
from tests.scheduling.factories import open_clinic, works
from tests.treatment.helpers import signed_plan


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=1, rooms=1)
    works(world.staff["nurse"], world.home, at_once=1)
    return types


def local_days(starts, plan):
    zone = plan.patient.location.zone
    return [start.astimezone(zone).date() for start in starts]


def test_the_proposal_keeps_the_cadence(world, clinic):
    plan = signed_plan(world)
    starts = series.series_propose(plan, location=world.home)
    assert len(starts) == 6
    days = local_days(starts, plan)
    assert all((b - a).days >= 2 for a, b in zip(days, days[1:], strict=False))
    assert all(
        b - a >= timedelta(hours=48) for a, b in zip(starts, starts[1:], strict=False)
    )
    assert (days[-1] - days[0]).days < 21
    assert series.cadence_problem(starts, plan, world.home) == ""


def test_confirming_books_every_visit_with_its_phases(world, clinic):
    plan = signed_plan(world)
    starts = series.series_propose(plan, location=world.home)
    visits = series.series_confirm(
        actor=Actor.system(world.staff["front_desk"]),
        plan=plan,
        location=world.home,
        starts=starts,
    )
    assert [v.starts_at for v in visits] == starts
    assert SeriesVisit.objects.filter(plan=plan).count() == 6
    assert all(v.allocations.exists() for v in visits)
    page = client_for(world.staff["nurse"]).get(
        reverse("plans:detail", args=[plan.uuid])
    )
    assert page.text.count("Booked") >= 6


def test_a_time_taken_meanwhile_books_none_and_proposes_again(world, clinic):
    plan = signed_plan(world)
    starts = series.series_propose(plan, location=world.home)
    other = make_patient(world.home, mrn="T0000099", first_name="Mary")
    sign_candidate(other)
    schedule.appointment_book(
        actor=Actor.system(world.staff["front_desk"]),
        patient=other,
        location=world.home,
        appointment_type=plan.protocol.appointment_type,
        starts_at=starts[3],
    )
    with pytest.raises(series.SeriesRefused) as refused:
        series.series_confirm(
            actor=Actor.system(world.staff["front_desk"]),
            plan=plan,
            location=world.home,
            starts=starts,
        )
    assert "Nothing was booked" in refused.value.message
    assert not Appointment.objects.filter(patient=world.patient).exists()
    assert not SeriesVisit.objects.exists()
    fresh = refused.value.proposal
    assert len(fresh) == 6 and starts[3] not in fresh


def test_a_date_moved_too_close_is_refused(world, clinic):
    plan = signed_plan(world)
    starts = series.series_propose(plan, location=world.home)
    starts[1] = starts[0] + timedelta(days=1)
    with pytest.raises(series.SeriesRefused) as refused:
        series.series_confirm(
            actor=Actor.system(world.staff["front_desk"]),
            plan=plan,
            location=world.home,
            starts=starts,
        )
    assert "too close" in refused.value.message
    assert not Appointment.objects.exists()


def test_the_front_desk_moves_one_date_and_books_the_series_on_the_page(world, clinic):
    plan = signed_plan(world)
    front_desk = client_for(world.staff["front_desk"])
    url = reverse("plans:series", args=[plan.uuid])
    page = front_desk.get(url)
    assert page.status_code == 200
    proposal = page.context["proposal"]
    assert len(proposal) == 6
    moved = list(proposal)
    moved[5] = moved[5][:11] + "15:30"  # the last one later that day
    response = front_desk.post(url, {"start": moved})
    assert response.status_code == 302
    visits = Appointment.objects.filter(patient=world.patient).order_by("starts_at")
    assert visits.count() == 6
    last = visits.last().starts_at.astimezone(world.home.zone)
    assert last.strftime("%H:%M") == "15:30"


def test_a_series_that_cannot_fit_says_so(world):
    open_clinic(world.home, chairs=1, rooms=1, days=range(1))  # Mondays only
    works(world.staff["nurse"], world.home, at_once=1)
    plan = signed_plan(world)
    page = client_for(world.staff["front_desk"]).get(
        reverse("plans:series", args=[plan.uuid])
    )
    assert page.status_code == 200
    assert "do not fit" in page.text
    bad = client_for(world.staff["front_desk"]).post(
        reverse("plans:series", args=[plan.uuid]), {"start": ["tomorrow"] * 6}
    )
    assert bad.status_code == 200 and "give a date and a time" in bad.text
    assert not Appointment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_confirming_overlapping_series_at_once_never_half_book(world):
    """One chair, one nurse seat: two series for the same six times, confirmed
    at the same moment. One is booked whole, the other not at all. Runs on
    SQLite and, with DATABASE_URL, on PostgreSQL."""
    open_clinic(world.home, chairs=1, rooms=0)
    works(world.staff["nurse"], world.home, at_once=1)
    other = make_patient(world.home, mrn="T0000098", first_name="Mary")
    first, second = signed_plan(world), signed_plan(world, patient=other)
    starts = series.series_propose(first, location=world.home)
    assert series.series_propose(second, location=world.home) == starts
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def confirm(plan, clerk) -> None:
        barrier.wait()
        try:
            series.series_confirm(
                actor=Actor.system(clerk), plan=plan, location=world.home, starts=starts
            )
            outcomes[plan.patient.mrn] = "booked"
        except series.SeriesRefused:
            outcomes[plan.patient.mrn] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm, args=(plan, world.staff[role]))
        for plan, role in ((first, "front_desk"), (second, "nurse"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes.values()) == ["booked", "refused"]
    counts = sorted(
        Appointment.objects.filter(patient=patient).count()
        for patient in (world.patient, other)
    )
    assert counts == [0, 6]
    held = Allocation.objects.filter(resource__isnull=False).order_by("starts_at")
    spans = [(a.starts_at, a.ends_at) for a in held]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_a_missed_infusion_is_proposed_again_within_the_cadence(world, clinic):
    plan = signed_plan(world)
    desk = Actor.system(world.staff["front_desk"])
    starts = series.series_propose(plan, location=world.home)
    visits = series.series_confirm(
        actor=desk, plan=plan, location=world.home, starts=starts
    )
    with pytest.raises(series.SeriesRefused, match="Every infusion"):
        series.series_propose(plan, location=world.home)
    Appointment.objects.filter(pk=visits[2].pk).update(status="no_show")
    again = series.series_propose(plan, location=world.home)
    assert len(again) == 1 and again[0] >= starts[-1] + timedelta(hours=48)
    kept = [v.starts_at for v in series.kept_visits(plan)]
    assert series.cadence_problem(kept + again, plan, world.home) == ""
    page = client_for(world.staff["front_desk"]).get(
        reverse("plans:series", args=[plan.uuid])
    )
    assert "Infusion 6" in page.text and "Infusion 1<" not in page.text
    series.series_confirm(actor=desk, plan=plan, location=world.home, starts=again)
    assert len(series.kept_visits(plan)) == 6
    assert SeriesVisit.objects.filter(plan=plan).order_by("number").last().number == 6


def test_the_series_page_keeps_to_the_patients_days_and_times(world, clinic):
    plan = signed_plan(world)
    url = reverse("plans:series", args=[plan.uuid])
    page = client_for(world.staff["front_desk"]).get(
        url, {"weekdays": ["1", "3"], "not_before": "13:00"}
    )
    assert page.status_code == 200
    assert "Days that suit the patient" in page.text
    starts = page.context["proposal"]
    assert len(starts) == 6
    for value in starts:
        local = datetime.strptime(value, "%Y-%m-%dT%H:%M")
        assert local.weekday() in (1, 3)
        assert local.time() >= time(13)


def test_a_time_window_the_wrong_way_round_is_refused_beside_the_field(world, clinic):
    plan = signed_plan(world)
    page = client_for(world.staff["front_desk"]).get(
        reverse("plans:series", args=[plan.uuid]),
        {"not_before": "15:00", "not_after": "09:00"},
    )
    assert page.status_code == 200
    assert "This must be later than" in page.text
    assert page.context["proposal"] == []
    assert not SeriesVisit.objects.exists()
