"""Treatment plans: reads and the one write (signing a plan, or a new version).

The arithmetic is ketaclinic.clinical.dosing's; this module finds the chart's
facts it needs, checks what the provider typed against the protocol, and keeps
the signed result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.services import credentials_match
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import dosing, maintenance, plan_orders
from ketaclinic.clinical.body import Sex
from ketaclinic.clinical.protocols import RECOVERY_MINUTES_MIN
from ketaclinic.patients.models import BodyMeasurement, Condition, Patient
from ketaclinic.prepared import prepared_objects
from ketaclinic.treatment.models import Protocol, ScreeningDecision, TreatmentPlan

GRAM = Decimal("0.001")

# Where a refusal of the dosing core is shown on the plan form.
FORM_FIELD_OF = {
    "weight": "weight_basis",
    "weight_basis": "weight_basis",
    "mg_per_kg": "amount_per_kg",
    "mg_per_kg_per_h": "amount_per_kg",
    "dose": "amount_per_kg",
    "vial_concentration": "vial_mg_per_ml",
    "bag_volume": "bag_volume_ml",
    "duration": "minutes",
}

NO_CANDIDATE_DECISION = (
    "A plan is written only after a provider has signed a screening decision "
    "that the patient is a candidate. Sign that decision first."
)


WRONG_SECRET = "".join(  # a message, not a password
    (
        "That is not your password (or a current code of your authenticator ",
        "app). Type it again to sign.",
    )
)


class PlanRefused(Exception):
    """What cannot be signed, by the form field to show it beside (``None``:
    above the form)."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class PlanInput:
    """What the provider typed, already parsed by the form."""

    protocol: Protocol
    indication_code: str
    weight_basis: str
    amount_per_kg: Decimal
    max_dose_mg: Decimal
    bag_volume_ml: Decimal
    diluent: str
    vial_mg_per_ml: Decimal
    minutes: int
    infusions: int
    within_days: int
    min_days_apart: int
    recovery_minutes: int
    weight_max_age_hours: int
    maintenance_start_days: int
    maintenance_floor_days: int
    maintenance_cap_days: int
    standing_orders: tuple[plan_orders.StandingOrder, ...]
    vital_limits: tuple[plan_orders.VitalLimit, ...]
    titration_after: int | None = None
    titration_amount_per_kg: Decimal | None = None
    override_reason: str = ""


@dataclass
class Worked:
    """The plan worked out: the dosing weights, the dose and the bag."""

    weight: dosing.DosingWeight
    dose: dosing.WeightBased
    infusion: dosing.Infusion
    titration: dosing.WeightBased | None = None
    overrides: list[dict[str, str]] = field(default_factory=list)
    needs_override: list[str] = field(default_factory=list)


# --- Reads --------------------------------------------------------------------------


def current_decision(patient: Patient) -> ScreeningDecision | None:
    """The patient's screening decision in force (not amended), if any."""
    return (
        ScreeningDecision.objects.filter(patient=patient, amended_by__isnull=True)
        .order_by("-signed_at", "-id")
        .first()
    )


def candidate_decision(patient: Patient) -> ScreeningDecision | None:
    decision = current_decision(patient)
    if decision is None or decision.outcome != ScreeningDecision.Outcome.CANDIDATE:
        return None
    return decision


def plans_of(patient: Patient) -> QuerySet[TreatmentPlan]:
    """Every version of every plan of the patient, newest first."""
    return TreatmentPlan.objects.filter(patient=patient).select_related(
        "signed_by", "amended_by"
    )


def plan_in_force(patient: Patient) -> TreatmentPlan | None:
    found = prepared_objects(("plan_in_force",), _in_force, patient.pk)
    return found[0] if found else None


def _in_force(patient_id: int) -> QuerySet[TreatmentPlan]:
    plans = TreatmentPlan.objects.filter(
        patient_id=patient_id, amended_by__isnull=True
    ).select_related("signed_by")
    return (plans if plans.ordered else plans.order_by("pk"))[:1]


def versions_of(plan: TreatmentPlan) -> list[TreatmentPlan]:
    """Every version of this plan, the first one first."""
    chain = list(
        TreatmentPlan.objects.filter(patient_id=plan.patient_id)
        .select_related("signed_by")
        .order_by("signed_at", "id")
    )
    by_amends = {p.amends_id: p for p in chain if p.amends_id}
    first = plan
    by_id = {p.pk: p for p in chain}
    while first.amends_id and first.amends_id in by_id:
        first = by_id[first.amends_id]
    versions = [first]
    while versions[-1].pk in by_amends:
        versions.append(by_amends[versions[-1].pk])
    return versions


def indications_of(patient: Patient) -> list[Condition]:
    """The chart's active conditions: a plan's indication is one of them."""
    return list(Condition.objects.filter(patient=patient, active=True))


def latest_weight(patient: Patient) -> BodyMeasurement | None:
    return (
        BodyMeasurement.objects.filter(patient=patient, active=True)
        .order_by("-measured_at", "-id")
        .first()
    )


def latest_height_cm(patient: Patient) -> Decimal | None:
    return (
        BodyMeasurement.objects.filter(
            patient=patient, active=True, height_cm__isnull=False
        )
        .order_by("-measured_at", "-id")
        .values_list("height_cm", flat=True)
        .first()
    )


def _sex(patient: Patient) -> Sex | None:
    try:
        return Sex(patient.sex_at_birth)
    except ValueError:
        return None


def dosing_weights(
    patient: Patient, *, basis: str, max_age_hours: int, now: datetime | None = None
) -> dosing.DosingWeight:
    """Actual, ideal and adjusted weight from the chart (refused as
    ``dosing.DosingRefused``: no weight, a stale one, no height or sex)."""
    measurement = latest_weight(patient)
    reading = None
    if measurement is not None:
        reading = dosing.WeightReading(
            weight_kg=measurement.weight_kg, measured_at=measurement.measured_at
        )
    return dosing.dosing_weight(
        dosing.WeightBasis(basis),
        reading,
        now=now or timezone.now(),
        max_age=timedelta(hours=max_age_hours),
        height_cm=latest_height_cm(patient),
        sex=_sex(patient),
    )


# --- Working the plan out ----------------------------------------------------------


def _grams(kg: Decimal | None) -> Decimal | None:
    """A weight as the plan keeps it: to the gram, as the chart does."""
    return None if kg is None else kg.quantize(GRAM, rounding=ROUND_DOWN)


def _form_field(refusal: dosing.DosingRefused) -> str:
    return FORM_FIELD_OF.get(refusal.field, "amount_per_kg")


def work_out(
    patient: Patient, plan: PlanInput, *, now: datetime | None = None
) -> Worked:
    """The plan's weights, dose and bag, or every problem by field."""
    errors: dict[str | None, str] = {}
    protocol = plan.protocol
    if plan.recovery_minutes < RECOVERY_MINUTES_MIN:
        errors["recovery_minutes"] = (
            f"Recovery lasts at least {RECOVERY_MINUTES_MIN} minutes."
        )
    if plan.indication_code not in {c.icd10_code for c in indications_of(patient)}:
        errors["indication_code"] = (
            "Choose the indication among the chart's active conditions."
        )
    try:
        protocol_policy(plan.protocol, plan)
    except maintenance.PolicyRefused as refused:
        field_name = f"maintenance_{refused.field}"
        if field_name not in {
            "maintenance_start_days",
            "maintenance_floor_days",
            "maintenance_cap_days",
        }:
            field_name = "maintenance_start_days"
        errors[field_name] = refused.message
    if (plan.infusions - 1) * plan.min_days_apart >= plan.within_days:
        errors["within_days"] = (
            f"{plan.infusions} infusions at least {plan.min_days_apart} days apart "
            f"do not fit within {plan.within_days} days."
        )
    if plan.max_dose_mg <= 0:
        errors["max_dose_mg"] = "The maximum dose must be more than 0 mg."
    try:
        weight = dosing_weights(
            patient,
            basis=plan.weight_basis,
            max_age_hours=plan.weight_max_age_hours,
            now=now,
        )
    except dosing.DosingRefused as refused:
        errors[_form_field(refused)] = refused.message
        raise PlanRefused(errors) from None
    kg = _grams(weight.kg)
    assert kg is not None
    unit = "mg/h" if protocol.hourly else "mg"
    hard_max_amount = protocol.hard_max * kg
    if plan.max_dose_mg > hard_max_amount:
        errors["max_dose_mg"] = (
            f"{_n(plan.max_dose_mg)} {unit} is over the hard maximum of "
            f"{_n(protocol.hard_max)} {unit.replace('mg', 'mg/kg', 1)} × {_n(kg)} kg "
            f"= {_n(hard_max_amount)} {unit}."
        )
    limits = protocol.limits(cap=plan.max_dose_mg if plan.max_dose_mg > 0 else None)
    work = dosing.hourly_rate_mg_per_h if protocol.hourly else dosing.dose_mg
    dose = titration = None
    try:
        dose = work(plan.amount_per_kg, kg, limits)
    except dosing.DosingRefused as refused:
        errors["amount_per_kg"] = refused.message
    if plan.titration_amount_per_kg is not None:
        if not plan.titration_after:
            errors["titration_after"] = "Say after how many infusions to raise it."
        elif plan.titration_after >= plan.infusions:
            errors["titration_after"] = (
                f"The series has {plan.infusions} infusions: raise the dose after "
                "fewer."
            )
        if plan.titration_amount_per_kg <= plan.amount_per_kg:
            errors["titration_amount_per_kg"] = (
                "A titration raises the dose: give more than the first dose."
            )
        else:
            try:
                titration = work(plan.titration_amount_per_kg, kg, limits)
            except dosing.DosingRefused as refused:
                errors["titration_amount_per_kg"] = refused.message
    infusion = None
    if dose is not None:
        total = (
            dosing.hourly_total_mg(dose, Decimal(plan.minutes))
            if protocol.hourly and plan.minutes > 0
            else dose.amount
        )
        try:
            infusion = dosing.prepare_infusion(
                total,
                vial_mg_per_ml=plan.vial_mg_per_ml,
                bag_volume_ml=plan.bag_volume_ml,
                minutes=Decimal(plan.minutes),
                dose_limit_mg=None if protocol.hourly else dose.limit,
            )
        except dosing.DosingRefused as refused:
            errors[_form_field(refused)] = refused.message
    if errors or dose is None or infusion is None:
        raise PlanRefused(errors)
    worked = Worked(weight=weight, dose=dose, infusion=infusion, titration=titration)
    for amount in (dose, titration):
        if amount is not None and amount.needs_override:
            worked.needs_override.append(amount.needs_override)
    if worked.needs_override:
        reason = plan.override_reason.strip()
        if not reason:
            raise PlanRefused({"override_reason": " ".join(worked.needs_override)})
        worked.overrides = [
            {"about": about, "reason": reason} for about in worked.needs_override
        ]
    return worked


# --- The write ---------------------------------------------------------------------


def plan_sign(
    *,
    actor: Actor,
    patient: Patient,
    plan: PlanInput,
    password: str,
    amends: TreatmentPlan | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> TreatmentPlan:
    """Sign a plan (or a new version of ``amends``, saying why) from the
    patient's signed "candidate" decision. Refused with the problem beside each
    field; nothing is written then."""
    if not can(actor.user, Perm.SIGN):
        raise PlanRefused({None: "Only a provider writes and signs a plan."})
    user = actor.signer
    errors: dict[str | None, str] = {}
    if amends is not None and not reason.strip():
        errors["reason"] = "Say why the plan changes."
    if not credentials_match(user, password):
        errors["password"] = WRONG_SECRET
    with transaction.atomic():
        decision = candidate_decision(patient)
        if decision is None:
            raise PlanRefused({None: NO_CANDIDATE_DECISION})
        if amends is not None:
            TreatmentPlan.objects.select_for_update().filter(pk=amends.pk).first()
            if TreatmentPlan.objects.filter(amends=amends).exists():
                raise PlanRefused(
                    {None: "That version was changed meanwhile: open the plan again."}
                )
        elif TreatmentPlan.objects.filter(
            patient=patient, amended_by__isnull=True
        ).exists():
            raise PlanRefused(
                {None: "A plan is in force already: change it as a new version."}
            )
        try:
            worked = work_out(patient, plan, now=now)
        except PlanRefused as refused:
            raise PlanRefused(refused.errors | errors) from None
        if errors:
            raise PlanRefused(errors)
        condition = next(
            c for c in indications_of(patient) if c.icd10_code == plan.indication_code
        )
        titration = []
        if plan.titration_amount_per_kg is not None:
            titration = [
                {
                    "after_infusions": plan.titration_after,
                    "amount_per_kg": str(plan.titration_amount_per_kg),
                }
            ]
        maintenance_signed = dict(plan.protocol.maintenance) | {
            "start_days": plan.maintenance_start_days,
            "floor_days": plan.maintenance_floor_days,
            "cap_days": plan.maintenance_cap_days,
        }
        record = TreatmentPlan.objects.create(
            patient=patient,
            decision=decision,
            protocol=plan.protocol,
            protocol_name=plan.protocol.name,
            version=amends.version + 1 if amends is not None else 1,
            indication_code=condition.icd10_code,
            indication_display=condition.description,
            dose_unit=plan.protocol.dose_unit,
            amount_per_kg=plan.amount_per_kg,
            titration=titration,
            usual_low=plan.protocol.usual_low,
            usual_high=plan.protocol.usual_high,
            hard_max=plan.protocol.hard_max,
            max_dose_mg=plan.max_dose_mg,
            weight_basis=worked.weight.basis.value,
            weight_kg=_grams(worked.weight.kg),
            actual_kg=_grams(worked.weight.actual_kg),
            ideal_kg=_grams(worked.weight.ideal_kg),
            adjusted_kg=_grams(worked.weight.adjusted_kg),
            weight_measured_at=worked.weight.measured_at,
            weight_max_age_hours=plan.weight_max_age_hours,
            bag_volume_ml=plan.bag_volume_ml,
            diluent=plan.diluent,
            vial_mg_per_ml=plan.vial_mg_per_ml,
            minutes=plan.minutes,
            infusions=plan.infusions,
            within_days=plan.within_days,
            min_days_apart=plan.min_days_apart,
            standing_orders=[order.as_record() for order in plan.standing_orders],
            vital_limits=[limit.as_record() for limit in plan.vital_limits],
            recovery_minutes=plan.recovery_minutes,
            maintenance=maintenance_signed,
            overrides=worked.overrides,
            signed_by=user,
            amends=amends,
            amendment_reason=reason.strip() if amends is not None else "",
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=record,
            summary=(
                f"Signed treatment plan, version {record.version}: "
                f"{record.protocol_name}"
                + (", overriding the usual dose range" if worked.overrides else "")
            ),
        )
    return record


def base_policy(protocol: Protocol) -> maintenance.MaintenancePolicy:
    """The indication's default maintenance policy, under a protocol's own."""
    stored = protocol.maintenance or {}
    return maintenance.DEFAULT_POLICIES.get(
        stored.get("indication", protocol.indication), maintenance.DEPRESSION_POLICY
    )


def protocol_policy(
    protocol: Protocol, plan: PlanInput | None = None
) -> maintenance.MaintenancePolicy:
    """The protocol's maintenance policy, with the plan's intervals over it; a
    refusal (maintenance.PolicyRefused) names the value at fault."""
    values: dict[str, object] = dict(protocol.maintenance or {})
    if plan is not None:
        values |= {
            "start_days": plan.maintenance_start_days,
            "floor_days": plan.maintenance_floor_days,
            "cap_days": plan.maintenance_cap_days,
        }
    return maintenance.policy_from(values, base=base_policy(protocol))


def protocol_save(
    *,
    actor: Actor,
    protocol: Protocol,
    standing_orders: tuple[plan_orders.StandingOrder, ...] | None = None,
    vital_limits: tuple[plan_orders.VitalLimit, ...] | None = None,
    maintenance_policy: maintenance.MaintenancePolicy | None = None,
) -> None:
    """The manager's change to a protocol, in one transaction with its audit
    row; signed plans keep their own values. Orders, limits and policy come
    checked by the clinical core (plan_orders, maintenance.policy_from); an
    order keeps the source of the protocol's order for the same drug."""
    if not can(actor.user, Perm.PROTOCOL_EDIT):
        raise PermissionError("Only a clinic manager changes a protocol.")
    changed = []
    if standing_orders is not None:
        sources = {
            str(order.get("drug", "")).lower(): order.get("source", "")
            for order in protocol.standing_orders or []
        }
        records = []
        for order in standing_orders:
            record = order.as_record()
            if not record["source"]:
                record["source"] = sources.get(order.drug, "")
            records.append(record)
        if records != protocol.standing_orders:
            changed.append("standing orders")
        protocol.standing_orders = records
    if vital_limits is not None:
        stored = dict(protocol.vital_limits or {})
        limits = [limit.as_record() for limit in vital_limits]
        if limits != stored.get("limits"):
            changed.append("vital-sign limits")
        protocol.vital_limits = stored | {
            "limits": limits,
            "source": stored.get("source") or plan_orders.SOURCE_VITAL_LIMITS,
        }
    if maintenance_policy is not None:
        record = dict(protocol.maintenance or {}) | maintenance.policy_record(
            maintenance_policy
        )
        if record != protocol.maintenance:
            changed.append("maintenance policy")
        protocol.maintenance = record
    summary = f"Changed the protocol {protocol.name}"
    if changed:
        summary += f": {', '.join(changed)} too"
    with transaction.atomic():
        protocol.full_clean()
        protocol.save()
        audit_record(actor=actor, action=Action.UPDATE, obj=protocol, summary=summary)


# --- The order sheet ---------------------------------------------------------------


@dataclass(frozen=True)
class OrderSheet:
    """A signed plan's figures as the order sheet shows them: exact values for
    the arithmetic, rounded values for the nurse (display only)."""

    plan: TreatmentPlan
    dose: dosing.WeightBased
    infusion: dosing.Infusion
    titration: dosing.WeightBased | None

    @property
    def dose_shown(self) -> Decimal:
        return self.dose.shown()

    @property
    def drug_volume_shown(self) -> Decimal:
        return self.infusion.drug_volume_shown()

    @property
    def rate_shown(self) -> Decimal:
        return self.infusion.rate_shown()

    @property
    def total_shown(self) -> Decimal:
        return dosing.DEFAULT_ROUNDING.dose_shown(self.infusion.dose_mg)


def order_sheet(plan: TreatmentPlan) -> OrderSheet:
    """The signed plan's dose and bag, worked out again from what it keeps."""
    limits = dosing.DoseLimits(
        usual_low=plan.usual_low,
        usual_high=plan.usual_high,
        hard_max=plan.hard_max,
        cap=plan.max_dose_mg,
    )
    work = dosing.hourly_rate_mg_per_h if plan.hourly else dosing.dose_mg
    dose = work(plan.amount_per_kg, plan.weight_kg, limits)
    total = (
        dosing.hourly_total_mg(dose, Decimal(plan.minutes))
        if plan.hourly
        else dose.amount
    )
    infusion = dosing.prepare_infusion(
        total,
        vial_mg_per_ml=plan.vial_mg_per_ml,
        bag_volume_ml=plan.bag_volume_ml,
        minutes=Decimal(plan.minutes),
        dose_limit_mg=None if plan.hourly else dose.limit,
    )
    titration = None
    for step in plan.titration:
        titration = work(Decimal(step["amount_per_kg"]), plan.weight_kg, limits)
    return OrderSheet(plan=plan, dose=dose, infusion=infusion, titration=titration)


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"
