"""Security: single-use actions of the intake and questionnaire links done by
parallel requests (a double tap, a retrying phone, a script) happen once; the
other requests get a clear page, never a server error. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake import forms, services
from ketaclinic.intake.models import (
    Intake,
    QuestionnaireRequest,
    QuestionnaireResponse,
    UrgentTask,
)
from ketaclinic.intake.questionnaires import instruments_for
from ketaclinic.links import tokens as links
from ketaclinic.notifications.models import OutboundMessage
from tests.links.helpers import browsers, holder, race

PHQ9_ITEM9_POSITIVE = {f"q{n}": 1 for n in range(1, 10)} | {"difficulty": 1}
PARALLEL = 8


@pytest.fixture
def provider(world):
    provider = world.staff["provider"]
    provider.email = "provider@clinic.example"
    provider.save()
    return provider


@pytest.mark.django_db(transaction=True)
def test_parallel_answers_to_one_questionnaire_link_are_recorded_once(world, provider):
    row = QuestionnaireRequest.objects.create(
        patient=world.patient, instruments=["phq9"]
    )
    url = reverse(
        "intake_public:questionnaire",
        args=[links.token(links.Purpose.QUESTIONNAIRE, row.uuid)],
    )
    clients = [holder(url, world.patient, client) for client in browsers(PARALLEL)]

    answers = race(PARALLEL, lambda i: clients[i].post(url, PHQ9_ITEM9_POSITIVE))

    statuses = sorted(getattr(a, "status_code", a) for a in answers)
    assert all(s in (200, 302) for s in statuses), statuses
    assert QuestionnaireResponse.objects.count() == 1
    assert UrgentTask.objects.count() == 1
    assert OutboundMessage.objects.filter(purpose="urgent_task").count() == 1
    crisis = [a for a in answers if a.status_code == 200]
    assert len(crisis) == 1 and "988" in crisis[0].text  # the one that counted
    assert "Thank you" in clients[0].get(url).text


def complete(intake: Intake) -> None:
    """Every step of the intake done (no consent is published)."""
    answers = {key: {} for key in forms.SECTIONS}
    answers["about"] = {"treated_for": ["depression"]}
    answers["questionnaires"] = dict.fromkeys(
        instruments_for(["depression"]), "recorded"
    )
    Intake.objects.filter(pk=intake.pk).update(
        answers=answers, status=Intake.Status.IN_PROGRESS
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_check_and_send_of_one_intake_submits_it_once(world):
    intake = services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=world.patient
    )
    complete(intake)
    url = reverse(
        "intake_public:intake", args=[links.token(links.Purpose.INTAKE, intake.uuid)]
    )
    clients = [holder(url, world.patient, client) for client in browsers(6)]

    answers = race(6, lambda i: clients[i].post(f"{url}?step=review"))

    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses == [200] * 6, statuses
    assert all("your intake is sent" in a.text for a in answers)
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert AuditEvent.objects.filter(summary="Intake submitted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_answers_to_one_intake_questionnaire_are_recorded_once(
    world, provider
):
    intake = services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=world.patient
    )
    Intake.objects.filter(pk=intake.pk).update(
        answers={"about": {"treated_for": ["depression"]}}
    )
    url = reverse(
        "intake_public:intake", args=[links.token(links.Purpose.INTAKE, intake.uuid)]
    )
    clients = [holder(url, world.patient, client) for client in browsers(PARALLEL)]

    answers = race(
        PARALLEL,
        lambda i: clients[i].post(f"{url}?step=q:phq9", PHQ9_ITEM9_POSITIVE),
    )

    statuses = sorted(getattr(a, "status_code", a) for a in answers)
    assert all(s in (200, 302) for s in statuses), statuses
    assert QuestionnaireResponse.objects.count() == 1
    assert UrgentTask.objects.count() == 1
    assert OutboundMessage.objects.filter(purpose="urgent_task").count() == 1
    intake.refresh_from_db()
    recorded = QuestionnaireResponse.objects.get()
    assert intake.answers["questionnaires"] == {"phq9": str(recorded.uuid)}
