"""Reads of the infusion chart that pages and APIs share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ketaclinic.accounts.permissions import Perm
from ketaclinic.audit.services import Actor
from ketaclinic.infusions.models import (
    Check,
    DrugDraw,
    MedicationGiven,
    Override,
    PumpEvent,
    Session,
    SideEffect,
    VitalReading,
)
from ketaclinic.patients.queries import record_for_actor


def sessions() -> QuerySet[Session]:
    return Session.objects.select_related(
        "patient", "location", "plan", "appointment", "appointment__type"
    )


def session_for_actor(
    actor: Actor, session_uuid, *, purpose: str, perm: Perm = Perm.INFUSION_VIEW
) -> Session:
    """The one way into an infusion chart: role and location checked, the
    view audited (a 404 for missing and forbidden alike)."""
    return record_for_actor(
        actor,
        sessions(),
        purpose=purpose,
        perm=perm,
        location_field="location",
        uuid=session_uuid,
    )


def chart_of(session: Session) -> dict:
    """Everything charted on a session, each list in charted order (a
    bounded number of queries whatever its length)."""
    by = ("by",)
    return {
        "checks": list(Check.objects.filter(session=session).select_related(*by)),
        "overrides": list(Override.objects.filter(session=session).select_related(*by)),
        "draws": list(
            DrugDraw.objects.filter(session=session)
            .select_related("by", "witness")
            .prefetch_related(Prefetch("wastes"))
        ),
        "pump_events": list(
            PumpEvent.objects.filter(session=session).select_related(*by)
        ),
        "vitals": list(
            VitalReading.objects.filter(session=session).select_related(*by)
        ),
        "side_effects": list(
            SideEffect.objects.filter(session=session).select_related(*by)
        ),
        "medications": list(
            MedicationGiven.objects.filter(session=session).select_related(*by)
        ),
    }
