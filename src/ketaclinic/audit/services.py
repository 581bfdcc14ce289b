"""Writing the audit trail, through the `Actor` of the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from ketaclinic.audit.actor import Actor, Channel
from ketaclinic.audit.models import AuditEvent

if TYPE_CHECKING:
    from ketaclinic.patients.models import Patient

Action = AuditEvent.Action

__all__ = ["Action", "Actor", "Channel", "audit_record"]


def audit_record(
    *,
    actor: Actor,
    action: str,
    patient: Patient | None = None,
    obj: models.Model | None = None,
    summary: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one audit entry. Call it inside the transaction of the change.

    `username` names whoever tried when there is no user to point at (a failed
    sign-in with an unknown name)."""
    location_id: int | None
    if patient is not None:
        location_id = patient.location_id
    else:
        location_id = actor.location.pk if actor.location is not None else None
    return AuditEvent.objects.create(
        actor=actor.user,
        username=(username or actor.username)[:150],
        channel=actor.channel,
        action=action,
        patient=patient,
        location_id=location_id,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        ip=actor.address,
    )
