"""The lead pipeline follows what happens in the apps below it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ketaclinic.accounts.models import User
from ketaclinic.inquiries.queries import journey
from ketaclinic.inquiries.services import lead_mark_urgent, stage_follow
from ketaclinic.intake.signals import journey_step, urgent_raised
from ketaclinic.patients.models import Patient
from ketaclinic.patients.signals import chart_shown


@receiver(journey_step)
def leads_follow_intake(
    sender: Any,
    *,
    patient: Patient,
    stage: str,
    reason: str,
    user: User | None,
    **kwargs: Any,
) -> None:
    stage_follow(patient=patient, stage=stage, reason=reason, user=user)


@receiver(urgent_raised)
def lead_stands_urgent(
    sender: Any, *, patient: Patient, reason: str, **kwargs: Any
) -> None:
    lead_mark_urgent(patient=patient, reason=reason)


@receiver(chart_shown)
def journey_on_chart(
    sender: Any, *, patient: Patient, clinical: bool, **kwargs: Any
) -> dict[str, Any]:
    """Where the patient is in the journey, shown at the top of the chart."""
    return {"journey": journey(patient)}
