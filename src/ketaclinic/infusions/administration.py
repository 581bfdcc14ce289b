"""Today's dose, the blind double check of the pump, the drug drawn and
wasted, and the pump's timeline.

The arithmetic is ketaclinic.clinical.dosing's: the dose from the plan and
today's weight, the bag and the pump rate (CLINICAL.md 1.3, 7), and the dose
delivered and the expected end from the timeline. A second licensed
clinician re-enters the pump rate and the volume to be infused without seeing
the first's entry; only matching values (to the pump's 0.1 mL/h) release the
start (CLINICAL.md 7: independent double check of high-alert infusions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import dosing
from ketaclinic.infusions import signals
from ketaclinic.infusions.checks import (
    BEFORE_CHECK_IN,
    charted_time,
    checklist,
    client_id_of,
    create_once,
    evaluate,
    replayed,
    witness_of,
)
from ketaclinic.infusions.models import (
    DoubleCheck,
    DoubleCheckFirst,
    DrugDraw,
    PumpEvent,
    Session,
    Waste,
)
from ketaclinic.infusions.services import InfusionRefused, may_chart, touch, transition
from ketaclinic.patients.models import BodyMeasurement
from ketaclinic.treatment import plans

GRAM = Decimal("0.001")
PUMP_STEP = Decimal("0.1")  # the pump takes mL/h and mL to 0.1
SYRINGE_STEP = Decimal("0.01")  # a 1 mL syringe reads to 0.01 mL
# A stop with less than this left in the bag is the end of the infusion, not
# an early stop that needs a reason.
FINISHED_WITHIN_ML = Decimal("0.5")

BEFORE_START = (Session.State.CHECKED_IN, Session.State.HELD, Session.State.READY)

NO_DOSE = "Today's dose is not worked out yet: weigh the patient first."
MISMATCH = (
    "The two entries do not match: nothing is released. Both clinicians enter "
    "the pump's rate and volume again."
)
OFF_ORDER = (
    "Both entries agree, but not with today's order: check the pump against the "
    "dose card. Both clinicians enter the pump's rate and volume again."
)


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _decimal(value: Any, field: str, words: str, *, step: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise InfusionRefused({field: f"Give {words} as a number."}) from None
    if not number.is_finite() or number <= 0:
        raise InfusionRefused({field: f"Give {words} as a number more than 0."})
    if number >= 10000:
        raise InfusionRefused({field: f"That is too large for {words}."})
    if number != number.quantize(step, rounding=ROUND_DOWN):
        raise InfusionRefused({field: f"Give {words} to {_n(step)} at most."})
    return number


# --- Today's dose ----------------------------------------------------------------


@dataclass(frozen=True)
class TodaysDose:
    weight: dosing.DosingWeight
    dose: dosing.WeightBased
    infusion: dosing.Infusion
    arithmetic: list[str]


def _amount_per_kg(session: Session) -> Decimal:
    """The plan's amount per kg, raised by its titration after that many
    infusions given on it."""
    plan = session.plan
    amount = plan.amount_per_kg
    given = (
        Session.objects.filter(plan=plan, started_at__isnull=False)
        .exclude(pk=session.pk)
        .count()
    )
    for step in plan.titration:
        if given >= int(step.get("after_infusions") or 0):
            amount = Decimal(step["amount_per_kg"])
    return amount


def work_out(session: Session, *, now: datetime) -> TodaysDose:
    """Today's dose from the plan and today's weight (refused as
    ``dosing.DosingRefused``: no weight, one older than the plan's window, a
    dose over the hard maximum, an impossible bag)."""
    plan = session.plan
    weight = plans.dosing_weights(
        session.patient,
        basis=plan.weight_basis,
        max_age_hours=plan.weight_max_age_hours,
        now=now,
    )
    kg = weight.kg.quantize(GRAM, rounding=ROUND_DOWN)
    limits = dosing.DoseLimits(
        usual_low=plan.usual_low,
        usual_high=plan.usual_high,
        hard_max=plan.hard_max,
        cap=plan.max_dose_mg,
    )
    per_kg = _amount_per_kg(session)
    work = dosing.hourly_rate_mg_per_h if plan.hourly else dosing.dose_mg
    dose = work(per_kg, kg, limits)
    minutes = Decimal(plan.minutes)
    total = dosing.hourly_total_mg(dose, minutes) if plan.hourly else dose.amount
    if not plan.hourly and total > plan.max_dose_mg:
        raise dosing.DosingRefused(
            dosing.Refusal.DOSE_OVER_MAXIMUM,
            f"{_n(total)} mg is over the plan's maximum of {_n(plan.max_dose_mg)} mg.",
            field="mg_per_kg",
        )
    infusion = dosing.prepare_infusion(
        total,
        vial_mg_per_ml=plan.vial_mg_per_ml,
        bag_volume_ml=plan.bag_volume_ml,
        minutes=minutes,
        dose_limit_mg=None if plan.hourly else dose.limit,
    )
    return TodaysDose(
        weight, dose, infusion, _arithmetic(session, weight, dose, infusion)
    )


def _arithmetic(
    session: Session,
    weight: dosing.DosingWeight,
    dose: dosing.WeightBased,
    infusion: dosing.Infusion,
) -> list[str]:
    plan = session.plan
    rounding = dosing.DEFAULT_ROUNDING
    local = timezone.localtime(weight.measured_at, session.location.zone)
    side = [f"actual {_n(weight.actual_kg.quantize(PUMP_STEP))} kg"]
    if weight.ideal_kg is not None:
        side.append(f"ideal {_n(weight.ideal_kg.quantize(PUMP_STEP))} kg")
    if weight.adjusted_kg is not None:
        side.append(f"adjusted {_n(weight.adjusted_kg.quantize(PUMP_STEP))} kg")
    lines = [
        f"Dosing weight: {weight.basis.label}, "
        f"{_n(weight.kg.quantize(PUMP_STEP))} kg ({', '.join(side)}; weighed at "
        f"{local:%H:%M}).",
        f"Dose: {dose.arithmetic}.",
    ]
    if plan.hourly:
        lines.append(
            f"Drug for the bag: {_n(rounding.dose_shown(dose.amount))} mg/h × "
            f"{plan.minutes} minutes = {_n(rounding.dose_shown(infusion.dose_mg))} mg."
        )
    lines.append(
        f"Drug volume: {_n(rounding.dose_shown(infusion.dose_mg))} mg ÷ "
        f"{_n(infusion.vial_mg_per_ml)} mg/mL = "
        f"{_n(infusion.drug_volume_shown())} mL."
    )
    if infusion.bag_volume_ml > 0:
        lines.append(
            f"Bag: {_n(infusion.bag_volume_ml)} mL {plan.diluent} + "
            f"{_n(infusion.drug_volume_shown())} mL of drug = "
            f"{_n(rounding.volume_shown(infusion.total_volume_ml))} mL, "
            f"{_n(infusion.concentration_mg_per_ml.quantize(GRAM))} mg/mL."
        )
    lines.append(
        f"Pump: {_n(infusion.vtbi_ml)} mL × 60 ÷ {plan.minutes} minutes = "
        f"{_n(infusion.rate_shown())} mL/h."
    )
    if infusion.expected_residual_ml > 0:
        lines.append(
            f"About {_n(rounding.volume_shown(infusion.expected_residual_ml))} mL "
            f"({_n(rounding.dose_shown(infusion.expected_residual_mg))} mg) stays in "
            "the bag: record it as waste."
        )
    return lines


def dose_problem(session: Session, *, now: datetime | None = None) -> str:
    """Why today's dose cannot be worked out now ("" when it can)."""
    try:
        work_out(session, now=now or timezone.now())
    except dosing.DosingRefused as refused:
        return refused.message
    return ""


def dose_update(session: Session, *, now: datetime) -> None:
    """Keep the session's dose in step with the plan and today's weight
    (before the start only; inside the caller's transaction). A dose that
    cannot be worked out is cleared: it is not released."""
    if session.state not in BEFORE_START:
        return
    try:
        today = work_out(session, now=now)
    except dosing.DosingRefused:
        values: dict[str, Any] = {
            "weight_kg": None,
            "dosing_weight_kg": None,
            "dose_mg": None,
            "drug_volume_ml": None,
            "bag_volume_ml": None,
            "rate_ml_per_h": None,
            "vial_mg_per_ml": None,
            "dose_arithmetic": [],
        }
    else:
        infusion = today.infusion
        values = {
            "weight_kg": today.weight.actual_kg.quantize(Decimal("0.01")),
            "dosing_weight_kg": today.weight.kg.quantize(Decimal("0.01")),
            "dose_mg": infusion.dose_mg.quantize(GRAM, rounding=ROUND_DOWN),
            "drug_volume_ml": infusion.drug_volume_shown(),
            "bag_volume_ml": infusion.bag_volume_ml.quantize(PUMP_STEP),
            "rate_ml_per_h": infusion.rate_shown(),
            "vial_mg_per_ml": int(infusion.vial_mg_per_ml),
            "planned_minutes": session.plan.minutes,
            "dose_arithmetic": today.arithmetic,
        }
    changed = [
        name for name, value in values.items() if getattr(session, name) != value
    ]
    if changed:
        for name in changed:
            setattr(session, name, values[name])
        session.save(update_fields=[*changed, "updated_at"])


def vtbi_of(session: Session) -> Decimal | None:
    """The volume to be infused, as the pump is programmed: the bag's label
    volume, or the syringe when there is no bag."""
    if session.dose_mg is None:
        return None
    if session.bag_volume_ml:
        return Decimal(session.bag_volume_ml).quantize(PUMP_STEP)
    return Decimal(session.drug_volume_ml or 0).quantize(PUMP_STEP)


def concentration_of(session: Session) -> Decimal | None:
    """The bag's concentration in mg/mL."""
    if session.dose_mg is None or not session.vial_mg_per_ml:
        return None
    drug_ml = session.dose_mg / Decimal(session.vial_mg_per_ml)
    total_ml = Decimal(session.bag_volume_ml or 0) + drug_ml
    return session.dose_mg / total_ml


# --- The blind double check ------------------------------------------------------


def pending_first(session: Session) -> DoubleCheckFirst | None:
    """The first clinician's entry waiting for a second one."""
    return (
        DoubleCheckFirst.objects.filter(session=session, answer__isnull=True)
        .select_related("by")
        .order_by("-received_at", "-id")
        .first()
    )


def latest_double_check(session: Session) -> DoubleCheck | None:
    return (
        DoubleCheck.objects.filter(session=session)
        .select_related("by", "first_by")
        .order_by("-received_at", "-id")
        .first()
    )


def double_check_current(session: Session) -> bool:
    """Whether the latest double check matched today's order as it stands:
    the same rate and volume, and no weight recorded since (a new weight
    changes the drug in the bag, if not the pump)."""
    latest = latest_double_check(session)
    if not (
        latest is not None
        and latest.matched
        and session.rate_ml_per_h is not None
        and latest.second_rate_ml_per_h == session.rate_ml_per_h
        and latest.second_volume_ml == vtbi_of(session)
    ):
        return False
    weighed = (
        BodyMeasurement.objects.filter(patient_id=session.patient_id, active=True)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)
        .first()
    )
    return weighed is None or weighed <= latest.first_at


def _pump_values(rate: Any, volume: Any) -> tuple[Decimal, Decimal]:
    errors: dict[str | None, str] = {}
    parsed: list[Decimal] = []
    for value, field, words in (
        (rate, "rate", "the pump rate in mL/h"),
        (volume, "volume", "the volume to be infused in mL"),
    ):
        try:
            parsed.append(_decimal(value, field, words, step=PUMP_STEP))
        except InfusionRefused as refused:
            errors.update(refused.errors)
    if errors:
        raise InfusionRefused(errors)
    return parsed[0], parsed[1]


def double_check_first(
    *,
    actor: Actor,
    session: Session,
    rate: Any,
    volume: Any,
    client_id: Any = None,
    now: datetime | None = None,
) -> DoubleCheckFirst:
    """The first clinician's reading of the programmed pump, kept unseen
    until a second clinician enters theirs."""
    user = may_chart(actor)
    rate_ml_per_h, volume_ml = _pump_values(rate, volume)
    now = now or timezone.now()
    cid = client_id_of(client_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        values = {
            "session": session,
            "rate_ml_per_h": rate_ml_per_h,
            "volume_ml": volume_ml,
            "by": user,
        }
        existing = replayed(DoubleCheckFirst, cid, values)
        if existing is not None:
            return existing
        if session.state not in BEFORE_START:
            raise InfusionRefused("The infusion has started: no double check now.")
        if session.dose_mg is None:
            raise InfusionRefused(NO_DOSE)
        entry = create_once(
            DoubleCheckFirst, cid, values | {"charted_at": now}, compare=values
        )
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=entry,
            summary="Pump double check: first entry",
        )
    return entry


def double_check_second(
    *,
    actor: Actor,
    session: Session,
    rate: Any,
    volume: Any,
    username: str,
    secret: str,
    client_id: Any = None,
    now: datetime | None = None,
) -> DoubleCheck:
    """The second clinician's own entry, signed with their password or code.
    Recorded whether or not it matches; only a match with the first entry
    and today's order releases the start. Either way the first entry is
    answered: after a mismatch both enter again."""
    may_chart(actor)
    rate_ml_per_h, volume_ml = _pump_values(rate, volume)
    now = now or timezone.now()
    cid = client_id_of(client_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        done = DoubleCheck.objects.filter(client_id=cid).first()
        if done is not None:
            if (
                done.session_id != session.pk
                or done.second_rate_ml_per_h != rate_ml_per_h
                or done.second_volume_ml != volume_ml
            ):
                raise InfusionRefused(
                    "This entry was already recorded with other values. Reload the "
                    "page to see what was recorded."
                )
            return done
        if session.state not in BEFORE_START:
            raise InfusionRefused("The infusion has started: no double check now.")
        first = pending_first(session)
        if first is None:
            raise InfusionRefused(
                "No first entry is waiting: the first clinician enters the pump's "
                "rate and volume first."
            )
        second = witness_of(
            username, secret, actor_user=first.by, session=session, field="second"
        )
        matched = first.rate_ml_per_h == rate_ml_per_h and first.volume_ml == volume_ml
        agrees_with_order = (
            rate_ml_per_h == session.rate_ml_per_h and volume_ml == vtbi_of(session)
        )
        try:
            entry = create_once(
                DoubleCheck,
                cid,
                {
                    "session": session,
                    "first": first,
                    "first_by": first.by,
                    "first_rate_ml_per_h": first.rate_ml_per_h,
                    "first_volume_ml": first.volume_ml,
                    "first_at": first.charted_at,
                    "second_rate_ml_per_h": rate_ml_per_h,
                    "second_volume_ml": volume_ml,
                    "matched": matched and agrees_with_order,
                    "charted_at": now,
                    "by": second,
                },
                compare={
                    "session": session,
                    "second_rate_ml_per_h": rate_ml_per_h,
                    "second_volume_ml": volume_ml,
                },
            )
        except IntegrityError:
            raise InfusionRefused(
                "Someone answered this first entry meanwhile: reload the page."
            ) from None
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=entry,
            summary=(
                "Pump double check: "
                + ("matched" if entry.matched else "did not match")
                + f" ({first.by} and {second})"
            ),
        )
        evaluate(session, actor=actor, now=now)
    return entry


def double_check_words(entry: DoubleCheck, session: Session) -> str:
    """What the page says of a double check (never the values entered)."""
    if entry.matched:
        return f"Matched: {entry.first_by} and {entry.by}."
    agreed = (
        entry.first_rate_ml_per_h == entry.second_rate_ml_per_h
        and entry.first_volume_ml == entry.second_volume_ml
    )
    return OFF_ORDER if agreed else MISMATCH


# --- The drug drawn and wasted ---------------------------------------------------


def draw_choices(session: Session) -> list[dict]:
    """The lots the ledger offers at the session's location (none without a
    ledger: the nurse types the lot)."""
    choices: list[dict] = []
    for _receiver, answer in signals.draw_choices.send(
        sender=Session, location=session.location
    ):
        if isinstance(answer, list):
            choices.extend(answer)
    return choices


def drawn_mg(session: Session) -> Decimal:
    total = Decimal(0)
    for draw in DrugDraw.objects.filter(session=session, corrected_by__isnull=True):
        total += draw.mg_drawn
    return total


def drug_draw(
    *,
    actor: Actor,
    session: Session,
    product: str,
    lot_number: str,
    vial_mg_per_ml: Any,
    vial_volume_ml: Any,
    volume_drawn_ml: Any,
    mg_drawn: Any,
    witness: str,
    witness_secret: str,
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> DrugDraw:
    """The ketamine drawn for today's dose, before a witness: mg drawn =
    mL drawn × vial concentration, checked against what was typed. The
    ledger (connected to ``signals.drug_drawn``) may refuse the lot."""
    user = may_chart(actor)
    product, lot_number = (product or "").strip(), (lot_number or "").strip()
    errors: dict[str | None, str] = {}
    if not product:
        errors["product"] = "Give the product drawn."
    elif len(product) > 120:
        errors["product"] = "At most 120 characters."
    if not lot_number:
        errors["lot_number"] = "Give the vial's lot number."
    elif len(lot_number) > 40:
        errors["lot_number"] = "At most 40 characters."
    numbers: dict[str, Decimal] = {}
    for value, field, words, step in (
        (vial_mg_per_ml, "vial_mg_per_ml", "the vial's strength in mg/mL", Decimal(1)),
        (vial_volume_ml, "vial_volume_ml", "the vial's volume in mL", SYRINGE_STEP),
        (volume_drawn_ml, "volume_drawn_ml", "the volume drawn in mL", SYRINGE_STEP),
        (mg_drawn, "mg_drawn", "the mg drawn", GRAM),
    ):
        try:
            numbers[field] = _decimal(value, field, words, step=step)
        except InfusionRefused as refused:
            errors.update(refused.errors)
    if "vial_mg_per_ml" in numbers:
        try:
            dosing.check_vial_concentration(numbers["vial_mg_per_ml"])
        except dosing.DosingRefused as refused:
            errors["vial_mg_per_ml"] = refused.message
    if {"vial_volume_ml", "volume_drawn_ml"} <= set(numbers) and (
        numbers["volume_drawn_ml"] > numbers["vial_volume_ml"]
    ):
        errors["volume_drawn_ml"] = (
            f"{_n(numbers['volume_drawn_ml'])} mL is more than the vial's "
            f"{_n(numbers['vial_volume_ml'])} mL."
        )
    if {"vial_mg_per_ml", "volume_drawn_ml", "mg_drawn"} <= set(numbers):
        computed = numbers["volume_drawn_ml"] * numbers["vial_mg_per_ml"]
        if abs(computed - numbers["mg_drawn"]) > Decimal("0.005"):
            errors["mg_drawn"] = (
                f"{_n(numbers['volume_drawn_ml'])} mL × "
                f"{_n(numbers['vial_mg_per_ml'])} mg/mL = {_n(computed)} mg, not "
                f"{_n(numbers['mg_drawn'])} mg."
            )
    if errors:
        raise InfusionRefused(errors)
    now = now or timezone.now()
    cid = client_id_of(client_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        values = {
            "session": session,
            "product": product,
            "lot_number": lot_number,
            "vial_mg_per_ml": int(numbers["vial_mg_per_ml"]),
            "vial_volume_ml": numbers["vial_volume_ml"],
            "volume_drawn_ml": numbers["volume_drawn_ml"],
            "mg_drawn": numbers["mg_drawn"],
        }
        existing = replayed(DrugDraw, cid, values)
        if existing is not None:
            return existing
        if session.state not in BEFORE_START:
            raise InfusionRefused(
                "The drug is drawn before the start: the infusion is "
                f"{session.get_state_display().lower()}."
            )
        if session.dose_mg is None:
            raise InfusionRefused(NO_DOSE)
        if numbers["vial_mg_per_ml"] != session.vial_mg_per_ml:
            raise InfusionRefused(
                {
                    "vial_mg_per_ml": (
                        f"Today's order is worked out for {session.vial_mg_per_ml} "
                        "mg/mL vials."
                    )
                }
            )
        plan = session.plan
        total = drawn_mg(session) + numbers["mg_drawn"]
        if not plan.hourly and total > plan.max_dose_mg:
            raise InfusionRefused(
                {
                    "mg_drawn": (
                        f"{_n(total)} mg drawn in all is over the plan's maximum "
                        f"of {_n(plan.max_dose_mg)} mg."
                    )
                }
            )
        tolerance = SYRINGE_STEP * numbers["vial_mg_per_ml"]
        if total > session.dose_mg + tolerance:
            raise InfusionRefused(
                {
                    "mg_drawn": (
                        f"{_n(total)} mg drawn in all is more than today's dose of "
                        f"{_n(dosing.DEFAULT_ROUNDING.dose_shown(session.dose_mg))} mg."
                    )
                }
            )
        when = charted_time(
            charted_at, now=now, not_before=session.checked_in_at - BEFORE_CHECK_IN
        )
        seen = witness_of(
            witness, witness_secret, actor_user=user, session=session, field="witness"
        )
        draw = create_once(
            DrugDraw,
            cid,
            values | {"by": user, "witness": seen, "charted_at": when},
            compare=values,
        )
        try:
            signals.drug_drawn.send(sender=DrugDraw, draw=draw, actor=actor)
        except signals.DrawRefused as refused:
            raise InfusionRefused(
                {refused.field or "lot_number": refused.message}
            ) from None
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=draw,
            summary=(
                f"Ketamine drawn: {_n(draw.mg_drawn)} mg, lot {draw.lot_number}, "
                f"witness {seen}"
            ),
        )
        evaluate(session, actor=actor, now=now)
    return draw


def drug_waste(
    *,
    actor: Actor,
    draw: DrugDraw,
    mg_wasted: Any,
    witness: str,
    witness_secret: str,
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> Waste:
    """Drug drawn or left in the vial and not given, wasted before a witness
    who re-enters their own password or code."""
    user = may_chart(actor)
    mg = _decimal(mg_wasted, "mg_wasted", "the mg wasted", step=GRAM)
    now = now or timezone.now()
    cid = client_id_of(client_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=draw.session_id)
        draw = DrugDraw.objects.get(pk=draw.pk)
        existing = replayed(Waste, cid, {"draw": draw, "mg_wasted": mg})
        if existing is not None:
            return existing
        vial_mg = draw.vial_volume_ml * draw.vial_mg_per_ml
        wasted = sum((w.mg_wasted for w in draw.wastes.all()), Decimal(0))
        if wasted + mg > vial_mg:
            raise InfusionRefused(
                {
                    "mg_wasted": (
                        f"{_n(wasted + mg)} mg wasted in all is more than the "
                        f"{_n(vial_mg)} mg the vial held."
                    )
                }
            )
        when = charted_time(
            charted_at, now=now, not_before=draw.charted_at, before_words="the draw"
        )
        seen = witness_of(
            witness, witness_secret, actor_user=user, session=session, field="witness"
        )
        waste = create_once(
            Waste,
            cid,
            {
                "draw": draw,
                "mg_wasted": mg,
                "witness": seen,
                "by": user,
                "charted_at": when,
            },
            compare={"draw": draw, "mg_wasted": mg},
        )
        try:
            signals.drug_wasted.send(sender=Waste, waste=waste, actor=actor)
        except signals.DrawRefused as refused:
            raise InfusionRefused(
                {refused.field or "mg_wasted": refused.message}
            ) from None
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=waste,
            summary=f"Ketamine wasted: {_n(mg)} mg, witness {seen}",
        )
    return waste


# --- The pump's timeline ---------------------------------------------------------

_ACTION_OF: dict[str, dosing.PumpAction] = {
    PumpEvent.Kind.START: dosing.PumpAction.START,
    PumpEvent.Kind.PAUSE: dosing.PumpAction.PAUSE,
    PumpEvent.Kind.RESUME: dosing.PumpAction.RESUME,
    PumpEvent.Kind.RATE: dosing.PumpAction.RATE_CHANGE,
    PumpEvent.Kind.STOP: dosing.PumpAction.STOP,
}
PUMP_FROM: dict[str, tuple[str, ...]] = {
    PumpEvent.Kind.START: (Session.State.READY,),
    PumpEvent.Kind.PAUSE: (Session.State.INFUSING,),
    PumpEvent.Kind.RESUME: (Session.State.PAUSED,),
    PumpEvent.Kind.RATE: (Session.State.INFUSING, Session.State.PAUSED),
    PumpEvent.Kind.STOP: (Session.State.INFUSING, Session.State.PAUSED),
}
_STATE_AFTER: dict[str, str] = {
    PumpEvent.Kind.START: Session.State.INFUSING,
    PumpEvent.Kind.PAUSE: Session.State.PAUSED,
    PumpEvent.Kind.RESUME: Session.State.INFUSING,
    PumpEvent.Kind.STOP: Session.State.RECOVERY,
}
_REFUSED: dict[str, str] = {
    PumpEvent.Kind.START: "Only an infusion ready to start can be started",
    PumpEvent.Kind.PAUSE: "Only a running infusion can be paused",
    PumpEvent.Kind.RESUME: "Only a paused infusion can be resumed",
    PumpEvent.Kind.RATE: "The rate changes only once the infusion has started",
    PumpEvent.Kind.STOP: "Only a started infusion can be stopped",
}


def timeline(session: Session) -> list[PumpEvent]:
    return list(
        PumpEvent.objects.filter(session=session, corrected_by__isnull=True)
        .select_related("by")
        .order_by("charted_at", "id")
    )


def _events(rows: list[PumpEvent]) -> list[dosing.PumpEvent]:
    return [
        dosing.PumpEvent(
            at=row.charted_at,
            action=_ACTION_OF[row.kind],
            rate_ml_per_h=row.rate_ml_per_h,
        )
        for row in rows
    ]


def delivery(session: Session, *, at: datetime | None = None, rows=None):
    """The dose delivered so far and the expected end (clinical.dosing), or
    None before the start."""
    rows = timeline(session) if rows is None else rows
    concentration, vtbi = concentration_of(session), vtbi_of(session)
    if not rows or concentration is None or vtbi is None:
        return None
    at = at or timezone.now()
    at = max(at, rows[-1].charted_at)
    return dosing.delivered(
        _events(rows), concentration_mg_per_ml=concentration, vtbi_ml=vtbi, at=at
    )


def pump_record(
    *,
    actor: Actor,
    session: Session,
    kind: str,
    rate: Any = None,
    reason: str = "",
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> PumpEvent:
    """Start, pause, resume, change the rate of, or stop the pump, at the
    time it happened (not in the future, not before the previous event)."""
    user = may_chart(actor)
    if kind not in PumpEvent.Kind.values:
        raise InfusionRefused({"kind": "Choose what was done at the pump."})
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise InfusionRefused({"reason": "At most 300 characters."})
    rate_ml_per_h = None
    if kind == PumpEvent.Kind.RATE or (
        kind == PumpEvent.Kind.RESUME and rate not in (None, "")
    ):
        rate_ml_per_h = _decimal(rate, "rate", "the new rate in mL/h", step=PUMP_STEP)
    if kind in (PumpEvent.Kind.PAUSE, PumpEvent.Kind.RATE) and not reason:
        raise InfusionRefused({"reason": "Say why."})
    now = now or timezone.now()
    cid = client_id_of(client_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if kind == PumpEvent.Kind.START:
            rate_ml_per_h = session.rate_ml_per_h
        values: dict[str, Any] = {
            "session": session,
            "kind": kind,
            "rate_ml_per_h": rate_ml_per_h,
            "reason": reason,
        }
        if charted_at is not None:
            values["charted_at"] = charted_at
        existing = replayed(PumpEvent, cid, values)
        if existing is not None:
            return existing
        if session.state not in PUMP_FROM[kind]:
            raise InfusionRefused(
                f"{_REFUSED[kind]}: this one is {session.get_state_display().lower()}."
            )
        rows = timeline(session)
        if kind == PumpEvent.Kind.START:
            # The checklist as it stands now (a reading charted since it was
            # ready, a weight grown too old) must still be clear.
            found = checklist(session, now=now)
            if not found.clear:
                waiting = [item.label for item in found.items if not item.clear]
                raise InfusionRefused(
                    "Not ready to start any more: " + ", ".join(waiting) + "."
                )
            problem = dose_problem(session, now=now)
            if problem:
                raise InfusionRefused(problem)
            if not double_check_current(session):
                raise InfusionRefused(
                    "The pump's double check has not matched today's order."
                )
            if not DrugDraw.objects.filter(session=session).exists():
                raise InfusionRefused("Record the drug drawn before the start.")
        previous = rows[-1].charted_at if rows else session.checked_in_at
        when = charted_time(
            charted_at,
            now=now,
            not_before=previous,
            before_words="the previous pump entry" if rows else "the check-in",
        )
        event = dosing.PumpEvent(
            at=when, action=_ACTION_OF[kind], rate_ml_per_h=rate_ml_per_h
        )
        concentration, vtbi = concentration_of(session), vtbi_of(session)
        if concentration is None or vtbi is None:
            raise InfusionRefused(NO_DOSE)
        try:
            so_far = dosing.delivered(
                [*_events(rows), event],
                concentration_mg_per_ml=concentration,
                vtbi_ml=vtbi,
                at=when,
            )
        except dosing.DosingRefused as refused:
            raise InfusionRefused({None: refused.message}) from None
        if (
            kind == PumpEvent.Kind.STOP
            and so_far.remaining_ml > FINISHED_WITHIN_ML
            and not reason
        ):
            raise InfusionRefused(
                {"reason": "The bag is not finished: say why it stops early."}
            )
        try:
            entry = create_once(
                PumpEvent,
                cid,
                values | {"by": user, "charted_at": when},
                compare=values,
            )
        except IntegrityError:
            raise InfusionRefused("The infusion was started meanwhile.") from None
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=entry,
            summary=f"Pump: {entry.get_kind_display().lower()}"
            + (f" at {_n(rate_ml_per_h)} mL/h" if rate_ml_per_h else ""),
        )
        state = _STATE_AFTER.get(kind)
        if kind == PumpEvent.Kind.START:
            session.started_at = when
            session.save(update_fields=["started_at", "updated_at"])
        if kind == PumpEvent.Kind.STOP:
            session.stopped_at = when
            session.save(update_fields=["stopped_at", "updated_at"])
        if state is not None:
            transition(session, state, actor=actor, reason=reason[:300])
        else:
            touch(session)
    return entry
