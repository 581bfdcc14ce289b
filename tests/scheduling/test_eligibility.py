"""Who may be booked for what (scheduling.eligibility), through the booking
page and the API: an infusion only for a signed candidate, and with an open
urgent suicide-risk task only with an acknowledgement; the task shows on the
booking page and the calendars."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake.models import UrgentTask
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment.models import ScreeningDecision
from tests.conftest import make_patient, sign_candidate
from tests.scheduling.factories import open_clinic, works
from tests.scheduling.test_booking import book, local, next_weekday
from tests.scheduling.test_views import count_queries

pytestmark = pytest.mark.unscreened

TASK = "PHQ-9: Suicide risk: a clinician must assess suicide risk today."


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=2, rooms=1)
    works(world.staff["nurse"], world.home, at_once=2)
    works(world.staff["provider"], world.home)
    return types


def decide(world, outcome: str) -> ScreeningDecision:
    return ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=outcome,
        rationale="Reviewed.",
        signed_by=world.staff["provider"],
    )


def post_booking(client, world, types, code="infusion-depression", **extra):
    start = local(next_weekday(1), 9)
    return client.post(
        reverse("scheduling:book", args=[world.patient.uuid]),
        {"type": types[code].pk, "starts_at": start.isoformat(), **extra},
    )


def api_booking(client, world, code="infusion-depression", **extra):
    body = {
        "patient": str(world.patient.uuid),
        "type": code,
        "starts_at": local(next_weekday(1), 9).isoformat(),
        **extra,
    }
    return client.post(
        reverse("api:appointment_book"),
        json.dumps(body),
        content_type="application/json",
    )


def test_an_infusion_without_a_signed_decision_is_refused_with_the_reason(
    world, clinic, as_role
):
    response = post_booking(as_role("front_desk"), world, clinic)
    assert response.status_code == 409
    assert "has no signed screening decision yet" in response.text
    assert "Nothing was booked" in response.text
    assert not Appointment.objects.exists()


def test_not_a_candidate_is_refused_on_the_page_and_the_api(world, clinic, as_role):
    decide(world, ScreeningDecision.Outcome.NOT_CANDIDATE)
    client = as_role("front_desk")
    page = post_booking(client, world, clinic)
    assert page.status_code == 409
    assert "signed by Provider" in page.text and "“Not a candidate”" in page.text
    # Searching for infusion times says why at once, and lists no time.
    search = client.get(
        reverse("scheduling:book", args=[world.patient.uuid]),
        {"type": clinic["infusion-depression"].pk, "start_date": next_weekday(1)},
    )
    assert "“Not a candidate”" in search.text and not search.context["found"]
    assert "No free time" not in search.text
    api = api_booking(client, world)
    assert api.status_code == 409
    assert "“Not a candidate”" in api.json()["detail"]
    assert api.json()["alternatives"] == []
    assert not Appointment.objects.exists()


def test_an_amended_decision_is_the_one_in_force(world, clinic, as_role):
    first = decide(world, ScreeningDecision.Outcome.NOT_CANDIDATE)
    ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=ScreeningDecision.Outcome.CANDIDATE,
        indication="depression",
        rationale="Records of two trials came.",
        signed_by=world.staff["provider"],
        amends=first,
        amendment_reason="Records received",
    )
    assert post_booking(as_role("front_desk"), world, clinic).status_code == 302
    assert Appointment.objects.get().type.kind == "infusion"


def test_a_consultation_is_never_refused(world, clinic, as_role):
    decide(world, ScreeningDecision.Outcome.NOT_CANDIDATE)
    UrgentTask.objects.create(patient=world.patient, message=TASK)
    response = post_booking(as_role("front_desk"), world, clinic, code="consultation")
    assert response.status_code == 302
    assert Appointment.objects.get().acknowledgements == []


def test_an_open_urgent_task_asks_an_acknowledgement_then_records_it(
    world, clinic, as_role
):
    sign_candidate(world.patient)
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    client = as_role("front_desk")
    asked = post_booking(client, world, clinic)
    assert asked.status_code == 409
    assert "Acknowledge before booking" in asked.text
    assert f"Acknowledge the open urgent task: {TASK}" in asked.text
    assert not Appointment.objects.exists()
    blank = post_booking(client, world, clinic, **{f"ack_urgent_task_{task.pk}": " "})
    assert blank.status_code == 409
    assert "Give your reason to book despite this task." in blank.text
    assert not Appointment.objects.exists()
    booked = post_booking(
        client,
        world,
        clinic,
        **{f"ack_urgent_task_{task.pk}": "Assessed by Dr P today: low risk"},
    )
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.acknowledgements == [
        {
            "kind": "urgent_task",
            "key": f"urgent_task_{task.pk}",
            "about": TASK,
            "reason": "Assessed by Dr P today: low risk",
            "by": str(world.staff["front_desk"]),
        }
    ]
    entry = AuditEvent.objects.filter(action="create", patient=world.patient).latest(
        "id"
    )
    assert "acknowledged open urgent task" in entry.summary
    assert "Assessed by Dr P today" in entry.summary


def test_the_api_lists_what_to_acknowledge_and_books_with_it(world, clinic, as_role):
    sign_candidate(world.patient)
    task = UrgentTask.objects.create(patient=world.patient, message=TASK)
    client = as_role("nurse")
    asked = api_booking(client, world)
    assert asked.status_code == 409
    assert asked.json()["to_acknowledge"] == [
        {"key": f"urgent_task_{task.pk}", "about": TASK}
    ]
    booked = api_booking(
        client,
        world,
        acknowledgements={f"urgent_task_{task.pk}": "Safety plan agreed today"},
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["acknowledgements"][0]["reason"] == "Safety plan agreed today"
    assert booked.json()["acknowledgements"][0]["by"] == str(world.staff["nurse"])


def test_a_closed_task_needs_no_acknowledgement(world, clinic, as_role):
    sign_candidate(world.patient)
    UrgentTask.objects.create(
        patient=world.patient, message=TASK, done_at="2026-01-01T10:00Z"
    )
    assert post_booking(as_role("front_desk"), world, clinic).status_code == 302


def test_the_booking_page_shows_the_open_task(world, clinic, as_role):
    UrgentTask.objects.create(patient=world.patient, message=TASK)
    page = as_role("front_desk").get(
        reverse("scheduling:book", args=[world.patient.uuid])
    )
    assert 'data-testid="urgent-banner"' in page.text
    assert "Urgent: open suicide-risk task." in page.text
    # The front desk is told what to do, not the clinical detail.
    assert TASK not in page.text
    nurse = as_role("nurse").get(reverse("scheduling:book", args=[world.patient.uuid]))
    assert TASK in nurse.text


def test_the_calendars_mark_the_visits_of_a_patient_with_an_open_task(
    world, clinic, as_role
):
    day = next_weekday(1)
    calm = make_patient(world.home, mrn="C0000001", last_name="Calm")
    book(world, clinic, local(day, 9), code="consultation", patient=calm)
    client = as_role("front_desk")
    before, text = count_queries(client, reverse("scheduling:day"), day=day)
    assert "Urgent risk task open" not in text
    book(world, clinic, local(day, 11), code="consultation")
    UrgentTask.objects.create(patient=world.patient, message=TASK)
    after, text = count_queries(client, reverse("scheduling:day"), day=day)
    # The mark rides on the calendar's own query: no query added.
    assert after == before
    assert text.count("Urgent risk task open") == 1
    week, text = count_queries(client, reverse("scheduling:week"), day=day)
    assert text.count("Urgent risk task open") == 1


def test_a_patient_link_cannot_book_an_infusion_it_may_not(world, clinic):
    from ketaclinic.scheduling import services

    with pytest.raises(services.NotEligible) as refused:
        services.appointment_book(
            actor=Actor.worker(),
            patient=world.patient,
            location=world.home,
            appointment_type=clinic["infusion-depression"],
            starts_at=local(next_weekday(1), 9),
        )
    assert str(refused.value) == services.FROM_A_LINK
