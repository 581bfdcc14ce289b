"""The lead pipeline follows what happens in the apps below it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ketaclinic.accounts.models import User
from ketaclinic.inquiries.services import lead_mark_urgent, stage_follow
from ketaclinic.intake.signals import journey_step, urgent_raised
from ketaclinic.patients.models import Patient


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
