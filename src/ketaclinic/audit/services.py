"""Writing the audit trail. Every caller passes the request it serves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from ketaclinic.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ketaclinic.patients.models import Patient

Action = AuditEvent.Action
ANONYMOUS_LINK_USER = "patient (private link)"


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    request: HttpRequest | None,
    action: str,
    patient: Patient | None = None,
    obj: models.Model | None = None,
    summary: str = "",
    username: str = "",
    user=None,
) -> AuditEvent:
    """Append one audit entry. Call it inside the transaction of the change."""
    actor = user
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if actor is None and not username and request is not None:
        # Only the patient's signed links write without a signed-in user.
        username = ANONYMOUS_LINK_USER
    location = getattr(request, "location", None) if request is not None else None
    if patient is not None:
        location_id = patient.location_id
    else:
        location_id = location.pk if location is not None else None
    return AuditEvent.objects.create(
        actor=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        action=action,
        patient=patient,
        location_id=location_id,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        ip=client_ip(request),
    )
