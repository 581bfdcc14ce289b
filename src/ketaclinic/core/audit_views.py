from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.locations import location_scope
from ketaclinic.accounts.permissions import Perm
from ketaclinic.accounts.requests import AppRequest, StaffRequest
from ketaclinic.audit.forms import AuditSearchForm
from ketaclinic.audit.queries import audit_search
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.exports import csv_lines

PAGE_SIZE = 100
CSV_COLUMNS = [
    "time_utc",
    "user",
    "action",
    "mrn",
    "patient",
    "location",
    "object",
    "summary",
    "ip",
]


def _filtered(request: AppRequest):
    form = AuditSearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    events = audit_search(
        location_ids=location_scope(request.user),
        mrn=data.get("patient", ""),
        username=data.get("user", ""),
        action=data.get("action", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, events


@staff_required(Perm.AUDIT_VIEW)
def audit_log(request: StaffRequest) -> HttpResponse:
    """Search the audit trail. Queries: session, user, locations, count, page."""
    form, events = _filtered(request)
    page_obj = None
    if events is not None:
        page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page_obj": page_obj, "query": query.urlencode()},
    )


@staff_required(Perm.AUDIT_VIEW)
def audit_export(request: StaffRequest) -> HttpResponse | StreamingHttpResponse:
    form, events = _filtered(request)
    if events is None:
        return render(request, "core/audit_log.html", {"form": form}, status=400)
    audit_record(actor=request.actor, action=Action.EXPORT, summary="Audit log CSV")

    def rows():
        for event in events.iterator(chunk_size=2000):
            yield [
                event.at.isoformat(),
                event.username,
                event.action,
                event.patient.mrn if event.patient else "",
                f"{event.patient.last_name}, {event.patient.first_name}"
                if event.patient
                else "",
                event.location.name if event.location else "",
                f"{event.object_type}:{event.object_id}" if event.object_type else "",
                event.summary,
                event.ip or "",
            ]

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        csv_lines(CSV_COLUMNS, rows()), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
