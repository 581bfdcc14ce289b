from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent


def audit_search(
    *,
    location_ids: list[int] | None,
    mrn: str = "",
    username: str = "",
    action: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEvent]:
    """Audit entries matching the filters; `location_ids=None` means every location.

    Entries with no location (e.g. failed sign-ins) are shown to every auditor.
    """
    qs = AuditEvent.objects.select_related("patient", "actor", "location")
    if location_ids is not None:
        from django.db.models import Q

        qs = qs.filter(Q(location_id__in=location_ids) | Q(location__isnull=True))
    if mrn:
        qs = qs.filter(patient__mrn=mrn.upper())
    if username:
        qs = qs.filter(username=username)
    if action:
        qs = qs.filter(action=action)
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, zone))
    if date_to:
        qs = qs.filter(
            at__lt=datetime.combine(date_to + timedelta(days=1), time.min, zone)
        )
    return qs
