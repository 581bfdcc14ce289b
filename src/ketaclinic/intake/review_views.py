"""Staff pages of one intake: all its answers, and the review of what the patient
reported into the chart."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.intake import review
from ketaclinic.intake.models import Intake
from ketaclinic.intake.review_forms import review_form, values_of
from ketaclinic.intake.summary import intake_summary
from ketaclinic.patients.queries import record_for_actor

INTAKES = Intake.objects.select_related("patient__location")


@staff_required(Perm.CLINICAL_VIEW)
def summary(request: StaffRequest, intake_uuid) -> HttpResponse:
    """Every answer of one intake, in plain words."""
    intake = record_for_actor(
        request.actor,
        INTAKES,
        purpose="Intake answers",
        perm=Perm.CLINICAL_VIEW,
        uuid=intake_uuid,
    )
    items = review.items_of(intake)
    return render(
        request,
        "intake/summary.html",
        {
            "intake": intake,
            "patient": intake.patient,
            "sections": intake_summary(intake),
            "pending": sum(item.pending for item in items),
        },
    )


def _review_page(
    request: StaffRequest, intake: Intake, bound: dict[str, Any] | None = None
) -> HttpResponse:
    may_review = can(request.user, Perm.CLINICAL_EDIT)
    rows = []
    for item in review.items_of(intake):
        form = None
        if item.pending and may_review:
            form = (bound or {}).get(item.key) or review_form(item, intake.patient)
        rows.append((item, form))
    return render(
        request,
        "intake/review.html",
        {
            "intake": intake,
            "patient": intake.patient,
            "rows": rows,
            "pending": sum(item.pending for item, _form in rows),
            "may_review": may_review,
        },
    )


@staff_required(Perm.CLINICAL_VIEW)
def review_page(request: StaffRequest, intake_uuid) -> HttpResponse:
    """Each reported allergy, medicine, escort and correction, to accept, change
    or leave out of the chart."""
    intake = record_for_actor(
        request.actor,
        INTAKES,
        purpose="Review of reported answers",
        perm=Perm.CLINICAL_VIEW,
        uuid=intake_uuid,
    )
    return _review_page(request, intake)


@require_POST
@staff_required(Perm.CLINICAL_EDIT)
def review_item(request: StaffRequest, intake_uuid, item: str) -> HttpResponse:
    intake = record_for_actor(
        request.actor,
        INTAKES,
        purpose="Review a reported answer",
        perm=Perm.CLINICAL_EDIT,
        uuid=intake_uuid,
    )
    found = next((i for i in review.items_of(intake) if i.key == item), None)
    if found is None:
        raise Http404("The intake reports no such item.")
    back = redirect("intake:review", intake.uuid)
    if found.review is not None:
        messages.info(request, f"{found.review.reviewed_by} reviewed this already.")
        return back
    decision = request.POST.get("decision")
    form = review_form(found, intake.patient, request.POST)
    note = request.POST.get(f"{item}-note", "")
    if decision not in ("accept", "reject"):
        messages.error(request, "Choose whether to add it to the chart or not.")
        return _review_page(request, intake)
    if decision == "accept" and not form.is_valid():
        return _review_page(request, intake, bound={item: form})
    try:
        done = review.reported_item_review(
            actor=request.actor,
            intake=intake,
            item=item,
            accept=decision == "accept",
            values=values_of(form) if decision == "accept" else None,
            note=note,
        )
    except review.AlreadyReviewed as refused:
        messages.info(request, str(refused))
        return back
    except review.ReviewRefused as refused:
        form.add_error(None, str(refused))
        return _review_page(request, intake, bound={item: form})
    messages.success(
        request,
        f"{found.kind_label}: {done.get_decision_display().lower()}"
        + (f" ({done.recorded})." if done.recorded else "."),
    )
    return back
