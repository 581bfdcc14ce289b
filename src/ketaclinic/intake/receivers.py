"""What intake adds to the pages of the apps below it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ketaclinic.intake.queries import chart_consents
from ketaclinic.patients.models import Patient
from ketaclinic.patients.signals import chart_shown


@receiver(chart_shown)
def consents_on_chart(
    sender: Any, *, patient: Patient, clinical: bool, **kwargs: Any
) -> dict[str, Any]:
    """Consents to sign before the next infusion, and signatures under another
    legal name to review (for readers of clinical data)."""
    if not clinical:
        return {}
    missing, to_review = chart_consents(patient)
    return {"missing_consents": missing, "names_to_review": to_review}
