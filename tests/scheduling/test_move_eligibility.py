"""Moving a visit goes through the rules of a booking (scheduling.eligibility):
an infusion moves only for a signed candidate, and while the patient has an
open urgent suicide-risk task only with an acknowledgement, on the appointment
page and through the API alike."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake.models import UrgentTask
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment.models import ScreeningDecision
from tests.conftest import sign_candidate
from tests.scheduling.factories import open_clinic, works
from tests.scheduling.test_booking import book, local, next_weekday

pytestmark = pytest.mark.unscreened

TASK = "PHQ-9: Suicide risk: a clinician must assess suicide risk today."
START_HOUR, LATER_HOUR = 9, 11


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=2, rooms=1)
    works(world.staff["nurse"], world.home, at_once=2)
    works(world.staff["provider"], world.home)
    return types


@pytest.fixture
def infusion(world, clinic) -> Appointment:
    """An infusion booked while the patient was a candidate with no open task."""
    decision = sign_candidate(world.patient)
    appointment = book(world, clinic, local(next_weekday(1), START_HOUR))
    appointment.decision = decision  # for the tests that amend it
    return appointment


def later(appointment: Appointment):
    return appointment.starts_at + timedelta(hours=LATER_HOUR - START_HOUR)


def page_move(client, appointment, **extra):
    return client.post(
        reverse("scheduling:appointment_move", args=[appointment.uuid]),
        {
            "starts_at": later(appointment)
            .astimezone(appointment.location.zone)
            .strftime("%Y-%m-%dT%H:%M"),
            "reason": "Asked by the patient",
            **extra,
        },
    )


def api_move(client, appointment, **extra):
    body = {
        "starts_at": later(appointment).isoformat(),
        "reason": "Asked by the patient",
        **extra,
    }
    return client.post(
        reverse("api:appointment_move", kwargs={"appointment_uuid": appointment.uuid}),
        json.dumps(body),
        content_type="application/json",
    )


def unchanged(appointment: Appointment) -> bool:
    before = appointment.starts_at
    appointment.refresh_from_db()
    return appointment.starts_at == before and appointment.acknowledgements == []


def not_a_candidate_any_more(world, infusion) -> None:
    ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=ScreeningDecision.Outcome.NOT_CANDIDATE,
        rationale="New history of psychosis.",
        signed_by=world.staff["provider"],
        amends=infusion.decision,
        amendment_reason="Records received",
    )


def test_a_move_is_refused_once_the_decision_says_not_a_candidate(
    world, infusion, as_role
):
    not_a_candidate_any_more(world, infusion)
    client = as_role("front_desk")
    page = page_move(client, infusion)
    assert page.status_code == 409
    assert "“Not a candidate”" in page.text and "Nothing changed" in page.text
    api = api_move(client, infusion)
    assert api.status_code == 409
    assert "“Not a candidate”" in api.json()["detail"]
    # Another time would not help: none is offered.
    assert api.json()["alternatives"] == []
    assert unchanged(infusion)


def test_a_move_with_an_open_task_asks_the_acknowledgement_then_keeps_it(
    world, infusion, as_role
):
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    client = as_role("front_desk")
    shown = client.get(reverse("scheduling:appointment", args=[infusion.uuid]))
    assert 'data-testid="urgent-banner"' in shown.text
    asked = page_move(client, infusion)
    assert asked.status_code == 409
    assert "Acknowledge before moving" in asked.text
    assert f"Acknowledge the open urgent task: {TASK}" in asked.text
    assert unchanged(infusion)
    blank = page_move(client, infusion, **{f"ack_urgent_task_{task.pk}": "  "})
    assert blank.status_code == 409
    assert "Give your reason to book despite this task." in blank.text
    assert unchanged(infusion)
    moved = page_move(
        client, infusion, **{f"ack_urgent_task_{task.pk}": "Assessed today: low risk"}
    )
    assert moved.status_code == 302
    infusion.refresh_from_db()
    assert infusion.starts_at.astimezone(world.home.zone).hour == LATER_HOUR
    assert infusion.acknowledgements == [
        {
            "kind": "urgent_task",
            "key": f"urgent_task_{task.pk}",
            "about": TASK,
            "reason": "Assessed today: low risk",
            "by": str(world.staff["front_desk"]),
        }
    ]
    entry = AuditEvent.objects.filter(action="update", patient=world.patient).latest(
        "id"
    )
    assert entry.summary.startswith("Moved ")
    assert "acknowledged open urgent task" in entry.summary
    assert "Assessed today: low risk" in entry.summary


def test_the_acknowledgement_form_moves_the_visit_when_sent_back(
    world, infusion, as_role
):
    """The page's own form: what it sends back (its hidden time and reason)
    moves the visit."""
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    client = as_role("front_desk")
    asked = page_move(client, infusion)
    form = asked.context["acknowledge"]
    assert list(form.fields) == [f"ack_urgent_task_{task.pk}"]
    assert asked.context["moving_local"].hour == LATER_HOUR
    text = asked.text
    value = later(infusion).astimezone(world.home.zone).strftime("%Y-%m-%dT%H:%M")
    assert f'name="starts_at" value="{value}"' in text
    assert 'name="reason" value="Asked by the patient"' in text
    sent = client.post(
        reverse("scheduling:appointment_move", args=[infusion.uuid]),
        {
            "starts_at": value,
            "reason": "Asked by the patient",
            f"ack_urgent_task_{task.pk}": "Provider saw her today",
        },
    )
    assert sent.status_code == 302


def test_the_api_lists_what_to_acknowledge_and_moves_with_it(world, infusion, as_role):
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    client = as_role("nurse")
    asked = api_move(client, infusion)
    assert asked.status_code == 409
    assert asked.json()["to_acknowledge"] == [
        {"key": f"urgent_task_{task.pk}", "about": TASK}
    ]
    assert unchanged(infusion)
    moved = api_move(
        client,
        infusion,
        acknowledgements={f"urgent_task_{task.pk}": "Safety plan agreed today"},
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["acknowledgements"][0]["reason"] == "Safety plan agreed today"
    assert body["acknowledgements"][0]["by"] == str(world.staff["nurse"])
    infusion.refresh_from_db()
    assert infusion.starts_at.astimezone(world.home.zone).hour == LATER_HOUR


def test_an_acknowledgement_given_at_booking_is_kept_and_asked_again(
    world, clinic, as_role
):
    """A new time is a new decision: the earlier acknowledgement stays on the
    visit, and the move asks for one of its own."""
    sign_candidate(world.patient)
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    key = f"urgent_task_{task.pk}"
    appointment = book(
        world,
        clinic,
        local(next_weekday(1), START_HOUR),
        acknowledgements={key: "Assessed at booking"},
    )
    client = as_role("front_desk")
    assert api_move(client, appointment).status_code == 409
    moved = api_move(client, appointment, acknowledgements={key: "Assessed again"})
    assert moved.status_code == 200, moved.content
    appointment.refresh_from_db()
    assert [item["reason"] for item in appointment.acknowledgements] == [
        "Assessed at booking",
        "Assessed again",
    ]


def test_a_consultation_moves_without_any_of_this(world, clinic, as_role):
    not_a_candidate = ScreeningDecision.Outcome.NOT_CANDIDATE
    ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=not_a_candidate,
        rationale="Reviewed.",
        signed_by=world.staff["provider"],
    )
    UrgentTask.objects.create(patient=world.patient, message=TASK)
    visit = book(world, clinic, local(next_weekday(1), START_HOUR), "consultation")
    client = as_role("front_desk")
    page = client.get(reverse("scheduling:appointment", args=[visit.uuid]))
    assert 'data-testid="urgent-banner"' not in page.text
    assert page_move(client, visit).status_code == 302
    visit.refresh_from_db()
    assert visit.acknowledgements == []


def test_the_api_moves_only_visits_at_the_staff_members_locations(
    world, infusion, as_role
):
    infusion.location = world.other
    infusion.save(update_fields=["location"])
    response = api_move(as_role("nurse"), infusion)
    assert response.status_code == 404
    assert response.json()["detail"] == "No such appointment."


def test_the_api_moves_a_leads_consultation(world, clinic, as_role):
    """A lead has no chart yet: the visit moves, and the answer names no
    patient."""
    from ketaclinic.inquiries import services as leads
    from tests.inquiries.helpers import make_lead

    lead = make_lead(world.home)
    visit = leads.consultation_book(
        actor=Actor.system(),
        inquiry=lead,
        mode="phone",
        starts_at=local(next_weekday(1), START_HOUR),
    )
    moved = api_move(as_role("front_desk"), visit)
    assert moved.status_code == 200, moved.content
    assert moved.json()["patient"] is None
    visit.refresh_from_db()
    assert visit.starts_at.astimezone(world.home.zone).hour == LATER_HOUR
