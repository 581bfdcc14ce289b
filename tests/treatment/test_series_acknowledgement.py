"""A series is booked under the rules of each of its visits: while the patient
has an open urgent suicide-risk task, one acknowledgement per task (who gave
it and why) is given once for the whole series and kept on every visit; without
it nothing is booked. A patient no longer a candidate is refused at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake.models import UrgentTask
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment import series
from ketaclinic.treatment.models import ScreeningDecision, SeriesVisit
from tests.conftest import client_for
from tests.scheduling.factories import open_clinic, works
from tests.treatment.helpers import signed_plan

TASK = "PHQ-9: Suicide risk: a clinician must assess suicide risk today."
REASON = "Assessed by the provider today; safety plan in place"


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=1, rooms=1)
    works(world.staff["nurse"], world.home, at_once=1)
    return types


@pytest.fixture
def plan(world, clinic):
    return signed_plan(world)


@pytest.fixture
def task(world, plan):
    return UrgentTask.objects.create(patient=world.patient, message=TASK)


def confirm(world, plan, starts, **extra):
    return series.series_confirm(
        actor=Actor.system(world.staff["front_desk"]),
        plan=plan,
        location=world.home,
        starts=starts,
        **extra,
    )


def test_without_the_acknowledgement_nothing_is_booked_and_the_times_stay(
    world, plan, task
):
    starts = series.series_propose(plan, location=world.home)
    key = f"urgent_task_{task.pk}"
    for given in (None, {key: "   "}):
        with pytest.raises(series.SeriesRefused) as refused:
            confirm(world, plan, starts, acknowledgements=given)
        assert "Nothing was booked" in refused.value.message
        assert TASK in refused.value.message
        assert [item.key for item in refused.value.needed] == [key]
        assert refused.value.proposal == starts
    assert not Appointment.objects.filter(patient=world.patient).exists()
    assert not SeriesVisit.objects.exists()


def test_one_acknowledgement_is_kept_on_every_visit_of_the_series(world, plan, task):
    starts = series.series_propose(plan, location=world.home)
    key = f"urgent_task_{task.pk}"
    visits = confirm(world, plan, starts, acknowledgements={key: REASON})
    assert len(visits) == 6
    expected = [
        {
            "kind": "urgent_task",
            "key": key,
            "about": TASK,
            "reason": REASON,
            "by": str(world.staff["front_desk"]),
        }
    ]
    stored = Appointment.objects.filter(patient=world.patient)
    assert [visit.acknowledgements for visit in stored] == [expected] * 6
    booked = AuditEvent.objects.filter(
        action="create", patient=world.patient, summary__startswith="Booked "
    ).exclude(summary__startswith="Booked the series")
    assert booked.count() == 6
    assert all(REASON in entry.summary for entry in booked)


def test_the_series_page_shows_the_banner_and_takes_the_acknowledgement(
    world, plan, task
):
    desk = client_for(world.staff["front_desk"])
    url = reverse("plans:series", args=[plan.uuid])
    page = desk.get(url)
    assert page.status_code == 200
    assert 'data-testid="urgent-banner"' in page.text
    assert "Acknowledge before booking" in page.text
    assert f"Acknowledge the open urgent task: {TASK}" in page.text
    # Not asked before anything was sent: no error shown yet.
    assert "Give your reason" not in page.text
    proposal = page.context["proposal"]
    assert len(proposal) == 6
    field = f"ack_urgent_task_{task.pk}"
    blank = desk.post(url, {"start": proposal, field: ""})
    assert blank.status_code == 200
    assert "Give your reason to book despite this task." in blank.text
    assert "Nothing was booked" in blank.text
    assert blank.context["proposal"] == proposal  # the times as they were
    assert not Appointment.objects.filter(patient=world.patient).exists()
    booked = desk.post(url, {"start": proposal, field: REASON})
    assert booked.status_code == 302
    visits = Appointment.objects.filter(patient=world.patient)
    assert visits.count() == 6
    assert {visit.acknowledgements[0]["reason"] for visit in visits} == {REASON}
    assert {visit.acknowledgements[0]["by"] for visit in visits} == {
        str(world.staff["front_desk"])
    }


def test_a_task_opened_after_the_page_was_shown_is_asked_for(world, plan):
    desk = client_for(world.staff["front_desk"])
    url = reverse("plans:series", args=[plan.uuid])
    page = desk.get(url)
    assert "Acknowledge before booking" not in page.text
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    sent = desk.post(url, {"start": page.context["proposal"]})
    assert sent.status_code == 200
    assert f"Acknowledge the open urgent task: {TASK}" in sent.text
    assert list(sent.context["acknowledge"].fields) == [f"ack_urgent_task_{task.pk}"]
    assert not Appointment.objects.filter(patient=world.patient).exists()


def test_no_acknowledgement_is_asked_without_an_open_task(world, plan):
    UrgentTask.objects.create(
        patient=world.patient, message=TASK, done_at="2026-01-01T10:00Z"
    )
    page = client_for(world.staff["front_desk"]).get(
        reverse("plans:series", args=[plan.uuid])
    )
    assert "Acknowledge before booking" not in page.text
    assert page.context["acknowledge"] is None


def test_a_patient_no_longer_a_candidate_is_refused_at_once(world, plan):
    decision = ScreeningDecision.objects.get(patient=world.patient)
    starts = series.series_propose(plan, location=world.home)
    ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=ScreeningDecision.Outcome.NOT_CANDIDATE,
        rationale="New history of psychosis.",
        signed_by=world.staff["provider"],
        amends=decision,
        amendment_reason="Records received",
    )
    page = client_for(world.staff["front_desk"]).get(
        reverse("plans:series", args=[plan.uuid])
    )
    assert "“Not a candidate”" in page.text
    assert page.context["proposal"] == []
    with pytest.raises(series.SeriesRefused) as refused:
        confirm(world, plan, starts)
    assert "“Not a candidate”" in refused.value.message
    assert refused.value.proposal == starts
    assert not Appointment.objects.filter(patient=world.patient).exists()
