"""Reads of the message log for the staff page."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ketaclinic.accounts.locations import location_scope
from ketaclinic.notifications.models import OutboundMessage


def messages_for(user, *, status: str = "") -> QuerySet[OutboundMessage]:
    """Messages a staff member may see: administrators all of them, others those
    of the locations they work at (and those tied to no location)."""
    found = OutboundMessage.objects.select_related("appointment__patient", "location")
    scope = location_scope(user)
    if scope is not None:
        found = found.filter(Q(location_id__in=scope) | Q(location__isnull=True))
    if status:
        found = found.filter(status=status)
    return found


def status_counts(user) -> dict[str, int]:
    rows = messages_for(user).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
