"""Monitoring on the infusion chart: the vitals flowsheet, side effects and
as-needed medicines, alerts handled, and the live part of the page that each
nurse's tablet polls (on the session's revision) to see the other's entries
without losing what is being typed.

Forms post here; with htmx the part is answered in place, without it the whole
page. Every view goes through `queries.session_for_actor` (role, location,
audit); the poll answers 204 without reading the chart when nothing changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.clinical import vitals
from ketaclinic.infusions import (
    alerts,
    monitor_forms,
    monitoring,
    offline,
    queries,
    svg,
)
from ketaclinic.infusions.models import (
    Alert,
    MedicationGiven,
    Session,
    SideEffect,
    VitalReading,
)
from ketaclinic.infusions.services import InfusionRefused
from ketaclinic.words import duration_words

TONES = {
    vitals.Action.PROCEED: "ok",
    vitals.Action.ACKNOWLEDGE: "warn",
    vitals.Action.RECHECK: "warn",
    vitals.Action.ALERT: "warn",
    vitals.Action.HOLD: "danger",
    vitals.Action.PAUSE: "danger",
    vitals.Action.STOP: "danger",
}
# The endpoint of the administration part that records a pump entry, when it
# is there (it takes `form` = "pump-pause" and the fields under that prefix).
PUMP_ENTRY_URL_NAME = "infusions:dose_record"
PUMP_PAUSE_FORM = "pump-pause"
PARTS = {
    "flowsheet": "infusions/_flowsheet_live.html",
    "events": "infusions/_events_live.html",
}


@dataclass(frozen=True)
class Row:
    reading: VitalReading
    charted_at: datetime
    received_at: datetime | None  # shown when it differs by over a minute
    action: vitals.Action
    tone: str
    words: list[str]


@dataclass(frozen=True)
class Due:
    at: datetime
    overdue: bool
    words: str


def _local(session: Session, moment: datetime) -> datetime:
    return timezone.localtime(moment, session.location.zone)


def _rows(session: Session, readings: list[VitalReading]) -> list[Row]:
    rows = []
    for reading in readings:
        action = vitals.Action(reading.action)
        late = reading.received_at - reading.charted_at > timedelta(minutes=1)
        words = [f["message"] for f in reading.findings or ()]
        rows.append(
            Row(
                reading=reading,
                charted_at=_local(session, reading.charted_at),
                received_at=_local(session, reading.received_at) if late else None,
                action=action,
                tone=TONES[action],
                words=words or ["Within the plan's limits."],
            )
        )
    return rows


def next_due(
    session: Session, readings: list[VitalReading], now: datetime
) -> Due | None:
    """When the next reading is due in the session's phase (none once the
    patient has left or the infusion was cancelled)."""
    if session.state in (Session.State.DISCHARGED, Session.State.CANCELLED):
        return None
    phase = monitoring.phase_of(session)
    began = {
        vitals.Phase.BASELINE: session.checked_in_at,
        vitals.Phase.INFUSION: session.started_at or session.checked_in_at,
        vitals.Phase.RECOVERY: session.stopped_at or session.checked_in_at,
    }[phase].replace(second=0, microsecond=0)  # times are charted to the minute
    last = max((r.charted_at for r in readings), default=None)
    due = vitals.next_check_due(last, phase, began)
    # Overdue a full minute after it was due (times are charted to the minute).
    overdue = vitals.is_overdue(last, phase, began, now - timedelta(minutes=1))
    at = _local(session, due)
    if overdue:
        words = f"Vital signs overdue since {at:%H:%M} ({duration_words(now - due)})"
    elif due <= now + timedelta(seconds=59):
        words = f"Vital signs due now ({at:%H:%M})"
    else:
        words = f"Next vital signs due at {at:%H:%M}, in {duration_words(due - now)}"
    return Due(at=at, overdue=overdue, words=words)


def _pump_pause_url(session: Session) -> str | None:
    try:
        return reverse(PUMP_ENTRY_URL_NAME, args=[session.uuid])
    except NoReverseMatch:
        return None


def live_context(session: Session, chart: dict, now: datetime | None = None) -> dict:
    """What the polled parts show: readings, what is due, alerts, the chart,
    side effects and medicines (no query beyond the chart's and the alerts')."""
    now = now or timezone.now()
    readings = chart["vitals"]
    rows = _rows(session, readings)
    session_alerts = list(
        Alert.objects.filter(session=session).select_related("handled_by")
    )
    calling = [
        a
        for a in session_alerts
        if a.handled_at is None and a.kind == Alert.Kind.PROVIDER_NEEDED
    ]
    by_pk = {row.reading.pk: row for row in rows}
    calling_pk = calling[-1].reading_id if calling else None
    calling_row = by_pk.get(calling_pk) if calling_pk is not None else None
    medications = chart["medications"]
    corrected = {m.corrects_id for m in medications if m.corrects_id}
    for medication in medications:  # the id of an effect charted from this page
        medication.effect_client_id = uuid.uuid4()
    return {
        "flowsheet_rows": rows,
        "next_due": next_due(session, readings, now),
        # A provider is called and the pump still runs: tell the nurse to pause.
        "pause_prompt": bool(calling) and session.state == Session.State.INFUSING,
        "pause_words": calling_row.words if calling_row else [],
        "pump_pause_url": _pump_pause_url(session),
        "pump_pause_form": PUMP_PAUSE_FORM,
        "pump_pause_client_id": uuid.uuid4(),
        "open_alerts": [a for a in session_alerts if a.handled_at is None],
        "handled_alerts": [a for a in session_alerts if a.handled_at is not None],
        "vitals_svg": mark_safe(  # noqa: S308 - built with every text escaped
            svg.vitals_chart(readings, chart["pump_events"], zone=session.location.zone)
        ),
        "medications_current": [m for m in medications if m.pk not in corrected],
        "dissociation_on": settings.KETACLINIC_DISSOCIATION_SCALE == "cadss6",
    }


def monitor_context(request: StaffRequest, session: Session, chart: dict) -> dict:
    """Everything the flowsheet and events parts need, forms included."""
    limits = monitoring.plan_limits(session)
    return {
        "vitals_form": monitor_forms.VitalsForm(session=session, limits=limits),
        "side_effect_form": monitor_forms.SideEffectForm(session=session),
        "medication_form": _medication_form(session),
        "standing_orders": monitoring.standing_orders(session),
        "bp_pause_words": _bp_pause_words(limits),
        "may_chart": can(request.user, Perm.INFUSION_CHART),
        **live_context(session, chart),
    }


def _bp_pause_words(limits) -> str:
    values = vitals.limit_values(limits)
    return (
        f"{values['sbp_pause'].normalize():f}/{values['dbp_pause'].normalize():f} mmHg"
    )


def _medication_form(session: Session, data=None) -> monitor_forms.MedicationForm:
    return monitor_forms.MedicationForm(
        data, session=session, providers=monitor_forms.providers_of(session)
    )


def _page(
    request: StaffRequest, session: Session, part: str, forms: dict
) -> HttpResponse:
    """The part (htmx) or the whole page, with `forms` as bound and their
    messages beside the fields (200: htmx swaps only what succeeds)."""
    from ketaclinic.infusions.views import session_context

    context = session_context(request, session)
    context.update(forms)
    if request.htmx:
        return render(request, f"infusions/_{part}.html", context)
    return render(request, "infusions/session.html", context)


def _done(request: StaffRequest, session: Session, part: str) -> HttpResponse:
    if request.htmx:
        return _page(request, session, part, {})
    return redirect(reverse("infusions:session", args=[session.uuid]) + f"#{part}")


def _chart(request: StaffRequest, session_uuid, purpose: str) -> Session:
    return queries.session_for_actor(
        request.actor, session_uuid, purpose=purpose, perm=Perm.INFUSION_CHART
    )


def _submit(
    request: StaffRequest,
    session: Session,
    form: monitor_forms.ChartedForm,
    *,
    part: str,
    name: str,
    record: Callable[[dict], object],
) -> HttpResponse:
    """A charting form: valid, recorded by `record(cleaned_data)` (the
    service's refusals beside their fields), then the part again or the page
    with the form as it was sent."""
    if form.is_valid():
        try:
            record(form.cleaned_data)
        except InfusionRefused as refused:
            form.refused(refused.errors)
        else:
            return _done(request, session, part)
    return _page(request, session, part, {name: form})


@require_POST
@staff_required(Perm.INFUSION_CHART)
def vitals_record(request: StaffRequest, session_uuid) -> HttpResponse:
    session = _chart(request, session_uuid, "Vital signs charted")
    form = monitor_forms.VitalsForm(
        request.POST, session=session, limits=monitoring.plan_limits(session)
    )

    def record(data: dict) -> object:
        charted_at = form.charted_at()
        return monitoring.record_vitals(
            actor=request.actor,
            session=session,
            client_id=data["client_id"],
            charted_at=charted_at,
            phase=monitoring.phase_at(session, charted_at),
            values=form.values(),
        )

    return _submit(
        request, session, form, part="flowsheet", name="vitals_form", record=record
    )


@require_POST
@staff_required(Perm.INFUSION_CHART)
def side_effect_record(request: StaffRequest, session_uuid) -> HttpResponse:
    session = _chart(request, session_uuid, "Side effect charted")
    form = monitor_forms.SideEffectForm(request.POST, session=session)

    def record(data: dict) -> object:
        return monitoring.record_side_effect(
            actor=request.actor,
            session=session,
            client_id=data["client_id"],
            charted_at=form.charted_at(),
            kind=data["kind"],
            severity=data["severity"],
            notes=data["notes"],
        )

    return _submit(
        request, session, form, part="events", name="side_effect_form", record=record
    )


@require_POST
@staff_required(Perm.INFUSION_CHART)
def medication_record(request: StaffRequest, session_uuid) -> HttpResponse:
    session = _chart(request, session_uuid, "As-needed medicine charted")
    form = _medication_form(session, request.POST)

    def record(data: dict) -> object:
        order = None
        if data["ordered_by"] or data["order_secret"] or data["order_reason"]:
            order = monitoring.ProviderOrder(
                data["ordered_by"], data["order_secret"], data["order_reason"]
            )
        return monitoring.record_medication(
            actor=request.actor,
            session=session,
            client_id=data["client_id"],
            charted_at=form.charted_at(),
            drug=data["drug"],
            dose_mg=data["dose_mg"],
            route=data["route"],
            indication=data["indication"],
            provider_order=order,
            effect=data["effect"],
        )

    return _submit(
        request, session, form, part="events", name="medication_form", record=record
    )


@require_POST
@staff_required(Perm.INFUSION_CHART)
def medication_effect(request: StaffRequest, session_uuid) -> HttpResponse:
    session = _chart(request, session_uuid, "Effect of a medicine charted")
    form = monitor_forms.EffectForm(request.POST, session=session)

    def record(data: dict) -> object:
        medication = MedicationGiven.objects.filter(
            session=session, client_id=data["medication"]
        ).first()
        if medication is None:
            raise InfusionRefused({None: "That medicine is not on this chart."})
        return monitoring.record_medication_effect(
            actor=request.actor,
            session=session,
            medication=medication,
            client_id=data["client_id"],
            charted_at=form.charted_at(),
            effect=data["effect"],
        )

    return _submit(
        request, session, form, part="events", name="effect_form", record=record
    )


@require_POST
@staff_required(Perm.INFUSION_CHART)
def alert_handle(request: StaffRequest, session_uuid, alert_id: int) -> HttpResponse:
    session = _chart(request, session_uuid, "Alert handled")
    alert = Alert.objects.filter(session=session, pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    form = monitor_forms.AlertHandleForm(request.POST)
    if form.is_valid():
        try:
            alerts.handle(
                actor=request.actor, alert=alert, note=form.cleaned_data["note"]
            )
        except InfusionRefused as refused:
            if None in refused.errors:  # handled meanwhile by someone else
                messages.info(request, refused.errors[None])
                return _done(request, session, "flowsheet")
            for field, message in refused.errors.items():
                form.add_error(field, message)
        else:
            return _done(request, session, "flowsheet")
    forms = {"alert_form": form, "alert_form_for": alert.pk}
    return _page(request, session, "flowsheet", forms)


@require_GET
@staff_required(Perm.INFUSION_VIEW)
def live(request: StaffRequest, session_uuid) -> HttpResponse:
    """The polled part (`part`: flowsheet or events): 204 while the session's
    revision is the one the page has, else the part as it is now."""
    template = PARTS.get(request.GET.get("part", "flowsheet"))
    if template is None:
        raise Http404("No such part.")
    since = request.GET.get("revision", "")
    if since.isdigit():
        scope = Session.objects.filter(
            uuid=session_uuid, location_id__in=location_ids_of(request.user)
        )
        revision = scope.values_list("revision", flat=True).first()
        if revision is None:
            raise Http404("Not found.")
        if revision == int(since):
            return HttpResponse(status=204)
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Infusion chart (updated)"
    )
    chart = queries.chart_of(session)
    context = {
        "session": session,
        "may_chart": can(request.user, Perm.INFUSION_CHART),
        **chart,
        **live_context(session, chart),
    }
    return render(request, template, context)


# --- Entries sent later from a tablet (`offline`) -------------------------------
# The same forms read the values a tablet kept; the same services store them.
# The time charted is the one the nurse typed, else the tablet's time of saving.


def _from_tablet(form_class, session, client_id, values, **kw):
    data = {**values, "client_id": str(client_id)}
    form = form_class(data, session=session, **kw)
    if not form.is_valid():
        errors: dict[str | None, str] = {}
        for field, words in form.errors.items():
            name = {"__all__": None, "charted_time": "charted_at"}.get(field, field)
            errors[name] = " ".join(words)
        raise InfusionRefused(errors)
    return form


def _when(form, charted_at: datetime) -> datetime:
    return form.charted_at() if form.cleaned_data.get("charted_time") else charted_at


@offline.recorder("vitals", "Vital signs")
def vitals_from_tablet(actor, session, client_id, charted_at, values):
    form = _from_tablet(
        monitor_forms.VitalsForm,
        session,
        client_id,
        values,
        limits=monitoring.plan_limits(session),
        ask_symptoms=False,
    )
    created = not VitalReading.objects.filter(client_id=client_id).exists()
    charted_at = _when(form, charted_at)
    entry = monitoring.record_vitals(
        actor=actor,
        session=session,
        client_id=client_id,
        charted_at=charted_at,
        phase=monitoring.phase_at(session, charted_at),
        values=form.values(),
    )
    return entry, created


@offline.recorder("side_effect", "Side effect")
def side_effect_from_tablet(actor, session, client_id, charted_at, values):
    form = _from_tablet(monitor_forms.SideEffectForm, session, client_id, values)
    created = not SideEffect.objects.filter(client_id=client_id).exists()
    entry = monitoring.record_side_effect(
        actor=actor,
        session=session,
        client_id=client_id,
        charted_at=_when(form, charted_at),
        kind=form.cleaned_data["kind"],
        severity=form.cleaned_data["severity"],
        notes=form.cleaned_data["notes"],
    )
    return entry, created


@offline.recorder("medication", "As-needed medicine")
def medication_from_tablet(actor, session, client_id, charted_at, values):
    form = _from_tablet(
        monitor_forms.MedicationForm,
        session,
        client_id,
        values,
        providers=monitor_forms.providers_of(session),
    )
    data = form.cleaned_data
    order = None
    if data["ordered_by"] or data["order_secret"] or data["order_reason"]:
        order = monitoring.ProviderOrder(
            data["ordered_by"], data["order_secret"], data["order_reason"]
        )
    created = not MedicationGiven.objects.filter(client_id=client_id).exists()
    entry = monitoring.record_medication(
        actor=actor,
        session=session,
        client_id=client_id,
        charted_at=_when(form, charted_at),
        drug=data["drug"],
        dose_mg=data["dose_mg"],
        route=data["route"],
        indication=data["indication"],
        provider_order=order,
        effect=data["effect"],
    )
    return entry, created
