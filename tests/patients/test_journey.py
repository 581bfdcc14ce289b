"""The chart says at the top where the patient is in the journey (lead,
consultation, intake, screening, plan, series, maintenance), read from the
chart's own records and the patient's lead."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries.models import Stage
from ketaclinic.intake import services as intake_services
from ketaclinic.treatment.models import ScreeningDecision
from tests.inquiries.helpers import make_lead
from tests.notifications.helpers import make_visit, soon


def now_step(client, patient) -> str:
    page = client.get(reverse("patients:chart", args=[patient.uuid])).text
    current = re.search(
        r'<li class="journey-current" aria-current="step">(.*?)</li>', page
    )
    assert current, "the chart shows no journey"
    return current.group(1)


def test_a_new_chart_is_at_the_start(world, as_role):
    assert now_step(as_role("front_desk"), world.patient) == "Lead"


def test_the_chart_follows_intake_screening_and_visits(world, as_role):
    client = as_role("nurse")
    intake = intake_services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=world.patient
    )
    assert now_step(client, world.patient) == "Intake"
    intake_services.intake_submit(actor=Actor.system(), intake=intake)
    page = client.get(reverse("patients:chart", args=[world.patient.uuid])).text
    assert now_step(client, world.patient) == "Screening"
    assert "waiting for a decision" in page
    ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=ScreeningDecision.Outcome.CANDIDATE,
        rationale="Meets the criteria.",
        signed_by=world.staff["provider"],
    )
    assert now_step(client, world.patient) == "Treatment plan"
    make_visit(world.patient, soon(days=3))
    assert now_step(client, world.patient) == "Infusion series"


@pytest.mark.parametrize(
    ("stage", "step"),
    [
        (Stage.CONSULTATION_BOOKED, "Consultation"),
        (Stage.IN_TREATMENT, "Infusion series"),
        (Stage.MAINTENANCE, "Maintenance"),
    ],
)
def test_the_lead_stage_counts_too(world, as_role, stage, step):
    lead = make_lead(world.home)
    lead.patient, lead.stage = world.patient, stage
    lead.save(update_fields=["patient", "stage"])
    assert now_step(as_role("front_desk"), world.patient) == step
