"""What intake adds to the pages of the apps below it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ketaclinic.intake.queries import chart_consents
from ketaclinic.intake.review import pending_reports
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


@receiver(chart_shown)
def reports_on_chart(
    sender: Any, *, patient: Patient, clinical: bool, **kwargs: Any
) -> dict[str, Any]:
    """What the patient reported in an intake, not yet reviewed into the chart
    (the front desk sees the escort and contact corrections among them)."""
    return {"reported": pending_reports(patient)}
