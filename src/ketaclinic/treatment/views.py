from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.access import forbidden, staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.patients.queries import patient_for_actor
from ketaclinic.treatment import queries, services
from ketaclinic.treatment.forms import DecisionForm


@staff_required(Perm.CLINICAL_VIEW)
def screening_page(request: StaffRequest, patient_uuid) -> HttpResponse:
    """Findings beside the intake and scores; a provider signs the decision."""
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Screening page", perm=Perm.CLINICAL_VIEW
    )
    found = queries.patient_screening(patient)
    decisions = queries.decisions_of(patient)
    current = queries.current_of(decisions)
    form = DecisionForm(
        request.POST or None,
        needed=found.overrides_needed,
        amending=current is not None,
    )
    if request.method == "POST":
        if not can(request.user, Perm.SIGN):
            return forbidden(request)
        if form.is_valid():
            try:
                services.decision_sign(
                    actor=request.actor,
                    patient=patient,
                    outcome=form.cleaned_data["outcome"],
                    indication=form.cleaned_data["indication"],
                    needs=form.cleaned_data["needs"],
                    rationale=form.cleaned_data["rationale"],
                    amends=current if request.POST.get("amend") else None,
                    override_reasons=form.override_reasons(),
                    reason=form.cleaned_data.get("reason", ""),
                )
            except services.DecisionRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Decision signed.")
                return redirect("treatment:screening", patient.uuid)
    return render(
        request,
        "treatment/screening.html",
        {
            "patient": patient,
            "intake": found.intake,
            "scores": found.scores,
            "result": found.result,
            "error": found.error,
            "form": form,
            "decisions": decisions,
            "current": current,
            "can_sign": can(request.user, Perm.SIGN),
            "open_tasks": found.open_tasks,
        },
    )
