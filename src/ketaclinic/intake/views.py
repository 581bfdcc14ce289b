from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.clinical import scales
from ketaclinic.intake import queries, review, services
from ketaclinic.intake.forms import PublishForm
from ketaclinic.intake.models import (
    ConsentDocument,
    ConsentSignature,
    Intake,
    UrgentTask,
)
from ketaclinic.intake.public_views import wizard
from ketaclinic.patients.queries import (
    patient_for_actor,
    patients_seen,
    record_for_actor,
)


@staff_required(Perm.CLINICAL_VIEW)
def patient_intake(request: StaffRequest, patient_uuid) -> HttpResponse:
    """Intake, questionnaires, consents and screening of one patient."""
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Intake page", perm=Perm.CLINICAL_VIEW
    )
    return render(
        request,
        "intake/patient.html",
        {
            "patient": patient,
            "intakes": queries.recent_intakes(patient),
            "responses": queries.recent_responses(patient),
            "signatures": queries.signatures_of(patient),
            "missing": queries.consents_missing(patient),
            "decisions": queries.screening_decisions(patient),
            "tasks": queries.open_urgent_tasks(patient),
            "instruments": scales.INSTRUMENTS,
        },
    )


@require_POST
@staff_required(Perm.INTAKE_SEND)
def intake_send(request: StaffRequest, patient_uuid) -> HttpResponse:
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Send intake", perm=Perm.INTAKE_SEND
    )
    # The front desk sends links from the chart; clinicians from the intake page.
    back = (
        "intake:patient" if can(request.user, Perm.CLINICAL_VIEW) else "patients:chart"
    )
    phone = request.POST.get("channel") == Intake.Channel.PHONE
    if not phone and not patient.email:
        messages.error(request, "This patient has no email address: add one first.")
        return redirect(back, patient.uuid)
    intake = services.intake_send(
        actor=request.actor,
        patient=patient,
        channel=Intake.Channel.PHONE if phone else Intake.Channel.LINK,
    )
    if phone:
        return redirect("intake:fill", intake.uuid)
    messages.success(request, f"Intake link sent to {patient.email}.")
    return redirect(back, patient.uuid)


@staff_required(Perm.INTAKE_SEND)
def intake_fill(request: StaffRequest, intake_uuid) -> HttpResponse:
    """Phone intake: staff fill the patient's wizard on their behalf."""
    intake = record_for_actor(
        request.actor,
        Intake.objects.select_related("patient__location"),
        purpose="Phone intake",
        perm=Perm.INTAKE_SEND,
        uuid=intake_uuid,
    )
    if intake.channel != Intake.Channel.PHONE:
        raise Http404
    return wizard(request, intake, staff=request.user)


@require_POST
@staff_required(Perm.INTAKE_SEND)
def questionnaires_send(request: StaffRequest, patient_uuid) -> HttpResponse:
    patient = patient_for_actor(
        request.actor,
        patient_uuid,
        purpose="Send questionnaires",
        perm=Perm.INTAKE_SEND,
    )
    chosen = request.POST.getlist("instrument")
    if not patient.email:
        messages.error(request, "This patient has no email address: add one first.")
    else:
        try:
            services.questionnaire_request_send(
                actor=request.actor, patient=patient, instruments=chosen
            )
        except services.IntakeRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "Questionnaires sent.")
    return redirect("intake:patient", patient.uuid)


@staff_required(Perm.CLINICAL_VIEW)
def worklist(request: StaffRequest) -> HttpResponse:
    """Urgent tasks of the user's locations: open first, oldest first."""
    tasks = queries.worklist(request.user)
    to_review = review.intakes_to_review(location_ids_of(request.user))
    patients_seen(request.actor, purpose="Worklist")
    return render(
        request, "intake/worklist.html", {"tasks": tasks, "to_review": to_review}
    )


@require_POST
@staff_required(Perm.SIGN)
def task_done(request: StaffRequest, task_id: int) -> HttpResponse:
    task = record_for_actor(
        request.actor,
        UrgentTask.objects.select_related("patient"),
        purpose="Close urgent task",
        perm=Perm.SIGN,
        pk=task_id,
    )
    try:
        services.urgent_task_done(
            actor=request.actor,
            task=task,
            note=request.POST.get("note", ""),
        )
    except services.IntakeRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Task closed.")
    return redirect("intake:worklist")


@require_POST
@staff_required(Perm.CLINICAL_VIEW)
def consent_name_review(request: StaffRequest, signature_id: int) -> HttpResponse:
    """Staff have checked a signature made under another legal name."""
    signature = record_for_actor(
        request.actor,
        ConsentSignature.objects.select_related("patient"),
        purpose="Review a signed name",
        perm=Perm.CLINICAL_VIEW,
        pk=signature_id,
    )
    try:
        services.consent_name_review(
            actor=request.actor,
            signature=signature,
            note=request.POST.get("note", ""),
        )
    except services.IntakeRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Name reviewed.")
    return redirect("intake:patient", signature.patient.uuid)


@staff_required(Perm.CONSENT_EDIT)
def consents(request: StaffRequest) -> HttpResponse:
    documents = queries.consent_documents()
    return render(request, "intake/consents.html", {"documents": documents})


@staff_required(Perm.CONSENT_EDIT)
def consent_publish(request: StaffRequest, code: str) -> HttpResponse:
    document = get_object_or_404(ConsentDocument, code=code)
    latest = document.versions.first()
    form = PublishForm(
        request.POST or None, initial={"text": latest.text if latest else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.consent_publish(
                actor=request.actor,
                document=document,
                text=form.cleaned_data["text"],
            )
        except services.IntakeRefused as refused:
            form.add_error("text", str(refused))
        else:
            messages.success(
                request,
                f"Published {version}. Patients sign it before their next infusion.",
            )
            return redirect("intake:consents")
    return render(
        request, "intake/consent_publish.html", {"document": document, "form": form}
    )
