"""Recording what is charted while the patient is monitored: vital signs, side
effects and as-needed medicines. One service per kind, with plain arguments,
whichever way an entry comes (typed online, sent later from a tablet's queue).

Each service is idempotent on `client_id`, the id the tablet made when the nurse
saved: the same id again with the same values answers with the stored entry; with
other values it is refused. The database guarantees it (`client_id` is unique):
two submissions racing each other store one entry, and the loser answers with
the winner's. Each checks what it is given, stores, judges (vital signs, against
the plan's limits at the charted time), raises alerts, audits and bumps the
session's revision, in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.services import credentials_match
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import plan_orders, vitals
from ketaclinic.clinical.plan_orders import StandingOrder, VitalLimit
from ketaclinic.infusions import alerts
from ketaclinic.infusions.models import (
    MedicationGiven,
    Session,
    SideEffect,
    VitalReading,
)
from ketaclinic.infusions.services import InfusionRefused, may_chart, touch

E = TypeVar("E", VitalReading, SideEffect, MedicationGiven)

OTHER_VALUES = "This entry was already recorded with other values."
NOT_THIS_SESSION = "This entry was already recorded on another infusion."
BAD_CLIENT_ID = "This entry has no valid id: save it again."
NO_TIME = "Give the time it was charted."
IN_THE_FUTURE = "The time charted is in the future: check the time."
BEFORE_CHECK_IN = "The time charted is before the patient was checked in."
HALF_PRESSURE = (
    "Give both numbers of the blood pressure (systolic and diastolic), or neither."
)
NOTHING_MEASURED = "Enter at least one measurement."
DOSE_NOT_A_NUMBER = "Give the dose in mg, as a number."
DOSE_DECIMALS = "Give the dose in mg, to 3 decimals at most."
NO_EFFECT = "Say what the effect was."
CLOSED = "This infusion was cancelled: nothing more can be charted on it."

READING_FIELDS = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_pct",
    "resp_rate_per_min",
    "moaas",
    "dissociation",
)


# --- Common -----------------------------------------------------------------------


def _client_id(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InfusionRefused({"client_id": BAD_CLIENT_ID}) from None


def _charted_time(session: Session, charted_at: Any, now: datetime) -> datetime:
    """The charted time, refused when missing, in the future (beyond the
    clocks' allowed difference) or before the check-in."""
    if not isinstance(charted_at, datetime):
        raise InfusionRefused({"charted_at": NO_TIME})
    if timezone.is_naive(charted_at):
        charted_at = timezone.make_aware(charted_at, session.location.zone)
    skew = timedelta(minutes=settings.KETACLINIC_CHART_CLOCK_SKEW_MINUTES)
    if charted_at > now + skew:
        raise InfusionRefused({"charted_at": IN_THE_FUTURE})
    if charted_at < session.checked_in_at - skew:
        raise InfusionRefused({"charted_at": BEFORE_CHECK_IN})
    return charted_at


def _open(session: Session) -> None:
    # Observations are kept whatever the session became meanwhile (another
    # nurse stopped the infusion, the patient was discharged): only a
    # cancelled infusion takes no more.
    if session.state == Session.State.CANCELLED:
        raise InfusionRefused({None: CLOSED})


def _replay(model: type[E], client_id: uuid.UUID, session: Session, wanted) -> E:
    """The stored entry of `client_id` when `wanted` matches it, else refused."""
    stored = model.objects.get(client_id=client_id)
    if stored.session_id != session.pk:
        raise InfusionRefused({"client_id": NOT_THIS_SESSION})
    if wanted(stored):
        return stored
    raise InfusionRefused({"client_id": OTHER_VALUES})


def _record(
    model: type[E],
    *,
    client_id: uuid.UUID,
    session: Session,
    same,
    write,
) -> E:
    """Store once: the entry of `client_id` already stored (when `same` says
    its values match), else `write(locked_session)` inside one transaction; a
    racing submission of the same id that wins makes this one a replay."""
    if model.objects.filter(client_id=client_id).exists():
        return _replay(model, client_id, session, same)
    try:
        with transaction.atomic():
            # Lock the session row alone (not the patient, plan and location
            # it joins), and without blocking rows that only point at it.
            locked = (
                Session.objects.select_for_update(of=("self",), no_key=True)
                .select_related("patient", "location", "plan")
                .get(pk=session.pk)
            )
            if model.objects.filter(client_id=client_id).exists():
                raise _AlreadyStored
            _open(locked)
            return write(locked)
    except (IntegrityError, _AlreadyStored):
        if not model.objects.filter(client_id=client_id).exists():
            raise
        return _replay(model, client_id, session, same)


class _AlreadyStored(Exception):
    pass


def _text(value: Any, field: str, words: str, *, limit: int, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InfusionRefused({field: words})
    if len(text) > limit:
        raise InfusionRefused({field: f"Keep it under {limit} characters."})
    return text


# --- Vital signs ------------------------------------------------------------------


def plan_limits(session: Session) -> tuple[VitalLimit, ...]:
    """The vital-sign limits of the plan the session runs on (a limit the plan
    does not carry takes its default)."""
    records = session.plan.vital_limits or []
    typed = {record["key"]: record["value"] for record in records if "key" in record}
    try:
        return plan_orders.vital_limits(typed)
    except plan_orders.OrderRefused:
        # A plan signed under other rules: its own limits as they stand.
        return tuple(
            VitalLimit(
                r["key"], r["trigger"], r["action"], Decimal(str(r["value"])), r["unit"]
            )
            for r in records
        )


def reading_of(entry: VitalReading) -> vitals.Reading:
    return vitals.Reading(
        **{name: getattr(entry, name) for name in READING_FIELDS},
        symptoms=frozenset(entry.symptoms or ()),
    )


def _reading(values: Mapping[str, Any]) -> vitals.Reading:
    """The reading from plain values (whole numbers or None), checked for what
    is physically possible."""
    numbers: dict[str, int | None] = {}
    for name in READING_FIELDS:
        value = values.get(name)
        if value is None or value == "":
            numbers[name] = None
            continue
        if isinstance(value, bool):
            value = "x"
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite() or number != number.to_integral_value():
            words = vitals.PHYSICAL_RANGES[name].words
            raise InfusionRefused({name: f"{words} must be a whole number."})
        numbers[name] = int(number)
    symptoms = values.get("symptoms") or ()
    if isinstance(symptoms, str):
        symptoms = [symptoms]
    reading = vitals.Reading(**numbers, symptoms=frozenset(str(s) for s in symptoms))
    maximum = (
        vitals.DISSOCIATION_MAXIMUM
        if settings.KETACLINIC_DISSOCIATION_SCALE == "cadss6"
        else 0
    )
    try:
        vitals.check(reading, dissociation_maximum=maximum)
    except vitals.ReadingRefused as refused:
        raise InfusionRefused({refused.field: refused.message}) from None
    if all(getattr(reading, name) is None for name in READING_FIELDS):
        raise InfusionRefused({None: NOTHING_MEASURED})
    if (reading.systolic_mmhg is None) != (reading.diastolic_mmhg is None):
        # A blood pressure is a pair: half of one cannot be judged or charted.
        missing = "systolic_mmhg" if reading.systolic_mmhg is None else "diastolic_mmhg"
        raise InfusionRefused({missing: HALF_PRESSURE})
    return reading


def _asked_for_recheck(
    current, charted_at: datetime, previous: VitalReading | None
) -> VitalReading | None:
    """The reading a baseline re-check answers: the one before it, passing
    over re-checks taken before the rest was over (the rest runs from the
    reading that asked for the re-check, however often it is taken early)."""
    if previous is None or not vitals.is_early_recheck(previous.findings):
        return previous
    earlier = current.filter(
        phase=vitals.Phase.BASELINE, charted_at__lte=charted_at
    ).order_by("-charted_at", "-id")
    return next((e for e in earlier if not vitals.is_early_recheck(e.findings)), None)


def phase_of(session: Session) -> vitals.Phase:
    """The phase a reading charted now belongs to, from the session's state."""
    if session.state in (Session.State.INFUSING, Session.State.PAUSED):
        return vitals.Phase.INFUSION
    if session.state in (Session.State.RECOVERY, Session.State.DISCHARGED):
        return vitals.Phase.RECOVERY
    return vitals.Phase.BASELINE


def phase_at(session: Session, charted_at: datetime) -> vitals.Phase:
    """The phase a reading charted at `charted_at` belongs to, from the pump's
    timeline (to the minute: times are charted in whole minutes)."""

    def minute(moment: datetime) -> datetime:
        return moment.replace(second=0, microsecond=0)

    if session.stopped_at and charted_at >= minute(session.stopped_at):
        return vitals.Phase.RECOVERY
    if session.started_at and charted_at >= minute(session.started_at):
        return vitals.Phase.INFUSION
    if session.started_at is None:
        return phase_of(session)
    return vitals.Phase.BASELINE


def record_vitals(
    *,
    actor: Actor,
    session: Session,
    client_id: Any,
    charted_at: Any,
    phase: Any,
    values: Mapping[str, Any],
    now: datetime | None = None,
    evaluate_checks: bool = True,
) -> VitalReading:
    """Store one set of vital signs, judged against the plan's limits at its
    charted time (the reading before it in charted order is `previous`); a
    reading at the pause or stop level calls a provider to the chair."""
    user = may_chart(actor)
    now = now or timezone.now()
    client_id = _client_id(client_id)
    try:
        phase = vitals.Phase(phase)
    except ValueError:
        raise InfusionRefused(
            {"phase": "Choose before, during or after the infusion."}
        ) from None
    charted_at = _charted_time(session, charted_at, now)
    reading = _reading(values)

    def same(stored: VitalReading) -> bool:
        return (
            stored.by_id == user.pk
            and stored.charted_at == charted_at
            and stored.phase == phase.value
            and reading_of(stored) == reading
        )

    def write(locked: Session) -> VitalReading:
        current = VitalReading.objects.filter(session=locked, corrected_by=None)
        previous_entry = (
            current.filter(charted_at__lte=charted_at)
            .order_by("-charted_at", "-id")
            .first()
        )
        if phase is vitals.Phase.BASELINE:
            previous_entry = _asked_for_recheck(current, charted_at, previous_entry)
        baseline_entry = (
            current.filter(phase=vitals.Phase.BASELINE, charted_at__lte=charted_at)
            .order_by("-charted_at", "-id")
            .first()
            if phase is not vitals.Phase.BASELINE
            else None
        )
        judgement = vitals.judge(
            reading,
            plan_limits(locked),
            phase,
            previous=reading_of(previous_entry) if previous_entry else None,
            baseline=reading_of(baseline_entry) if baseline_entry else None,
            rested=charted_at - previous_entry.charted_at if previous_entry else None,
        )
        entry = VitalReading.objects.create(
            client_id=client_id,
            charted_at=charted_at,
            by=user,
            session=locked,
            phase=phase.value,
            **{name: getattr(reading, name) for name in READING_FIELDS},
            symptoms=sorted(reading.symptoms),
            action=judgement.action.value,
            findings=[
                {
                    "action": finding.action.value,
                    "key": finding.key,
                    "message": finding.message,
                    "source": finding.source,
                }
                for finding in judgement.findings
            ],
        )
        alerts.raise_for_reading(actor=actor, reading=entry, judgement=judgement)
        touch(locked)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=locked.patient,
            obj=entry,
            summary=f"Vital signs charted: {judgement.action.label}",
        )
        if phase is vitals.Phase.BASELINE and evaluate_checks:
            # A baseline reading is a pre-infusion check: hold, clear the hold
            # or make the infusion ready at once (the demo, which writes its
            # checklist itself, sets its states in its own order).
            from ketaclinic.infusions import checks

            checks.evaluate(locked, actor=actor, now=now)
        return entry

    return _record(
        VitalReading, client_id=client_id, session=session, same=same, write=write
    )


def judgement_of(entry: VitalReading) -> vitals.Judgement:
    """The stored judgement of a reading (as it was made at the charted time)."""
    findings = tuple(
        vitals.Finding(
            vitals.Action(f["action"]), f["key"], f["message"], f.get("source", "")
        )
        for f in entry.findings or ()
    )
    return vitals.Judgement(action=vitals.Action(entry.action), findings=findings)


# --- Side effects -----------------------------------------------------------------


def record_side_effect(
    *,
    actor: Actor,
    session: Session,
    client_id: Any,
    charted_at: Any,
    kind: Any,
    severity: Any,
    notes: Any = "",
    now: datetime | None = None,
) -> SideEffect:
    """Store one side effect or event: its kind, how severe, a note."""
    user = may_chart(actor)
    now = now or timezone.now()
    client_id = _client_id(client_id)
    charted_at = _charted_time(session, charted_at, now)
    if kind not in SideEffect.Kind.values:
        raise InfusionRefused({"kind": "Choose what happened from the list."})
    if severity not in SideEffect.Severity.values:
        raise InfusionRefused({"severity": "Choose mild, moderate or severe."})
    notes = _text(notes, "notes", "", limit=500, required=False)
    if kind == SideEffect.Kind.OTHER and not notes:
        raise InfusionRefused({"notes": "Say in a few words what happened."})

    def same(stored: SideEffect) -> bool:
        return (
            stored.by_id == user.pk
            and stored.charted_at == charted_at
            and (stored.kind, stored.severity, stored.notes) == (kind, severity, notes)
        )

    def write(locked: Session) -> SideEffect:
        entry = SideEffect.objects.create(
            client_id=client_id,
            charted_at=charted_at,
            by=user,
            session=locked,
            kind=kind,
            severity=severity,
            notes=notes,
        )
        touch(locked)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=locked.patient,
            obj=entry,
            summary=f"Side effect charted: {entry.get_kind_display().lower()}",
        )
        return entry

    return _record(
        SideEffect, client_id=client_id, session=session, same=same, write=write
    )


# --- As-needed medicines ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderOrder:
    """A provider's order given on the spot for a drug with no standing order:
    who (they re-enter their own password or code) and why."""

    provider: User | None
    secret: str
    reason: str


def standing_orders(session: Session) -> tuple[StandingOrder, ...]:
    """The plan's standing as-needed orders (none when the plan has none)."""
    try:
        return plan_orders.orders_of(session.plan.standing_orders or [])
    except plan_orders.OrderRefused:
        return ()


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _dose(value: Any) -> Decimal:
    if isinstance(value, bool):
        value = "x"
    try:
        dose = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InfusionRefused({"dose_mg": DOSE_NOT_A_NUMBER}) from None
    if not dose.is_finite() or dose <= 0:
        raise InfusionRefused({"dose_mg": "Give a dose in mg of more than 0."})
    if dose != dose.quantize(Decimal("0.001")) or dose >= Decimal(1000000):
        raise InfusionRefused({"dose_mg": DOSE_DECIMALS})
    return dose


def _order_for(
    orders: tuple[StandingOrder, ...], drug: str, route: str
) -> StandingOrder | None:
    matching = [order for order in orders if order.drug.lower() == drug]
    for order in matching:
        if order.route == route:
            return order
    if matching:
        raise InfusionRefused(
            {
                "route": f"The standing order gives {drug} "
                + " or ".join(order.route for order in matching)
                + f", not {route}."
            }
        )
    return None


def _check_order(
    order: StandingOrder,
    *,
    session: Session,
    drug: str,
    dose: Decimal,
    charted_at: datetime,
) -> None:
    if dose > order.max_single_dose_mg:
        raise InfusionRefused(
            {
                "dose_mg": f"{_n(dose)} mg is more than the standing order's most "
                f"in one dose, {_n(order.max_single_dose_mg)} mg."
            }
        )
    given = MedicationGiven.objects.filter(
        session=session, drug=drug, corrected_by=None
    )
    interval = timedelta(minutes=order.min_interval_minutes)
    too_close = (
        given.filter(
            charted_at__gt=charted_at - interval, charted_at__lt=charted_at + interval
        )
        .order_by("-charted_at")
        .first()
    )
    if too_close is not None:
        at = timezone.localtime(too_close.charted_at, session.location.zone)
        raise InfusionRefused(
            {
                "charted_at": f"{drug.capitalize()} was given at {at:%H:%M}: the "
                f"standing order asks for at least {order.min_interval_minutes} "
                "minutes between doses."
            }
        )
    total = given.aggregate(total=Sum("dose_mg"))["total"] or Decimal(0)
    if total + dose > order.max_per_session_mg:
        raise InfusionRefused(
            {
                "dose_mg": f"{_n(total)} mg of {drug} was already given: "
                f"{_n(dose)} mg more would pass the standing order's most in one "
                f"session, {_n(order.max_per_session_mg)} mg."
            }
        )


def _provider_order(order: ProviderOrder | None, actor_user: User) -> User:
    """The provider who orders a drug with no standing order, checked."""
    words = (
        "This drug has no standing order: a provider orders it now (their name, "
        "the reason and their password or code)."
    )
    if order is None:
        raise InfusionRefused({"ordered_by": words})
    provider = order.provider
    if provider is None and can(actor_user, Perm.SIGN):
        provider = actor_user
    if provider is None:
        raise InfusionRefused({"ordered_by": words})
    if not can(provider, Perm.SIGN) or not provider.is_active:
        raise InfusionRefused(
            {"ordered_by": "Only a provider can order a drug on the spot."}
        )
    if not (order.reason or "").strip():
        raise InfusionRefused({"order_reason": "Give the reason for the order."})
    if len(order.reason) > 300:
        raise InfusionRefused({"order_reason": "Keep it under 300 characters."})
    if not credentials_match(provider, order.secret or ""):
        raise InfusionRefused(
            {"order_secret": "That password or code is not the provider's."}
        )
    return provider


def record_medication(
    *,
    actor: Actor,
    session: Session,
    client_id: Any,
    charted_at: Any,
    drug: Any,
    dose_mg: Any,
    route: Any,
    indication: Any,
    provider_order: ProviderOrder | None = None,
    effect: Any = "",
    now: datetime | None = None,
) -> MedicationGiven:
    """Store one as-needed medicine given: within the plan's standing order
    for the drug (the most in one dose, the least time between doses, the
    most in one session), or on a provider's order given on the spot."""
    user = may_chart(actor)
    now = now or timezone.now()
    client_id = _client_id(client_id)
    charted_at = _charted_time(session, charted_at, now)
    drug = _text(drug, "drug", "Name the drug.", limit=120, required=True).lower()
    dose = _dose(dose_mg)
    route = str(route or "").strip().upper()
    if route not in plan_orders.ROUTES:
        raise InfusionRefused(
            {"route": "Choose the route: " + ", ".join(plan_orders.ROUTES) + "."}
        )
    indication = _text(
        indication, "indication", "Say what it is for.", limit=200, required=True
    )
    effect = _text(effect, "effect", "", limit=300, required=False)

    def same(stored: MedicationGiven) -> bool:
        return (
            stored.by_id == user.pk
            and stored.charted_at == charted_at
            and (stored.drug, stored.dose_mg, stored.route, stored.indication)
            == (drug, dose, route, indication)
        )

    def write(locked: Session) -> MedicationGiven:
        order = _order_for(standing_orders(locked), drug, route)
        ordered_by = None
        reason = ""
        if order is not None:
            _check_order(
                order, session=locked, drug=drug, dose=dose, charted_at=charted_at
            )
        else:
            ordered_by = _provider_order(provider_order, user)
            reason = provider_order.reason.strip() if provider_order else ""
            most = plan_orders.SINGLE_DOSE_MAXIMUM_MG.get(drug)
            if most is not None and dose > most:
                raise InfusionRefused(
                    {
                        "dose_mg": f"{_n(dose)} mg is more than the most in one dose "
                        f"of {drug}, {_n(most)} mg."
                    }
                )
        entry = MedicationGiven.objects.create(
            client_id=client_id,
            charted_at=charted_at,
            by=user,
            session=locked,
            drug=drug,
            rxnorm=order.rxnorm if order else "",
            dose_mg=dose,
            route=route,
            indication=indication,
            standing_order=order.as_record() if order else {},
            ordered_by=ordered_by,
            order_reason=reason,
            effect=effect,
        )
        touch(locked)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=locked.patient,
            obj=entry,
            summary=f"As-needed medicine given: {drug} {_n(dose)} mg {route}",
        )
        return entry

    return _record(
        MedicationGiven, client_id=client_id, session=session, same=same, write=write
    )


def record_medication_effect(
    *,
    actor: Actor,
    session: Session,
    medication: MedicationGiven,
    client_id: Any,
    charted_at: Any,
    effect: Any,
    now: datetime | None = None,
) -> MedicationGiven:
    """The effect of a medicine given, charted later: a new entry that
    corrects the first (the same dose, now with its effect)."""
    user = may_chart(actor)
    now = now or timezone.now()
    client_id = _client_id(client_id)
    charted_at = _charted_time(session, charted_at, now)
    effect = _text(effect, "effect", NO_EFFECT, limit=300, required=True)
    if medication.session_id != session.pk:
        raise InfusionRefused({None: NOT_THIS_SESSION})

    def same(stored: MedicationGiven) -> bool:
        return (
            stored.by_id == user.pk
            and stored.corrects_id == medication.pk
            and stored.effect == effect
        )

    def write(locked: Session) -> MedicationGiven:
        if MedicationGiven.objects.filter(corrects=medication).exists():
            raise InfusionRefused(
                {"effect": "This medicine's entry was already updated: reload."}
            )
        fields = {
            f.name: getattr(medication, f.name)
            for f in MedicationGiven._meta.concrete_fields
            if f.name
            in {
                "drug",
                "rxnorm",
                "dose_mg",
                "route",
                "indication",
                "standing_order",
                "ordered_by",
                "order_reason",
                "charted_at",
            }
        }
        entry = MedicationGiven.objects.create(
            client_id=client_id,
            by=user,
            session=locked,
            corrects=medication,
            correction_reason=f"Effect charted at "
            f"{timezone.localtime(charted_at, locked.location.zone):%H:%M}",
            effect=effect,
            **fields,
        )
        touch(locked)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=locked.patient,
            obj=entry,
            summary=f"Effect of {medication.drug} charted",
        )
        return entry

    return _record(
        MedicationGiven, client_id=client_id, session=session, same=same, write=write
    )


def current(queryset: models.QuerySet[E]) -> models.QuerySet[E]:
    """Entries not corrected by a later one."""
    return queryset.filter(corrected_by=None)
