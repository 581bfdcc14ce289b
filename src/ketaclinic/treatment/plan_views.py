"""Treatment plan pages: parse, call the services, render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.clinical import dosing, plan_orders
from ketaclinic.patients.models import Patient
from ketaclinic.patients.queries import (
    chart_for,
    patient_for_actor,
    patients_seen,
    record_for_actor,
    urgent_risk,
)
from ketaclinic.scheduling import eligibility
from ketaclinic.scheduling.forms import AcknowledgeForm
from ketaclinic.treatment import maintenance, plans, series
from ketaclinic.treatment.models import Protocol, TreatmentPlan
from ketaclinic.treatment.plan_forms import (
    PlanForm,
    ProtocolForm,
    SeriesPreferencesForm,
    StandingOrderFormSet,
    initial_from_plan,
    initial_from_protocol,
    orders_initial,
)


def _weights(patient: Patient, max_age_hours: int) -> dict[str, Any]:
    """Actual, ideal and adjusted weight for the page, or why not."""
    try:
        weight = plans.dosing_weights(
            patient, basis="actual", max_age_hours=max_age_hours
        )
    except dosing.DosingRefused as refused:
        return {"weight_problem": refused.message}
    return {"weight": weight}


def _protocol_for(request: StaffRequest, decision) -> Protocol | None:
    protocols = Protocol.objects.filter(active=True)
    chosen = request.GET.get("protocol", "")
    if chosen:
        found = protocols.filter(key=chosen).first()
        if found:
            return found
    return (
        protocols.filter(indication=decision.indication, phase="induction").first()
        or protocols.first()
    )


def _plan_page(
    request: StaffRequest,
    patient: Patient,
    *,
    amends: TreatmentPlan | None,
) -> HttpResponse:
    decision = plans.candidate_decision(patient)
    context: dict[str, Any] = {
        "patient": patient,
        "chart": chart_for(patient, clinical=True, measurements=1),
        "decision": decision,
        "amends": amends,
        "no_decision": plans.NO_CANDIDATE_DECISION,
        "vital_source": plan_orders.SOURCE_VITAL_LIMITS,
    }
    if decision is None:
        return render(request, "treatment/plan_form.html", context)
    max_age = settings.KETACLINIC_WEIGHT_MAX_AGE_HOURS
    protocol: Protocol | None
    if amends is not None:
        protocol = amends.protocol
        initial = initial_from_plan(amends)
        orders = orders_initial(amends.standing_orders)
        max_age = amends.weight_max_age_hours
    else:
        protocol = _protocol_for(request, decision)
        if protocol is None:
            context["no_protocol"] = True
            return render(request, "treatment/plan_form.html", context)
        context |= _weights(patient, max_age)
        weight = context.get("weight")
        initial = initial_from_protocol(
            protocol,
            weight_max_age_hours=max_age,
            weight_kg=weight.kg if weight else None,
        )
        orders = orders_initial(protocol.standing_orders)
    conditions = plans.indications_of(patient)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(
        data, initial=initial, conditions=conditions, amending=amends is not None
    )
    formset = StandingOrderFormSet(data, initial=orders, prefix="order")
    if request.method == "POST":
        if not can(request.user, Perm.SIGN):
            from ketaclinic.accounts.access import forbidden

            return forbidden(request)
        signed = _sign(request, patient, form, formset, amends)
        if signed is not None:
            messages.success(request, f"Plan signed (version {signed.version}).")
            return redirect("plans:detail", signed.uuid)
        if form.is_bound and form.is_valid():
            protocol = form.cleaned_data["protocol"]
            max_age = form.cleaned_data["weight_max_age_hours"]
    context |= _weights(patient, max_age)
    context |= {
        "protocol": protocol,
        "protocols": Protocol.objects.filter(active=True),
        "form": form,
        "formset": formset,
        "conditions": conditions,
    }
    return render(request, "treatment/plan_form.html", context)


def _sign(
    request: StaffRequest,
    patient: Patient,
    form: PlanForm,
    formset: django_forms.BaseFormSet,
    amends: TreatmentPlan | None,
) -> TreatmentPlan | None:
    form_ok = form.is_valid()
    orders_ok = formset.is_valid()
    if not (form_ok and orders_ok):
        return None
    orders = tuple(
        row.cleaned_data["order"] for row in formset if "order" in row.cleaned_data
    )
    plan_input = form.plan_input(orders)
    if plan_input is None:
        return None
    try:
        return plans.plan_sign(
            actor=request.actor,
            patient=patient,
            plan=plan_input,
            password=form.cleaned_data["password"],
            amends=amends,
            reason=form.cleaned_data.get("reason", ""),
        )
    except plans.PlanRefused as refused:
        for field, message in refused.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return None


@staff_required(Perm.SIGN)
def plan_new(request: StaffRequest, patient_uuid) -> HttpResponse:
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Writing a treatment plan", perm=Perm.SIGN
    )
    in_force = plans.plan_in_force(patient)
    if in_force is not None:
        messages.info(request, "A plan is in force: change it as a new version.")
        return redirect("plans:amend", in_force.uuid)
    return _plan_page(request, patient, amends=None)


def _plan(request: StaffRequest, plan_uuid, *, purpose: str, perm: Perm):
    return record_for_actor(
        request.actor,
        TreatmentPlan.objects.select_related(
            "patient", "patient__location", "signed_by", "amended_by"
        ),
        purpose=purpose,
        perm=perm,
        uuid=plan_uuid,
    )


@staff_required(Perm.SIGN)
def plan_amend(request: StaffRequest, plan_uuid) -> HttpResponse:
    plan = _plan(
        request, plan_uuid, purpose="Changing a treatment plan", perm=Perm.SIGN
    )
    if not plan.in_force:
        messages.info(request, "This version was changed already: here is the newest.")
        return redirect("plans:detail", plan.amended_by.uuid)
    return _plan_page(request, plan.patient, amends=plan)


@staff_required(Perm.PLAN_VIEW)
def plan_list(request: StaffRequest, patient_uuid) -> HttpResponse:
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Treatment plans", perm=Perm.PLAN_VIEW
    )
    return render(
        request,
        "treatment/plan_list.html",
        {
            "patient": patient,
            "plans": list(plans.plans_of(patient)),
            "in_force": plans.plan_in_force(patient),
            "decision": plans.candidate_decision(patient),
        },
    )


@staff_required(Perm.PLAN_VIEW)
def plan_detail(request: StaffRequest, plan_uuid) -> HttpResponse:
    plan = _plan(request, plan_uuid, purpose="Treatment plan", perm=Perm.PLAN_VIEW)
    return render(
        request,
        "treatment/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "sheet": plans.order_sheet(plan),
            "versions": plans.versions_of(plan),
            "booked": series.series_visits(plan),
            "vital_source": plan_orders.SOURCE_VITAL_LIMITS,
        },
    )


@staff_required(Perm.PLAN_VIEW)
def plan_sheet(request: StaffRequest, plan_uuid) -> HttpResponse:
    plan = _plan(
        request, plan_uuid, purpose="Treatment plan order sheet", perm=Perm.PLAN_VIEW
    )
    return render(
        request,
        "treatment/plan_sheet.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "sheet": plans.order_sheet(plan),
            "vital_source": plan_orders.SOURCE_VITAL_LIMITS,
        },
    )


@staff_required(Perm.PLAN_VIEW)
def protocol_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "treatment/plan_protocols.html",
        {"protocols": Protocol.objects.select_related("appointment_type")},
    )


@staff_required(Perm.PROTOCOL_EDIT)
def protocol_edit(request: StaffRequest, key: str) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    protocol = get_object_or_404(Protocol, key=key)
    data = request.POST if request.method == "POST" else None
    form = ProtocolForm(data, instance=protocol)
    formset = StandingOrderFormSet(
        data, initial=orders_initial(protocol.standing_orders), prefix="order"
    )
    if request.method == "POST":
        form_ok, orders_ok = form.is_valid(), formset.is_valid()
        if form_ok and orders_ok:
            plans.protocol_save(
                actor=request.actor,
                protocol=form.instance,
                standing_orders=tuple(
                    row.cleaned_data["order"]
                    for row in formset
                    if "order" in row.cleaned_data
                ),
                vital_limits=form.cleaned_data["vital_limits"],
                maintenance_policy=form.cleaned_data["maintenance_policy"],
            )
            messages.success(request, "Protocol saved. Signed plans keep their values.")
            return redirect("plans:protocols")
    return render(
        request,
        "treatment/plan_protocol_edit.html",
        {
            "protocol": protocol,
            "form": form,
            "formset": formset,
            "error_count": (
                len(form.errors) + formset.total_error_count() if form.is_bound else 0
            ),
            "vital_source": (protocol.vital_limits or {}).get(
                "source", plan_orders.SOURCE_VITAL_LIMITS
            ),
        },
    )


LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _local_times(values: list[str], zone) -> tuple[list[datetime], list[str]]:
    times, problems = [], []
    for number, value in enumerate(values, start=1):
        try:
            naive = datetime.strptime(value.strip(), LOCAL_INPUT)
        except ValueError:
            problems.append(f"Infusion {number}: give a date and a time.")
            continue
        times.append(naive.replace(tzinfo=zone))
    return times, problems


@staff_required(Perm.SCHEDULE_EDIT)
def plan_series(request: StaffRequest, plan_uuid) -> HttpResponse:
    """Propose the whole series of a signed plan; staff may change any time,
    then confirm: every visit is booked, or none."""
    plan = _plan(
        request, plan_uuid, purpose="Booking a plan's series", perm=Perm.SCHEDULE_EDIT
    )
    location = plan.patient.location
    error = ""
    proposal: list[datetime] = []
    # The booking rule of every visit, asked once for the page: a refusal says
    # why at once; open urgent tasks are acknowledged once for the series.
    try:
        check = series.series_check(plan)
    except series.SeriesRefused as refused:
        check = eligibility.BookingCheck(refused.message)
    posted = request.POST if request.method == "POST" else None
    acknowledge = AcknowledgeForm(posted, needed=check.to_acknowledge)
    if posted is not None:
        times, problems = _local_times(posted.getlist("start"), location.zone)
        if problems:
            error = " ".join(problems)
            proposal = times
        else:
            try:
                visits = series.series_confirm(
                    actor=request.actor,
                    plan=plan,
                    location=location,
                    starts=times,
                    acknowledgements=acknowledge.reasons(),
                )
            except series.SeriesRefused as refused:
                error, proposal = refused.message, refused.proposal or times
                if refused.needed:
                    acknowledge = AcknowledgeForm(posted, needed=refused.needed)
                    acknowledge.is_valid()  # the errors beside the empty reasons
            else:
                messages.success(request, f"Booked {len(visits)} infusions.")
                return redirect("plans:detail", plan.uuid)
    asked = any(k in request.GET for k in ("weekdays", "not_before", "not_after"))
    preferences = SeriesPreferencesForm(request.GET if asked else None)
    if request.method != "POST" and (not asked or preferences.is_valid()):
        weekdays = preferences.cleaned_data.get("weekdays") if asked else None
        try:
            proposal = series.series_propose(
                plan,
                location=location,
                weekdays=frozenset(weekdays) if weekdays else None,
                day_window=preferences.day_window() if asked else None,
            )
        except series.SeriesRefused as refused:
            error = refused.message
    if check.refusal:
        error, proposal = check.refusal, []
    return render(
        request,
        "treatment/plan_series.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "urgent": urgent_risk(plan.patient),
            "acknowledge": acknowledge if acknowledge.needed else None,
            "error": error,
            "proposal": [
                start.astimezone(location.zone).strftime(LOCAL_INPUT)
                for start in proposal
            ],
            "booked": series.series_visits(plan),
            "first_number": len(series.kept_visits(plan)) + 1,
            "preferences": preferences,
        },
    )


@staff_required(Perm.PLAN_VIEW)
def maintenance_due(request: StaffRequest) -> HttpResponse:
    """Who is due or overdue for a maintenance infusion, with the proposed
    interval, why, and one action to book it."""
    rows = maintenance.maintenance_due(request.user, timezone.now())
    patients_seen(request.actor, purpose="Maintenance due", count=len(rows))
    return render(request, "treatment/maintenance_due.html", {"rows": rows})
