from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.clinical import overrides, scales, screening
from ketaclinic.intake import facts, services
from ketaclinic.intake.models import (
    ConsentDocument,
    ConsentSignature,
    Intake,
    ScreeningDecision,
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
            "intakes": patient.intakes.select_related("sent_by", "filled_by")[:10],
            "responses": patient.questionnaires.all()[:50],
            "signatures": ConsentSignature.objects.filter(patient=patient)
            .select_related("version__document", "name_review__reviewed_by")
            .order_by("-signed_at"),
            "missing": services.consents_missing(patient),
            "decisions": patient.screenings.select_related("signed_by")[:10],
            "tasks": patient.urgent_tasks.filter(done_at__isnull=True),
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
    tasks = (
        UrgentTask.objects.filter(
            patient__location_id__in=location_ids_of(request.user)
        )
        .select_related("patient", "done_by")
        .order_by("done_at", "created_at")[:200]
    )
    patients_seen(request.actor, purpose="Worklist")
    return render(request, "intake/worklist.html", {"tasks": tasks})


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


class DecisionForm(django_forms.Form):
    outcome = django_forms.ChoiceField(
        choices=ScreeningDecision.Outcome.choices, widget=django_forms.RadioSelect
    )
    indication = django_forms.ChoiceField(
        required=False,
        choices=[("", "—")]
        + [(i, i.replace("_", " ")) for i in sorted(screening.INDICATIONS)],
        help_text="For a candidate: the indication treated.",
    )
    needs = django_forms.CharField(
        label="Information needed", required=False, max_length=300
    )
    rationale = django_forms.CharField(
        widget=django_forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    reason = django_forms.CharField(label="Reason for the amendment", max_length=500)

    def __init__(
        self,
        *args: Any,
        amending: bool = False,
        needed: tuple[overrides.OverrideNeeded, ...] = (),
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        if not amending:
            del self.fields["reason"]
        self.needed = needed
        for item in needed:
            self.fields[f"override_{item.key}"] = django_forms.CharField(
                label=f"Override ({item.kind.label.lower()}): {item.about}",
                required=False,
                max_length=1000,
                widget=django_forms.Textarea(attrs={"rows": 2}),
                help_text="Needed to sign “candidate”: your reason to proceed "
                "despite this.",
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("outcome") == ScreeningDecision.Outcome.CANDIDATE:
            for item in self.needed:
                name = f"override_{item.key}"
                if not (cleaned.get(name) or "").strip():
                    self.add_error(
                        name,
                        "Give your reason to override this, or choose another outcome.",
                    )
        return cleaned

    def override_reasons(self) -> dict[str, str]:
        return {
            item.key: self.cleaned_data.get(f"override_{item.key}", "")
            for item in self.needed
        }


def _finding_dicts(result: screening.Screening) -> list[dict]:
    return [
        {
            "kind": f.kind.value,
            "code": f.code,
            "message": f.message,
            "reason": f.reason,
            "source": f.source,
            "urgent": f.urgent,
        }
        for f in result.findings
    ]


@staff_required(Perm.CLINICAL_VIEW)
def screening_page(request: StaffRequest, patient_uuid) -> HttpResponse:
    """Findings beside the intake and scores; a provider signs the decision."""
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Screening page", perm=Perm.CLINICAL_VIEW
    )
    intake = facts.latest_intake(patient)
    scores = facts.latest_scores(patient)
    error = ""
    try:
        result = screening.screen(
            facts.intake_facts(patient, intake, scores),
            settings.KETACLINIC_SCREENING_POLICY,
        )
    except (ValueError, TypeError) as problem:
        result, error = None, f"The intake answers cannot be screened: {problem}"
    decisions = list(patient.screenings.select_related("signed_by", "amends"))
    current = next((d for d in decisions if not hasattr(d, "amended_by")), None)
    open_tasks = list(patient.urgent_tasks.filter(done_at__isnull=True).order_by("pk"))
    needed = overrides.overrides_needed(
        overrides.hard_stops_of(result.findings) if result else (),
        [(task.pk, task.message) for task in open_tasks],
    )
    form = DecisionForm(
        request.POST or None, needed=needed, amending=current is not None
    )
    if request.method == "POST":
        if not can(request.user, Perm.SIGN):
            from ketaclinic.accounts.access import forbidden

            return forbidden(request)
        if form.is_valid() and result is not None:
            try:
                services.decision_sign(
                    actor=request.actor,
                    patient=patient,
                    outcome=form.cleaned_data["outcome"],
                    indication=form.cleaned_data["indication"],
                    needs=form.cleaned_data["needs"],
                    rationale=form.cleaned_data["rationale"],
                    findings=_finding_dicts(result),
                    amends=current if request.POST.get("amend") else None,
                    override_reasons=form.override_reasons(),
                    reason=form.cleaned_data.get("reason", ""),
                )
            except services.IntakeRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Decision signed.")
                return redirect("intake:screening", patient.uuid)
    return render(
        request,
        "intake/screening.html",
        {
            "patient": patient,
            "intake": intake,
            "scores": scores,
            "result": result,
            "error": error,
            "form": form,
            "decisions": decisions,
            "current": current,
            "can_sign": can(request.user, Perm.SIGN),
            "open_tasks": open_tasks,
        },
    )


class PublishForm(django_forms.Form):
    text = django_forms.CharField(
        widget=django_forms.Textarea(attrs={"rows": 14}), max_length=50000
    )


@staff_required(Perm.CONSENT_EDIT)
def consents(request: StaffRequest) -> HttpResponse:
    documents = ConsentDocument.objects.prefetch_related("versions")
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
