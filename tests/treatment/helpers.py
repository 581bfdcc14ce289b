"""A candidate patient, weighed today, and plans on the depression protocol."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.patients.models import BodyMeasurement, Condition
from ketaclinic.treatment import plans
from ketaclinic.treatment.demo import plan_input_from
from ketaclinic.treatment.models import Protocol
from ketaclinic.treatment.seed import protocols_seed
from tests.conftest import PASSWORD

WEIGHT_KG = Decimal(80)


def candidate(
    world, *, weighed_ago=timedelta(hours=1), outcome="candidate", patient=None
):
    """world.patient (or ``patient``) made a signed candidate for depression,
    weighed 80 kg and 178 cm tall; returns the depression protocol."""
    protocols_seed()
    patient = patient or world.patient
    Condition.objects.create(
        patient=patient, icd10_code="F33.2", description="MDD, recurrent severe"
    )
    BodyMeasurement.objects.create(
        patient=patient,
        measured_at=timezone.now() - weighed_ago,
        weight_kg=WEIGHT_KG,
        height_cm=Decimal(178),
    )
    patient.sex_at_birth = "male"
    patient.save()
    plans.ScreeningDecision.objects.create(
        patient=patient,
        outcome=outcome,
        indication="depression" if outcome == "candidate" else "",
        rationale="Treatment-resistant depression.",
        signed_by=world.staff["provider"],
    )
    return Protocol.objects.get(key="depression_induction")


def plan_input(protocol, **changes):
    base = plan_input_from(protocol, indication_code="F33.2", weight_kg=WEIGHT_KG)
    return dataclasses.replace(base, **changes)


def sign(world, protocol, *, amends=None, reason="", patient=None, **changes):
    return plans.plan_sign(
        actor=Actor.system(world.staff["provider"]),
        patient=patient or world.patient,
        plan=plan_input(protocol, **changes),
        password=PASSWORD,
        amends=amends,
        reason=reason,
    )


def signed_plan(world, patient=None):
    return sign(world, candidate(world, patient=patient), patient=patient)


def page_data(page) -> dict[str, str]:
    """What the browser would send back for the page as shown."""
    form, formset = page.context["form"], page.context["formset"]
    data: dict[str, str] = {}
    for part in (form, formset.management_form, *formset):
        for field in part:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else str(value)
    return data
