"""The allergy banner on pages other than the chart (booking): the chart's
allergies and those the patient reported that nobody has reviewed yet."""

from __future__ import annotations

from typing import Any

from django import template

from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.intake.review import pending_reports
from ketaclinic.patients.models import Allergy, Patient
from ketaclinic.patients.queries import Chart

register = template.Library()


@register.inclusion_tag("patients/_allergy_banner.html", takes_context=True)
def allergy_banner(context: template.Context, patient: Patient) -> dict[str, Any]:
    """Three queries (allergies, submitted intakes, their reviews); nothing for
    a role that does not see clinical records, as on the chart."""
    request = context.get("request")
    if request is None or not can(request.user, Perm.CLINICAL_VIEW):
        return {"hidden": True}
    allergies = list(Allergy.objects.filter(patient=patient))
    return {
        "chart": Chart(patient, [], allergies, [], [], []),
        "reported": pending_reports(patient),
    }
