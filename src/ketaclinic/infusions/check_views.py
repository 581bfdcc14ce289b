"""The checklist and the dose-and-pump parts of the infusion chart.

Each part is a partial of the session page (`_checks.html`, `_dose.html`)
served on its own for htmx: its forms post here, and the answer is the part
again, with each refusal beside its field. Without htmx a post answers with
the whole page (or a redirect to it when all went well).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.clinical import dosing
from ketaclinic.infusions import administration, checks, offline, queries
from ketaclinic.infusions.check_forms import (
    DecisionForm,
    DrawForm,
    EntryForm,
    EscortForm,
    FastingForm,
    FirstForm,
    PregnancyForm,
    PumpForm,
    QuestionnaireForm,
    SecondForm,
    WasteForm,
    WeightForm,
)
from ketaclinic.infusions.models import DrugDraw, Override, PumpEvent, Session
from ketaclinic.infusions.services import InfusionRefused

# The event an htmx answer raises when it recorded something, by the part
# that listens to it and fetches itself again.
CHANGED = {"checks": "infusion-checks-changed", "dose": "infusion-dose-changed"}
UNKNOWN_FORM = "This form is not known here. Reload the page and try again."


def _n(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value).normalize():f}"


def _clock(session: Session, value) -> str:
    if value is None:
        return ""
    return f"{timezone.localtime(value, session.location.zone):%H:%M}"


# --- What each part shows --------------------------------------------------------


def checks_context(
    request: StaffRequest, session: Session, bound: dict[str, EntryForm] | None = None
) -> dict[str, Any]:
    """What `_checks.html` needs: the checklist, the nurse's forms (the one
    refused, bound with its errors) and the provider's decisions."""
    bound = bound or {}
    found = checks.checklist(session)
    may_sign = can(request.user, Perm.SIGN)
    prefill = checks.escort_prefill(session)
    if session.escort_name:
        prefill = {
            "name": session.escort_name,
            "relation": session.escort_relation,
            "phone": session.escort_phone,
        }
    instrument = checks.instrument_of(session)
    forms: dict[str, EntryForm] = {
        "escort": EscortForm(
            initial={
                "escort_name": prefill["name"],
                "escort_relation": prefill["relation"],
                "escort_phone": prefill["phone"],
            }
        ),
        "fasting": FastingForm(),
        "pregnancy": PregnancyForm(),
        "weight": WeightForm(),
        "questionnaire": QuestionnaireForm(instrument=instrument),
    }
    forms.update({k: v for k, v in bound.items() if k in forms})
    decisions = []
    if may_sign:
        for item in found.items:
            if item.holds or item.needs_acknowledgement:
                which = f"decision-{item.key}"
                form = bound.get(which) or DecisionForm(
                    prefix=which,
                    initial={
                        "about": item.key,
                        "decision": (
                            Override.Decision.OVERRIDE
                            if item.holds
                            else Override.Decision.ACKNOWLEDGE
                        ),
                    },
                )
                decisions.append({"item": item, "form": form, "which": which})
    cancel = bound.get("decision-cancel") or DecisionForm(
        prefix="decision-cancel",
        initial={"about": "", "decision": Override.Decision.CANCEL},
    )
    before_start = session.state in administration.BEFORE_START
    may_chart = can(request.user, Perm.INFUSION_CHART) and before_start
    shown = set(forms) if may_chart else set()
    shown |= {str(d["which"]) for d in decisions}
    if may_sign and before_start:
        shown.add("decision-cancel")
    return {
        "session": session,
        "unshown_errors": _unshown_errors(bound, shown),
        "may_chart": may_chart,
        "may_sign": may_sign and before_start,
        "checklist": found,
        "check_forms": forms,
        "decisions": decisions,
        "cancel_form": cancel,
        "instrument_name": instrument.name,
        "fasting_hours": checks.fasting_hours(),
        "pregnancy_needed": found.item("pregnancy").status != checks.Status.NOT_NEEDED,
        "questionnaire_done": found.item("questionnaire").status != checks.Status.TO_DO,
    }


def _unshown_errors(bound: dict[str, EntryForm], shown: set[str]) -> list[str]:
    """The refusals of a form the part does not show (a pump button of
    another state, a form posted from an old page): said above the part."""
    return [
        str(message)
        for which, form in bound.items()
        if which not in shown
        for messages in form.errors.values()
        for message in messages
    ]


def _delivery_words(session: Session, rows: list[PumpEvent]) -> dict[str, str] | None:
    try:
        so_far = administration.delivery(session, rows=rows)
    except dosing.DosingRefused:
        return None
    if so_far is None:
        return None
    rounding = dosing.DEFAULT_ROUNDING
    minutes = int(so_far.running.total_seconds() // 60)
    paused = int(so_far.paused.total_seconds() // 60)
    return {
        "delivered": f"{_n(rounding.dose_shown(so_far.delivered_mg))} mg "
        f"({_n(rounding.volume_shown(so_far.delivered_ml))} mL)",
        "remaining": f"{_n(rounding.dose_shown(so_far.remaining_mg))} mg "
        f"({_n(rounding.volume_shown(so_far.remaining_ml))} mL)",
        "running": f"{minutes} minute{'s' if minutes != 1 else ''} running"
        + (f", {paused} paused" if paused else ""),
        "expected_end": _clock(session, so_far.expected_end),
        "completed": _clock(session, so_far.completed_at),
    }


PUMP_KINDS: dict[str, tuple[str, ...]] = {
    Session.State.READY: (PumpEvent.Kind.START,),
    Session.State.INFUSING: (
        PumpEvent.Kind.PAUSE,
        PumpEvent.Kind.RATE,
        PumpEvent.Kind.STOP,
    ),
    Session.State.PAUSED: (
        PumpEvent.Kind.RESUME,
        PumpEvent.Kind.RATE,
        PumpEvent.Kind.STOP,
    ),
}
PUMP_BUTTONS: dict[str, str] = {
    PumpEvent.Kind.START: "Start the infusion",
    PumpEvent.Kind.PAUSE: "Pause",
    PumpEvent.Kind.RESUME: "Resume",
    PumpEvent.Kind.RATE: "Change the rate",
    PumpEvent.Kind.STOP: "Stop",
}


def dose_context(
    request: StaffRequest, session: Session, bound: dict[str, EntryForm] | None = None
) -> dict[str, Any]:
    """What `_dose.html` needs: today's dose and its arithmetic, the double
    check (never the first entry's values), the drug drawn and wasted, and
    the pump's timeline with the dose delivered and the expected end."""
    bound = bound or {}
    pending = administration.pending_first(session)
    latest = administration.latest_double_check(session)
    draws = list(
        DrugDraw.objects.filter(session=session)
        .select_related("by", "witness")
        .prefetch_related("wastes__witness")
        .order_by("charted_at", "id")
    )
    rows = administration.timeline(session)
    before_start = session.state in administration.BEFORE_START
    may_chart = can(request.user, Perm.INFUSION_CHART)
    draw_form = bound.get("draw") or DrawForm(
        initial={"vial_mg_per_ml": session.vial_mg_per_ml or ""}
    )
    waste_forms = [
        {
            "draw": draw,
            "wasted": sum((w.mg_wasted for w in draw.wastes.all()), Decimal(0)),
            "form": bound.get(f"waste-{draw.pk}")
            or WasteForm(prefix=f"waste-{draw.pk}"),
            "which": f"waste-{draw.pk}",
        }
        for draw in draws
    ]
    pump_forms = [
        {
            "kind": kind,
            "label": PUMP_BUTTONS[kind],
            "which": f"pump-{kind}",
            "form": bound.get(f"pump-{kind}") or PumpForm(prefix=f"pump-{kind}"),
        }
        for kind in PUMP_KINDS.get(session.state, ())
    ]
    current = administration.double_check_current(session)
    shown: set[str] = set()
    if may_chart:
        shown |= {str(f["which"]) for f in pump_forms}
        shown |= {str(d["which"]) for d in waste_forms}
        if before_start and session.dose_mg is not None:
            shown |= {"first", "draw"} | ({"second"} if pending else set())
    return {
        "session": session,
        "unshown_errors": _unshown_errors(bound, shown),
        "may_chart": may_chart,
        "before_start": before_start,
        "dose_problem": (
            administration.dose_problem(session)
            if session.dose_mg is None and before_start
            else ""
        ),
        "dose": {
            "mg": _n(dosing.DEFAULT_ROUNDING.dose_shown(session.dose_mg))
            if session.dose_mg is not None
            else "",
            "vtbi": _n(administration.vtbi_of(session)),
            "rate": _n(session.rate_ml_per_h),
            "drug_ml": _n(session.drug_volume_ml),
            "vial": session.vial_mg_per_ml,
            "bag": _n(session.bag_volume_ml),
            "minutes": session.planned_minutes,
            "weight": _n(session.weight_kg),
            "dosing_weight": _n(session.dosing_weight_kg),
        },
        "pending_first": pending,
        "pending_first_at": _clock(session, pending.charted_at) if pending else "",
        "double_check_words": (
            administration.double_check_words(latest, session) if latest else ""
        ),
        "double_check_current": current,
        "first_form": bound.get("first") or FirstForm(),
        "second_form": bound.get("second") or SecondForm(),
        "draws": waste_forms,
        "draw_form": draw_form,
        "lot_choices": administration.draw_choices(session) if before_start else [],
        "pump_events": [
            {"row": row, "at": _clock(session, row.charted_at)} for row in rows
        ],
        "pump_forms": pump_forms if may_chart else [],
        "delivery": _delivery_words(session, rows),
        "start_missing": [
            words
            for missing, words in (
                (not current, "the pump's double check"),
                (not draws, "the drug drawn"),
            )
            if missing
        ],
    }


def part_context(request: StaffRequest, session: Session) -> dict[str, Any]:
    """Both parts, for the whole session page."""
    return {
        "checks_part": checks_context(request, session),
        "dose_part": dose_context(request, session),
    }


# --- Answers ---------------------------------------------------------------------


def _answer(
    request: StaffRequest,
    session: Session,
    part: str,
    bound: dict[str, EntryForm] | None = None,
) -> HttpResponse:
    """The part again for htmx; else the page (refused) or a redirect to it."""
    session.refresh_from_db()
    if request.htmx:
        context = (checks_context if part == "checks" else dose_context)(
            request, session, bound
        )
        response = render(request, f"infusions/_{part}.html", {f"{part}_part": context})
        if not bound:
            # Something was recorded: the page's other part fetches itself.
            response["HX-Trigger"] = CHANGED["dose" if part == "checks" else "checks"]
        return response
    if not bound or not any(form.errors for form in bound.values()):
        return redirect("infusions:session", session.uuid)
    from ketaclinic.infusions.views import session_context

    context = session_context(request, session)
    if part == "checks":
        context["checks_part"] = checks_context(request, session, bound)
    else:
        context["dose_part"] = dose_context(request, session, bound)
    return render(request, "infusions/session.html", context)


def _unknown(prefix: str) -> EntryForm:
    form = EntryForm(data={}, prefix=prefix or "unknown")
    form.add_error(None, UNKNOWN_FORM)
    return form


@require_GET
@staff_required(Perm.INFUSION_VIEW)
def checks_part(request: StaffRequest, session_uuid) -> HttpResponse:
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Infusion checklist"
    )
    return render(
        request,
        "infusions/_checks.html",
        {"checks_part": checks_context(request, session)},
    )


@require_GET
@staff_required(Perm.INFUSION_VIEW)
def dose_part(request: StaffRequest, session_uuid) -> HttpResponse:
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Infusion dose and pump"
    )
    return render(
        request, "infusions/_dose.html", {"dose_part": dose_context(request, session)}
    )


CHECK_FORMS: dict[str, type[EntryForm]] = {
    "escort": EscortForm,
    "fasting": FastingForm,
    "pregnancy": PregnancyForm,
    "weight": WeightForm,
    "questionnaire": QuestionnaireForm,
}


@require_POST
@staff_required(Perm.INFUSION_CHART)
def check_record(request: StaffRequest, session_uuid) -> HttpResponse:
    """One entry of the checklist (the `form` posted says which)."""
    session = queries.session_for_actor(
        request.actor,
        session_uuid,
        purpose="Infusion checklist entry",
        perm=Perm.INFUSION_CHART,
    )
    which = request.POST.get("form", "")
    form_class = CHECK_FORMS.get(which)
    if form_class is None:
        return _answer(request, session, "checks", {which: _unknown(which)})
    if form_class is QuestionnaireForm:
        form: EntryForm = QuestionnaireForm(
            request.POST, instrument=checks.instrument_of(session)
        )
    else:
        form = form_class(request.POST)
    common: dict[str, Any] = {
        "actor": request.actor,
        "session": session,
        "client_id": form.value("client_id"),
    }
    try:
        if which == "escort":
            checks.escort_record(
                name=form.value("escort_name"),
                relation=form.value("escort_relation"),
                phone=form.value("escort_phone"),
                none_today=bool(form.value("none_today")),
                **common,
            )
        elif which == "fasting":
            checks.fasting_record(
                solids_hours=form.value("solids_hours"),
                clear_hours=form.value("clear_hours"),
                **common,
            )
        elif which == "pregnancy":
            checks.pregnancy_record(result=form.value("result"), **common)
        elif which == "weight":
            checks.weight_record(
                weight=form.value("weight"), unit=form.value("unit"), **common
            )
        else:
            assert isinstance(form, QuestionnaireForm)
            checks.questionnaire_fill(
                actor=request.actor, session=session, answers=form.answers()
            )
    except InfusionRefused as refused:
        form.refused(refused)
        return _answer(request, session, "checks", {which: form})
    return _answer(request, session, "checks")


@require_POST
@staff_required(Perm.SIGN)
def hold_decide(request: StaffRequest, session_uuid) -> HttpResponse:
    """A provider's override, acknowledgement or cancellation."""
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Infusion hold decision", perm=Perm.SIGN
    )
    which = request.POST.get("form", "")
    if not which.startswith("decision-"):
        return _answer(request, session, "checks", {which: _unknown(which)})
    form = DecisionForm(request.POST, prefix=which)
    try:
        checks.hold_decide(
            actor=request.actor,
            session=session,
            about=form.value("about"),
            decision=form.value("decision"),
            reason=form.value("reason"),
            secret=str(request.POST.get(form.add_prefix("secret"), "")),
            client_id=form.value("client_id"),
        )
    except InfusionRefused as refused:
        form.refused(refused)
        return _answer(request, session, "checks", {which: form})
    return _answer(request, session, "checks")


def _dose_form(which: str, data) -> EntryForm | None:
    if which == "first":
        return FirstForm(data)
    if which == "second":
        return SecondForm(data)
    if which == "draw":
        return DrawForm(data)
    if which.startswith("waste-"):
        return WasteForm(data, prefix=which)
    if which.startswith("pump-") and which[5:] in PumpEvent.Kind.values:
        return PumpForm(data, prefix=which)
    return None


@require_POST
@staff_required(Perm.INFUSION_CHART)
def dose_record(request: StaffRequest, session_uuid) -> HttpResponse:
    """The double check, the drug drawn or wasted, a pump entry."""
    session = queries.session_for_actor(
        request.actor,
        session_uuid,
        purpose="Infusion dose and pump entry",
        perm=Perm.INFUSION_CHART,
    )
    which = request.POST.get("form", "")
    form = _dose_form(which, request.POST)
    if form is None:
        return _answer(request, session, "dose", {which: _unknown(which)})
    common: dict[str, Any] = {
        "actor": request.actor,
        "client_id": form.value("client_id"),
    }
    try:
        zone = session.location.zone
        if isinstance(form, FirstForm):
            administration.double_check_first(
                session=session,
                rate=form.value("rate"),
                volume=form.value("volume"),
                **common,
            )
        elif isinstance(form, SecondForm):
            administration.double_check_second(
                session=session,
                rate=form.value("rate"),
                volume=form.value("volume"),
                username=form.value("second"),
                secret=str(request.POST.get(form.add_prefix("second_secret"), "")),
                **common,
            )
        elif isinstance(form, DrawForm):
            administration.drug_draw(
                session=session,
                product=form.value("product"),
                lot_number=form.value("lot_number"),
                vial_mg_per_ml=form.value("vial_mg_per_ml"),
                vial_volume_ml=form.value("vial_volume_ml"),
                volume_drawn_ml=form.value("volume_drawn_ml"),
                mg_drawn=form.value("mg_drawn"),
                witness=form.value("witness"),
                witness_secret=str(
                    request.POST.get(form.add_prefix("witness_secret"), "")
                ),
                charted_at=form.charted(zone),
                **common,
            )
        elif isinstance(form, WasteForm):
            draw = (
                DrugDraw.objects.filter(
                    session=session, pk=which.removeprefix("waste-")
                ).first()
                if which.removeprefix("waste-").isdigit()
                else None
            )
            if draw is None:
                raise InfusionRefused(UNKNOWN_FORM)
            administration.drug_waste(
                draw=draw,
                mg_wasted=form.value("mg_wasted"),
                witness=form.value("witness"),
                witness_secret=str(
                    request.POST.get(form.add_prefix("witness_secret"), "")
                ),
                charted_at=form.charted(zone),
                **common,
            )
        else:
            assert isinstance(form, PumpForm)
            administration.pump_record(
                session=session,
                kind=which.removeprefix("pump-"),
                rate=form.value("rate") or None,
                reason=form.value("reason"),
                charted_at=form.charted(zone),
                **common,
            )
    except InfusionRefused as refused:
        form.refused(refused)
        return _answer(request, session, "dose", {which: form})
    response = _answer(request, session, "dose")
    if request.htmx and which == f"pump-{PumpEvent.Kind.STOP}":
        # The stop began recovery, which the page has no part for yet: it is
        # drawn again whole, with the countdown, the escort and the discharge.
        response["HX-Refresh"] = "true"
    return response


# --- The pump, charted on a tablet that lost its connection -----------------------


@offline.recorder("pump", "Pump")
def pump_from_tablet(actor, session, client_id, charted_at, values):
    """A pump entry kept on the tablet: recorded as the page would, unless the
    infusion changed meanwhile so that it no longer applies (a pause of an
    infusion another nurse stopped): then the nurse decides."""
    which = str(values.get("form", ""))
    kind = which.removeprefix("pump-")
    if not which.startswith("pump-") or kind not in PumpEvent.Kind.values:
        raise InfusionRefused("This pump entry is damaged and cannot be read.")
    form = PumpForm(values, prefix=which)
    stored = PumpEvent.objects.filter(client_id=client_id).exists()
    if not stored and session.state not in administration.PUMP_FROM[kind]:
        raise offline.Conflict(
            f"While this tablet was offline the infusion became "
            f"{session.get_state_display().lower()}: "
            f"“{PumpEvent.Kind(kind).label}” was not recorded. Check the pump and "
            "discard this entry, or chart what happened again."
        )
    entry = administration.pump_record(
        actor=actor,
        session=session,
        kind=kind,
        rate=form.value("rate") or None,
        reason=form.value("reason"),
        client_id=client_id,
        charted_at=form.charted(session.location.zone) or charted_at,
    )
    return entry, not stored
