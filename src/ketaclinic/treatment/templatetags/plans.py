"""Template helpers of the treatment plan pages and the chart's plan card."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from ketaclinic.treatment import plans, series

register = template.Library()


@register.filter
def num(value) -> str:
    """An exact number without trailing zeros: 35, 0.5, 100 (never 1E+2)."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except (InvalidOperation, ValueError):
        return str(value)


@register.inclusion_tag("treatment/_plan_in_force.html", takes_context=True)
def plan_in_force(context, patient) -> dict:
    """The chart's cards: the plan in force, with a link to every version, and
    its series visits (one query more when a plan is in force)."""
    plan = plans.plan_in_force(patient)
    visits = series.series_visits(plan) if plan is not None else []
    return {
        "patient": patient,
        "plan": plan,
        "visits": [(visit, series.visit_state(visit)) for visit in visits],
        "missed": any(visit.status in series.GONE for visit in visits),
        "perms_granted": context.get("perms_granted", {}),
    }
