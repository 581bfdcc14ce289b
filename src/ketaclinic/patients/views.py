from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import forbidden, staff_required
from ketaclinic.accounts.locations import locations_of
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import AppRequest, StaffRequest
from ketaclinic.clinical.body import Sex, dosing_weights
from ketaclinic.patients import forms, queries, services
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
    Patient,
)
from ketaclinic.patients.signals import chart_shown


@staff_required(Perm.PATIENT_VIEW)
def patient_list(request: StaffRequest) -> HttpResponse:
    """The patient list of the active location, or search results, a page at a
    time: "next" and "previous" carry the row to continue from.

    Queries: session, user, locations, then the capped count, the page (two
    for a one-word search: keys, then rows), the cursor's row on a later
    page, and the audit entry.
    """
    form = forms.SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page = queries.patient_page(
        request.user,
        text=text,
        location=request.location,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KETACLINIC_PAGE_SIZE,
    )
    queries.patients_seen(
        request.actor,
        purpose=f'Searched patients for "{text}"' if text else "Patient list",
        count=len(page.patients),
    )
    context = {"form": form, "page": page, "q": text}
    # The search box asks for the results alone: the same page's partial.
    template = "patients/patient_list.html" + ("#results" if request.htmx else "")
    return render(request, template, context)


@staff_required(Perm.PATIENT_EDIT)
def patient_create(request: StaffRequest) -> HttpResponse:
    locations = locations_of(request.user)
    initial = {"location": request.location.pk if request.location else None}
    form = forms.PatientForm(request.POST or None, locations=locations, initial=initial)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirmed = data.pop("confirm_not_duplicate")
        duplicates = queries.possible_duplicates(
            request.actor,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            phone=data["phone"],
            email=data["email"],
        )
        if not duplicates or confirmed:
            patient = services.patient_create(actor=request.actor, **data)
            messages.success(request, f"Chart created for {patient.display_name}.")
            return redirect("patients:chart", patient.uuid)
    return render(
        request,
        "patients/patient_form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
    )


def _chart_context(request: AppRequest, patient: Patient) -> dict:
    clinical = can(request.user, Perm.CLINICAL_VIEW)
    chart = queries.chart_for(patient, clinical=clinical)
    weights = None
    if clinical:
        current = next((m for m in chart.measurements if m.active), None)
        height = chart.height_cm
        if current is not None and height is not None:
            sex = {"male": Sex.MALE, "female": Sex.FEMALE}.get(patient.sex_at_birth)
            weights = dosing_weights(current.weight_kg, height, sex)
    # What the apps above patients add to the chart (intake: consents and
    # reported answers; the lead pipeline: the journey).
    said: dict[str, Any] = {}
    for _receiver, context in chart_shown.send(
        sender=Patient, patient=patient, clinical=clinical
    ):
        if isinstance(context, dict):
            said.update(context)
    upcoming = []
    if can(request.user, Perm.SCHEDULE_VIEW):
        upcoming = list(
            patient.appointments.filter(ends_at__gte=timezone.now())
            .exclude(status__in=["cancelled", "no_show"])
            .select_related("type")[:10]
        )
    return {
        "patient": patient,
        "urgent": queries.urgent_risk(patient),
        "chart": chart,
        "clinical": clinical,
        "weights": weights,
        "upcoming": upcoming,
        **said,
    }


@staff_required(Perm.PATIENT_VIEW)
def patient_chart(request: StaffRequest, patient_uuid) -> HttpResponse:
    patient = queries.patient_for_actor(request.actor, patient_uuid, purpose="Chart")
    return render(request, "patients/chart.html", _chart_context(request, patient))


@staff_required(Perm.PATIENT_EDIT)
def patient_edit(request: StaffRequest, patient_uuid) -> HttpResponse:
    patient = queries.patient_for_actor(
        request.actor, patient_uuid, purpose="Edit details", perm=Perm.PATIENT_EDIT
    )
    # ModelForm validation writes values onto its instance: give it a copy, so
    # that the service compares against the record as stored.
    form = forms.PatientForm(
        request.POST or None,
        instance=copy.copy(patient),
        locations=locations_of(request.user),
        creating=False,
    )
    if request.method == "POST" and form.is_valid():
        changed = services.patient_update(
            actor=request.actor, patient=patient, **form.cleaned_data
        )
        messages.success(
            request, "Saved." if changed else "Nothing changed; nothing saved."
        )
        return redirect("patients:chart", patient.uuid)
    return render(
        request,
        "patients/patient_form.html",
        {"form": form, "patient": patient, "creating": False},
    )


@dataclass(frozen=True)
class EntryKind:
    model: type
    form: type[django_forms.ModelForm]
    perm: Perm
    label: str
    editable: bool = True


ENTRY_KINDS: dict[str, EntryKind] = {
    "escort": EntryKind(Escort, forms.EscortForm, Perm.PATIENT_EDIT, "escort"),
    "allergy": EntryKind(Allergy, forms.AllergyForm, Perm.CLINICAL_EDIT, "allergy"),
    "medication": EntryKind(
        Medication, forms.MedicationForm, Perm.CLINICAL_EDIT, "medication"
    ),
    "condition": EntryKind(
        Condition, forms.ConditionForm, Perm.CLINICAL_EDIT, "condition"
    ),
    "measurement": EntryKind(
        BodyMeasurement,
        forms.MeasurementForm,
        Perm.CLINICAL_EDIT,
        "weight and height",
        editable=False,
    ),
}


@staff_required()
def entry_edit(
    request: AppRequest, patient_uuid, kind: str, entry_id: int | None = None
) -> HttpResponse:
    spec = ENTRY_KINDS[kind]
    if not can(request.user, spec.perm):
        return forbidden(request)
    patient = queries.patient_for_actor(
        request.actor, patient_uuid, purpose=f"Edit {spec.label}", perm=spec.perm
    )
    entry: object | None = None
    if entry_id is not None:
        entry = get_object_or_404(spec.model, pk=entry_id, patient=patient)
    # A new entry knows its patient already (a weight is checked against the
    # patient's last one).
    form = spec.form(
        request.POST or None, instance=entry or spec.model(patient=patient)
    )
    if request.method == "POST" and form.is_valid():
        services.entry_save(
            actor=request.actor,
            patient=patient,
            entry=form.save(commit=False),
            label=spec.label,
        )
        messages.success(request, f"Saved the {spec.label}.")
        return redirect("patients:chart", patient.uuid)
    return render(
        request,
        "patients/entry_form.html",
        {"form": form, "patient": patient, "spec": spec, "entry": entry},
    )


@require_POST
@staff_required(Perm.CLINICAL_EDIT)
def measurement_in_error(request: StaffRequest, patient_uuid, entry_id: int):
    patient = queries.patient_for_actor(
        request.actor,
        patient_uuid,
        purpose="Mark a weight entered in error",
        perm=Perm.CLINICAL_EDIT,
    )
    measurement = get_object_or_404(
        BodyMeasurement, pk=entry_id, patient=patient, active=True
    )
    services.measurement_mark_in_error(actor=request.actor, measurement=measurement)
    messages.success(request, "Marked as entered in error. The record is kept.")
    return redirect("patients:chart", patient.uuid)


HISTORY_MODELS = (Patient, Escort, Allergy, Medication, Condition, BodyMeasurement)


@staff_required(Perm.CLINICAL_VIEW)
def patient_history(request: StaffRequest, patient_uuid) -> HttpResponse:
    """Every version of every record of the chart: who changed what, when."""
    patient = queries.patient_for_actor(
        request.actor, patient_uuid, purpose="Chart history", perm=Perm.CLINICAL_VIEW
    )
    changes = []
    for model in HISTORY_MODELS:
        filter_ = {"id": patient.pk} if model is Patient else {"patient_id": patient.pk}
        records = list(
            model.history.filter(**filter_)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")[:500]
        )
        previous: dict[int, object] = {}
        for record in records:
            before = previous.get(record.id)
            diff = []
            if before is not None:
                delta = record.diff_against(before)
                diff = [(c.field, c.old, c.new) for c in delta.changes]
            previous[record.id] = record
            changes.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "what": model._meta.verbose_name,
                    "record": str(record.instance),
                    "type": record.get_history_type_display(),
                    "diff": diff,
                }
            )
    changes.sort(key=lambda change: change["when"], reverse=True)
    return render(
        request, "patients/history.html", {"patient": patient, "changes": changes}
    )
