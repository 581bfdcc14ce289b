"""Ketamine dosing arithmetic: dosing weight, dose, volumes, pump rates and the dose
actually delivered (CLINICAL.md 1.3 and 7).

Every value is a ``Decimal`` computed exactly from what was typed; nothing is
rounded on the way (CLINICAL.md 7: don't round intermediate values). A page shows
a value through ``RoundingPolicy``: dose to 0.1 mg, drawn volume to 0.01 mL in a
1 mL syringe and 0.1 mL otherwise, pump rate to 0.1 mL/h; a value under a cap is
never shown over it.

Formulas (CLINICAL.md 7):

- dose_mg = mg_per_kg x dosing_weight_kg, then the plan's cap in mg
- drug_volume_mL = dose_mg / vial_concentration_mg_per_mL
- whole bag over T min: rate_mL_per_h = volume_mL x 60 / T
- fixed concentration C mg/mL: rate_mL_per_h = (dose_mg / C) x 60 / T
- weight-based hourly: rate_mg_per_h = mg_per_kg_per_h x kg, then the hourly cap;
  rate_mL_per_h = rate_mg_per_h / C_bag
- delivered = rate x running time; remaining = total - delivered; a pause
  extends the end time

What cannot be given is refused with ``DosingRefused``: its ``refusal`` says
which kind, its ``field`` which input to correct, its message says why in plain
words. The software proposes; a clinician decides and signs (CLINICAL.md,
framing): a dose outside the protocol's usual range is not refused but needs a
named override with a reason (``Dose.needs_override``); only the hard maximum
refuses whatever the override.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NoReturn

from ketaclinic.clinical.body import (
    ADJUSTED_WEIGHT_FACTOR,
    DEFAULT_BODY_LIMITS,
    BodyLimits,
    Sex,
    adjusted_body_weight_kg,
    check_weight_kg,
    ideal_body_weight_kg,
)
from ketaclinic.clinical.rounding import to_step, to_step_within
from ketaclinic.clinical.units import MINUTES_PER_HOUR, duration_of_hours, hours_of

# --- Sources ----------------------------------------------------------------------

SOURCE_FORMULAS = "CLINICAL.md 7: infusion math (formulas)"
SOURCE_ROUNDING = (
    "CLINICAL.md 7: practice notes (GK): don't round intermediate values; dose to "
    "0.1 mg (or 0.5 mg by policy), drawn volume to 0.01 mL with 1 mL syringes "
    "(0.1 mL otherwise), pump rate to 0.1 mL/h"
)
SOURCE_VIALS = (
    "CLINICAL.md 7: Ketalar PI (inpharmd.com summary); openFDA: 10 mg/mL "
    "(200 mg/20 mL), 50 mg/mL (500 mg/10 mL), 100 mg/mL (500 mg/5 mL)"
)
SOURCE_DILUTION = (
    "CLINICAL.md 1.1 and 7: Ketalar PI 2.1/2.3 (100 mg/mL never IV without "
    "dilution; for IV push dilute with an equal volume)"
)
SOURCE_WEIGHT_BASIS = (
    "CLINICAL.md 1.3: actual weight in the papers; ideal (Devine) or adjusted "
    "(IBW + 0.4 x (actual - IBW)) when BMI is high (GK); weigh on infusion day"
)
SOURCE_RESIDUAL = (
    "CLINICAL.md 7: practice notes (GK): program the label volume and record the "
    "residual as waste, or remove an equal volume first"
)

# --- Defaults (CLINICAL.md 7) -----------------------------------------------------

# The strengths of ketamine vials on the market, mg/mL (CLINICAL.md 7).
VIAL_CONCENTRATIONS_MG_PER_ML: tuple[Decimal, ...] = (
    Decimal(10),
    Decimal(50),
    Decimal(100),
)
# A vial this strong or stronger is never given IV undiluted; diluted with at
# least an equal volume (Ketalar PI 2.1/2.3, CLINICAL.md 7).
MUST_DILUTE_FROM_MG_PER_ML = Decimal(100)

# CLINICAL.md 1.3: "weigh the patient on infusion day; a chart weight older than N
# days triggers re-weigh, N set by policy". The default is the infusion day itself.
WEIGHT_MAX_AGE_DEFAULT = timedelta(days=1)

# A typed amount per kg that is over the hard maximum and would fall within the
# usual range if divided by this is reported as a slip of the decimal point.
DECIMAL_SLIP_FACTOR = Decimal(10)


class Refusal(enum.StrEnum):
    """Why a dosing calculation was refused."""

    NO_WEIGHT = "no_weight"
    IMPLAUSIBLE_WEIGHT = "implausible_weight"
    STALE_WEIGHT = "stale_weight"
    WEIGHT_IN_FUTURE = "weight_in_future"
    MISSING_BODY_MEASURE = "missing_body_measure"
    IMPOSSIBLE_DOSE = "impossible_dose"
    DOSE_OVER_MAXIMUM = "dose_over_maximum"
    DOSE_TEN_TIMES_TOO_LARGE = "dose_ten_times_too_large"
    IMPOSSIBLE_CONCENTRATION = "impossible_concentration"
    UNSTOCKED_CONCENTRATION = "unstocked_concentration"
    UNDILUTED = "undiluted"
    IMPOSSIBLE_VOLUME = "impossible_volume"
    IMPOSSIBLE_DURATION = "impossible_duration"
    IMPOSSIBLE_RATE = "impossible_rate"
    IMPOSSIBLE_TIMELINE = "impossible_timeline"


class DosingRefused(ValueError):
    """A calculation that must not be given: ``str(error)`` says why in plain
    words, ``field`` names the input to correct (for a form to show the message
    next to it)."""

    def __init__(self, refusal: Refusal, message: str, *, field: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message
        self.field = field


# --- Rounding for display ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """The steps a page shows values in (CLINICAL.md 7 practice notes, GK)."""

    dose_mg: Decimal = Decimal("0.1")  # a clinic may choose 0.5 mg
    volume_ml: Decimal = Decimal("0.1")
    small_syringe_ml: Decimal = Decimal("1")  # up to this, a 1 mL syringe
    volume_small_syringe_ml: Decimal = Decimal("0.01")
    rate_ml_per_h: Decimal = Decimal("0.1")

    def __post_init__(self) -> None:
        for name in (
            "dose_mg",
            "volume_ml",
            "small_syringe_ml",
            "volume_small_syringe_ml",
            "rate_ml_per_h",
        ):
            value = getattr(self, name)
            if not (isinstance(value, Decimal) and value.is_finite() and value > 0):
                raise ValueError(f"Rounding step {name} must be a positive number.")

    def dose_shown(self, dose_mg: Decimal, limit_mg: Decimal | None = None) -> Decimal:
        return _shown(dose_mg, self.dose_mg, limit_mg)

    def volume_step(self, volume_ml: Decimal) -> Decimal:
        if volume_ml <= self.small_syringe_ml:
            return self.volume_small_syringe_ml
        return self.volume_ml

    def volume_shown(
        self, volume_ml: Decimal, limit_ml: Decimal | None = None
    ) -> Decimal:
        return _shown(volume_ml, self.volume_step(volume_ml), limit_ml)

    def rate_shown(
        self, rate_ml_per_h: Decimal, limit_ml_per_h: Decimal | None = None
    ) -> Decimal:
        return _shown(rate_ml_per_h, self.rate_ml_per_h, limit_ml_per_h)


DEFAULT_ROUNDING = RoundingPolicy()


def _shown(value: Decimal, step: Decimal, limit: Decimal | None) -> Decimal:
    if limit is None:
        return to_step(value, step)
    return to_step_within(value, step, limit)


# --- Dosing weight (CLINICAL.md 1.3) ----------------------------------------------


class WeightBasis(enum.StrEnum):
    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"

    @property
    def label(self) -> str:
        return {
            WeightBasis.ACTUAL: "actual weight",
            WeightBasis.IDEAL: "ideal body weight",
            WeightBasis.ADJUSTED: "adjusted body weight",
        }[self]


@dataclass(frozen=True, slots=True)
class WeightReading:
    """A weight from the chart and when it was measured (aware datetime)."""

    weight_kg: Decimal
    measured_at: datetime


@dataclass(frozen=True, slots=True)
class DosingWeight:
    """The weight the dose uses, with the other two beside it (CLINICAL.md 1.3:
    always show actual, IBW and AdjBW side by side). Ideal and adjusted are None
    when height or sex is not recorded."""

    basis: WeightBasis
    kg: Decimal
    actual_kg: Decimal
    ideal_kg: Decimal | None
    adjusted_kg: Decimal | None
    measured_at: datetime


def dosing_weight(
    basis: WeightBasis,
    reading: WeightReading | None,
    *,
    now: datetime,
    max_age: timedelta = WEIGHT_MAX_AGE_DEFAULT,
    height_cm: Decimal | None = None,
    sex: Sex | None = None,
    adjusted_factor: Decimal = ADJUSTED_WEIGHT_FACTOR,
    body_limits: BodyLimits = DEFAULT_BODY_LIMITS,
) -> DosingWeight:
    """The dosing weight on ``basis`` from a recent chart weight, or a refusal:
    no weight, an implausible one, one older than ``max_age`` at ``now``, or the
    height and sex the ideal and adjusted weights need."""
    basis = WeightBasis(basis)
    if reading is None:
        raise DosingRefused(
            Refusal.NO_WEIGHT,
            "No weight is recorded. Weigh the patient before a dose is worked out.",
            field="weight",
        )
    problem = check_weight_kg(reading.weight_kg, body_limits)
    if problem is not None:
        raise DosingRefused(Refusal.IMPLAUSIBLE_WEIGHT, problem, field="weight")
    if reading.measured_at > now:
        raise DosingRefused(
            Refusal.WEIGHT_IN_FUTURE,
            "The weight is dated later than now. Check the date it was measured.",
            field="weight",
        )
    if now - reading.measured_at > max_age:
        raise DosingRefused(
            Refusal.STALE_WEIGHT,
            f"The last weight is older than {_plain_duration(max_age)}. Weigh the "
            "patient again before a dose is worked out.",
            field="weight",
        )
    ideal_kg = adjusted_kg = None
    if height_cm is not None and sex is not None:
        ideal_kg = ideal_body_weight_kg(height_cm, sex)
        adjusted_kg = adjusted_body_weight_kg(
            reading.weight_kg, ideal_kg, adjusted_factor
        )
    chosen = {
        WeightBasis.ACTUAL: reading.weight_kg,
        WeightBasis.IDEAL: ideal_kg,
        WeightBasis.ADJUSTED: adjusted_kg,
    }[basis]
    if chosen is None:
        raise DosingRefused(
            Refusal.MISSING_BODY_MEASURE,
            f"Dosing on {basis.label} needs the patient's height and sex. Record "
            "them, or dose on actual weight.",
            field="weight_basis",
        )
    return DosingWeight(
        basis=basis,
        kg=chosen,
        actual_kg=reading.weight_kg,
        ideal_kg=ideal_kg,
        adjusted_kg=adjusted_kg,
        measured_at=reading.measured_at,
    )


# --- Dose (CLINICAL.md 7) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoseLimits:
    """A protocol's limits on a weight-based amount, and the plan's cap.

    ``usual_low`` .. ``usual_high`` per kg: outside it a dose needs a named
    override with a reason. ``hard_max`` per kg: refused whatever the override.
    ``cap``: the most the plan allows in absolute terms (mg, or mg/h for an hourly
    rate); a larger result is lowered to it, and the dose says so. Caps are clinic
    policy: no guideline sets one (CLINICAL.md 1.3).
    """

    usual_low: Decimal
    usual_high: Decimal
    hard_max: Decimal
    cap: Decimal | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not all(
            isinstance(value, Decimal) and value.is_finite()
            for value in (self.usual_low, self.usual_high, self.hard_max)
        ):
            raise ValueError("Dose limits must be Decimal numbers.")
        if not 0 < self.usual_low <= self.usual_high <= self.hard_max:
            raise ValueError(
                "Dose limits must be positive, the usual range within the hard maximum."
            )
        if self.cap is not None and not (self.cap.is_finite() and self.cap > 0):
            raise ValueError("A dose cap must be a positive number.")


@dataclass(frozen=True, slots=True)
class Capped:
    """A cap that lowered a result, and why."""

    limit: Decimal
    uncapped: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class WeightBased:
    """An amount per kg times a weight, after the cap. ``amount`` is mg (a dose)
    or mg/h (an hourly rate), exact; ``shown`` for a page."""

    per_kg: Decimal
    weight_kg: Decimal
    amount: Decimal
    capped: Capped | None
    needs_override: str | None  # plain words when outside the usual range
    limit: Decimal  # the most this amount may be: the cap or hard max x weight
    unit: str  # "mg" or "mg/h"

    def shown(self, rounding: RoundingPolicy = DEFAULT_ROUNDING) -> Decimal:
        return rounding.dose_shown(self.amount, self.limit)

    @property
    def arithmetic(self) -> str:
        """The sum in words for an order sheet: 0.5 mg/kg x 70 kg = 35 mg."""
        product = (
            f"{_n(self.per_kg)} {self.unit.replace('mg', 'mg/kg', 1)} x "
            f"{_n(self.weight_kg)} kg = {_n(self.per_kg * self.weight_kg)} {self.unit}"
        )
        if self.capped is None:
            return product
        return f"{product}, lowered to {_n(self.capped.limit)} {self.unit}"


def dose_mg(mg_per_kg: Decimal, weight_kg: Decimal, limits: DoseLimits) -> WeightBased:
    """One infusion's dose in mg: mg/kg x dosing weight, then the plan's cap."""
    return _weight_based(mg_per_kg, weight_kg, limits, unit="mg", field="mg_per_kg")


def hourly_rate_mg_per_h(
    mg_per_kg_per_h: Decimal, weight_kg: Decimal, limits: DoseLimits
) -> WeightBased:
    """A weight-based hourly rate in mg/h: mg/kg/h x kg, then the hourly cap
    (for example 0.35 mg/kg/h, never above 25 mg/h: CLINICAL.md 2.2)."""
    return _weight_based(
        mg_per_kg_per_h, weight_kg, limits, unit="mg/h", field="mg_per_kg_per_h"
    )


def hourly_total_mg(rate: WeightBased, minutes: Decimal) -> Decimal:
    """The drug a weight-based hourly infusion needs in its bag: rate (mg/h) x
    hours (0.35 mg/kg/h x 80 kg, lowered to 25 mg/h, over 4 h: 100 mg)."""
    if rate.unit != "mg/h":
        raise ValueError("An hourly total needs an hourly rate in mg/h.")
    _require_minutes(minutes)
    return rate.amount * minutes / MINUTES_PER_HOUR


def _weight_based(
    per_kg: Decimal, weight_kg: Decimal, limits: DoseLimits, *, unit: str, field: str
) -> WeightBased:
    per_kg_unit = unit.replace("mg", "mg/kg", 1)
    _require_positive(per_kg, "The dose", per_kg_unit, Refusal.IMPOSSIBLE_DOSE, field)
    _require_positive(
        weight_kg, "The dosing weight", "kg", Refusal.IMPLAUSIBLE_WEIGHT, "weight"
    )
    if per_kg > limits.hard_max:
        _refuse_over_maximum(per_kg, limits, per_kg_unit, field)
    needs_override = None
    if not limits.usual_low <= per_kg <= limits.usual_high:
        needs_override = (
            f"{_n(per_kg)} {per_kg_unit} is outside the protocol's usual range of "
            f"{_n(limits.usual_low)} to {_n(limits.usual_high)} {per_kg_unit}. Give a "
            "reason to override."
        )
    uncapped = per_kg * weight_kg
    hard_max_amount = limits.hard_max * weight_kg
    limit = hard_max_amount if limits.cap is None else min(limits.cap, hard_max_amount)
    capped = None
    amount = uncapped
    if limits.cap is not None and uncapped > limits.cap:
        amount = limits.cap
        capped = Capped(
            limit=limits.cap,
            uncapped=uncapped,
            reason=(
                f"{_n(per_kg)} {per_kg_unit} x {_n(weight_kg)} kg would be "
                f"{_n(uncapped)} {unit}, more than the plan's maximum of "
                f"{_n(limits.cap)} {unit}: lowered to the maximum."
            ),
        )
    return WeightBased(
        per_kg=per_kg,
        weight_kg=weight_kg,
        amount=amount,
        capped=capped,
        needs_override=needs_override,
        limit=limit,
        unit=unit,
    )


def _refuse_over_maximum(
    per_kg: Decimal, limits: DoseLimits, unit: str, field: str
) -> NoReturn:
    over = (
        f"{_n(per_kg)} {unit} is over the maximum of {_n(limits.hard_max)} {unit}, "
        "which no override passes."
    )
    tenth = per_kg / DECIMAL_SLIP_FACTOR
    if limits.usual_low <= tenth <= limits.usual_high:
        raise DosingRefused(
            Refusal.DOSE_TEN_TIMES_TOO_LARGE,
            f"{over} It is ten times {_n(tenth)} {unit}: check the decimal point.",
            field=field,
        )
    raise DosingRefused(Refusal.DOSE_OVER_MAXIMUM, over, field=field)


# --- Volumes (CLINICAL.md 7) ------------------------------------------------------


def drug_volume_ml(dose_mg: Decimal, vial_mg_per_ml: Decimal) -> Decimal:
    """The volume of drug to draw: dose / vial concentration."""
    _require_concentration(vial_mg_per_ml, "vial_concentration")
    _require_positive(dose_mg, "The dose", "mg", Refusal.IMPOSSIBLE_DOSE, "dose")
    return dose_mg / vial_mg_per_ml


def check_vial_concentration(
    vial_mg_per_ml: Decimal,
    stocked: Sequence[Decimal] = VIAL_CONCENTRATIONS_MG_PER_ML,
) -> None:
    """Refuse a vial strength that is impossible or not one the clinic stocks."""
    _require_concentration(vial_mg_per_ml, "vial_concentration")
    if vial_mg_per_ml not in stocked:
        strengths = ", ".join(f"{_n(value)}" for value in stocked)
        raise DosingRefused(
            Refusal.UNSTOCKED_CONCENTRATION,
            f"Ketamine vials come in {strengths} mg/mL, not "
            f"{_n(vial_mg_per_ml)} mg/mL.",
            field="vial_concentration",
        )


class ResidualPractice(enum.StrEnum):
    """How a bag's extra volume (the drug added to the label volume) is handled
    (CLINICAL.md 7 practice notes, GK)."""

    # Program the label volume; what stays in the bag is recorded as waste.
    PROGRAM_LABEL_VOLUME = "program_label_volume"
    # Take out as much diluent as the drug added, then program the label volume.
    WITHDRAW_EQUAL_VOLUME = "withdraw_equal_volume"

    @property
    def label(self) -> str:
        return {
            ResidualPractice.PROGRAM_LABEL_VOLUME: (
                "program the bag's label volume; record what is left as waste"
            ),
            ResidualPractice.WITHDRAW_EQUAL_VOLUME: (
                "take out as much diluent as the drug adds, then program the "
                "label volume"
            ),
        }[self]


@dataclass(frozen=True, slots=True)
class Infusion:
    """A prepared infusion: what to draw, what the bag holds, how to run the pump.

    With no bag (``bag_volume_ml`` 0) the drug runs undiluted from a syringe.
    ``expected_residual_mg`` stays in the bag when the label volume is programmed
    (waste to record); ``planned_mg`` is what the pump gives (dose - residual).
    """

    dose_mg: Decimal
    dose_limit_mg: Decimal | None  # the cap or hard maximum: never shown over it
    vial_mg_per_ml: Decimal
    drug_volume_ml: Decimal
    bag_volume_ml: Decimal
    withdrawn_ml: Decimal
    total_volume_ml: Decimal
    concentration_mg_per_ml: Decimal
    vtbi_ml: Decimal  # volume to be infused, as programmed
    minutes: Decimal
    rate_ml_per_h: Decimal
    practice: ResidualPractice

    @property
    def expected_residual_ml(self) -> Decimal:
        return self.total_volume_ml - self.vtbi_ml

    @property
    def expected_residual_mg(self) -> Decimal:
        return self.expected_residual_ml * self.concentration_mg_per_ml

    @property
    def planned_mg(self) -> Decimal:
        return self.vtbi_ml * self.concentration_mg_per_ml

    def drug_volume_shown(self, rounding: RoundingPolicy = DEFAULT_ROUNDING) -> Decimal:
        limit_ml = None
        if self.dose_limit_mg is not None:
            limit_ml = self.dose_limit_mg / self.vial_mg_per_ml
        return rounding.volume_shown(self.drug_volume_ml, limit_ml)

    def rate_shown(self, rounding: RoundingPolicy = DEFAULT_ROUNDING) -> Decimal:
        return rounding.rate_shown(self.rate_ml_per_h)


def prepare_infusion(
    dose_mg: Decimal,
    *,
    vial_mg_per_ml: Decimal,
    bag_volume_ml: Decimal,
    minutes: Decimal,
    practice: ResidualPractice = ResidualPractice.PROGRAM_LABEL_VOLUME,
    dose_limit_mg: Decimal | None = None,
    stocked: Sequence[Decimal] = VIAL_CONCENTRATIONS_MG_PER_ML,
) -> Infusion:
    """Draw ``dose_mg`` from a vial into a bag of ``bag_volume_ml`` (label
    volume) and run it over ``minutes``: volumes, bag concentration and pump rate.

    Refuses an impossible or unstocked vial, a negative bag, a duration of 0 and
    a 100 mg/mL vial given undiluted or diluted with less than an equal volume.
    """
    check_vial_concentration(vial_mg_per_ml, stocked)
    drawn_ml = drug_volume_ml(dose_mg, vial_mg_per_ml)
    _require_volume(bag_volume_ml)
    _require_minutes(minutes)
    practice = ResidualPractice(practice)
    withdrawn_ml = Decimal(0)
    if practice is ResidualPractice.WITHDRAW_EQUAL_VOLUME and bag_volume_ml > 0:
        if drawn_ml > bag_volume_ml:
            raise DosingRefused(
                Refusal.IMPOSSIBLE_VOLUME,
                f"The bag holds {_n(bag_volume_ml)} mL, less than the "
                f"{_n(drawn_ml)} mL of drug to replace. Use a larger bag.",
                field="bag_volume",
            )
        withdrawn_ml = drawn_ml
    total_ml = bag_volume_ml - withdrawn_ml + drawn_ml
    diluent_ml = total_ml - drawn_ml
    if vial_mg_per_ml >= MUST_DILUTE_FROM_MG_PER_ML and diluent_ml < drawn_ml:
        raise DosingRefused(
            Refusal.UNDILUTED,
            f"Ketamine {_n(vial_mg_per_ml)} mg/mL is never given into a vein "
            "undiluted: dilute it with at least an equal volume, or use a weaker "
            "vial.",
            field="vial_concentration",
        )
    # No bag: the syringe is the whole volume, and the pump gives all of it.
    vtbi_ml = total_ml if bag_volume_ml == 0 else bag_volume_ml
    return Infusion(
        dose_mg=dose_mg,
        dose_limit_mg=dose_limit_mg,
        vial_mg_per_ml=vial_mg_per_ml,
        drug_volume_ml=drawn_ml,
        bag_volume_ml=bag_volume_ml,
        withdrawn_ml=withdrawn_ml,
        total_volume_ml=total_ml,
        concentration_mg_per_ml=dose_mg / total_ml,
        vtbi_ml=vtbi_ml,
        minutes=minutes,
        rate_ml_per_h=rate_whole_bag_ml_per_h(vtbi_ml, minutes),
        practice=practice,
    )


# --- Pump rates (CLINICAL.md 7) ---------------------------------------------------


def rate_whole_bag_ml_per_h(volume_ml: Decimal, minutes: Decimal) -> Decimal:
    """A whole bag over T minutes: volume x 60 / T (100 mL over 40 min is
    150 mL/h, whatever the weight)."""
    _require_volume(volume_ml)
    _require_minutes(minutes)
    return volume_ml * MINUTES_PER_HOUR / minutes


def rate_fixed_concentration_ml_per_h(
    dose_mg: Decimal, concentration_mg_per_ml: Decimal, minutes: Decimal
) -> Decimal:
    """A dose from a fixed concentration C over T minutes: (dose / C) x 60 / T."""
    _require_concentration(concentration_mg_per_ml, "concentration")
    _require_positive(dose_mg, "The dose", "mg", Refusal.IMPOSSIBLE_DOSE, "dose")
    _require_minutes(minutes)
    return dose_mg / concentration_mg_per_ml * MINUTES_PER_HOUR / minutes


def rate_ml_per_h_for_mg_per_h(
    rate_mg_per_h: Decimal, concentration_mg_per_ml: Decimal
) -> Decimal:
    """An hourly rate in mg/h as mL/h of a bag of C mg/mL: rate / C."""
    _require_concentration(concentration_mg_per_ml, "concentration")
    _require_positive(
        rate_mg_per_h, "The hourly rate", "mg/h", Refusal.IMPOSSIBLE_RATE, "rate"
    )
    return rate_mg_per_h / concentration_mg_per_ml


# --- What the pump delivered ------------------------------------------------------


class PumpAction(enum.StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE_CHANGE = "rate_change"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class PumpEvent:
    """What a nurse did at the pump, and when (aware datetime). START and
    RATE_CHANGE carry the new rate in mL/h; RESUME may (else the last rate)."""

    at: datetime
    action: PumpAction
    rate_ml_per_h: Decimal | None = None


class PumpState(enum.StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETE = "complete"  # the volume to be infused is in


@dataclass(frozen=True, slots=True)
class Delivery:
    """The infusion so far, exact. ``expected_end``: when the remaining volume
    will be in at the current rate; while paused, if resumed now (every pause
    moves it later). None when stopped, complete or not started."""

    state: PumpState
    delivered_ml: Decimal
    delivered_mg: Decimal
    remaining_ml: Decimal
    remaining_mg: Decimal
    running: timedelta
    paused: timedelta
    expected_end: datetime | None
    completed_at: datetime | None


def delivered(
    events: Sequence[PumpEvent],
    *,
    concentration_mg_per_ml: Decimal,
    vtbi_ml: Decimal,
    at: datetime,
) -> Delivery:
    """The dose delivered by ``at`` from the pump's starts, pauses, rate changes
    and stops (rate x running time, never more than the volume to be infused)."""
    _require_concentration(concentration_mg_per_ml, "concentration")
    _require_volume(vtbi_ml)
    state = PumpState.NOT_STARTED
    rate = Decimal(0)
    given_ml = Decimal(0)
    running = paused = timedelta(0)
    completed_at: datetime | None = None
    since: datetime | None = None  # when the current state began
    for event in _checked(events, at):
        if since is not None:
            span = event.at - since
            if state is PumpState.RUNNING:
                given_ml, running, completed_at = _run(
                    given_ml, vtbi_ml, rate, since, span, running
                )
                if completed_at is not None:
                    state = PumpState.COMPLETE
            elif state is PumpState.PAUSED:
                paused += span
        since = event.at
        state, rate = _apply(state, rate, event)
    if since is not None:
        span = at - since
        if state is PumpState.RUNNING:
            given_ml, running, completed_at = _run(
                given_ml, vtbi_ml, rate, since, span, running
            )
            if completed_at is not None:
                state = PumpState.COMPLETE
        elif state is PumpState.PAUSED:
            paused += span
    remaining_ml = vtbi_ml - given_ml
    expected_end = None
    if state in (PumpState.RUNNING, PumpState.PAUSED) and rate > 0:
        expected_end = at + duration_of_hours(remaining_ml / rate)
    return Delivery(
        state=state,
        delivered_ml=given_ml,
        delivered_mg=given_ml * concentration_mg_per_ml,
        remaining_ml=remaining_ml,
        remaining_mg=remaining_ml * concentration_mg_per_ml,
        running=running,
        paused=paused,
        expected_end=expected_end,
        completed_at=completed_at,
    )


def _run(
    given_ml: Decimal,
    vtbi_ml: Decimal,
    rate: Decimal,
    since: datetime,
    span: timedelta,
    running: timedelta,
) -> tuple[Decimal, timedelta, datetime | None]:
    """Run at ``rate`` for ``span``; stop when the volume to be infused is in."""
    left_ml = vtbi_ml - given_ml
    volume_ml = rate * hours_of(span)
    if volume_ml < left_ml:
        return given_ml + volume_ml, running + span, None
    to_finish = duration_of_hours(left_ml / rate)
    return vtbi_ml, running + min(to_finish, span), since + min(to_finish, span)


_ALLOWED = {
    PumpAction.START: {PumpState.NOT_STARTED},
    PumpAction.PAUSE: {PumpState.RUNNING},
    PumpAction.RESUME: {PumpState.PAUSED},
    PumpAction.RATE_CHANGE: {PumpState.RUNNING, PumpState.PAUSED},
    PumpAction.STOP: {PumpState.RUNNING, PumpState.PAUSED},
}
_ACTION_WORDS = {
    PumpAction.START: "started",
    PumpAction.PAUSE: "paused",
    PumpAction.RESUME: "resumed",
    PumpAction.RATE_CHANGE: "given a new rate",
    PumpAction.STOP: "stopped",
}
_STATE_WORDS = {
    PumpState.NOT_STARTED: "before it was started",
    PumpState.RUNNING: "while it was running",
    PumpState.PAUSED: "while it was paused",
    PumpState.STOPPED: "after it was stopped",
}


def _apply(
    state: PumpState, rate: Decimal, event: PumpEvent
) -> tuple[PumpState, Decimal]:
    if state is PumpState.COMPLETE:
        # The pump stops by itself when the volume is in; later presses change
        # nothing.
        return state, rate
    if state not in _ALLOWED[event.action]:
        raise DosingRefused(
            Refusal.IMPOSSIBLE_TIMELINE,
            f"The pump cannot be {_ACTION_WORDS[event.action]} {_STATE_WORDS[state]}.",
            field="timeline",
        )
    new_rate = rate if event.rate_ml_per_h is None else event.rate_ml_per_h
    if event.action in (PumpAction.START, PumpAction.RATE_CHANGE, PumpAction.RESUME):
        _require_positive(
            new_rate, "The pump rate", "mL/h", Refusal.IMPOSSIBLE_RATE, "rate"
        )
    next_state = {
        PumpAction.START: PumpState.RUNNING,
        PumpAction.PAUSE: PumpState.PAUSED,
        PumpAction.RESUME: PumpState.RUNNING,
        PumpAction.RATE_CHANGE: state,
        PumpAction.STOP: PumpState.STOPPED,
    }[event.action]
    return next_state, new_rate


def _checked(events: Sequence[PumpEvent], at: datetime) -> Sequence[PumpEvent]:
    previous: datetime | None = None
    for event in events:
        if previous is not None and event.at < previous:
            raise DosingRefused(
                Refusal.IMPOSSIBLE_TIMELINE,
                "The pump events are not in the order they happened.",
                field="timeline",
            )
        previous = event.at
    if previous is not None and at < previous:
        raise DosingRefused(
            Refusal.IMPOSSIBLE_TIMELINE,
            "The time asked about is before the last pump event.",
            field="timeline",
        )
    return events


# --- Checks -----------------------------------------------------------------------


def _require_positive(
    value: Decimal, name: str, unit: str, refusal: Refusal, field: str
) -> None:
    if not (isinstance(value, Decimal) and value.is_finite() and value > 0):
        raise DosingRefused(
            refusal, f"{name} must be more than 0 {unit}, not {value}.", field=field
        )


def _require_concentration(value: Decimal, field: str) -> None:
    _require_positive(
        value,
        "A concentration",
        "mg/mL",
        Refusal.IMPOSSIBLE_CONCENTRATION,
        field,
    )


def _require_volume(value: Decimal) -> None:
    if not (isinstance(value, Decimal) and value.is_finite() and value >= 0):
        raise DosingRefused(
            Refusal.IMPOSSIBLE_VOLUME,
            f"A bag's volume must be 0 mL or more, not {value} mL.",
            field="bag_volume",
        )


def _require_minutes(value: Decimal) -> None:
    _require_positive(
        value, "The duration", "minutes", Refusal.IMPOSSIBLE_DURATION, "duration"
    )


def _n(value: Decimal) -> str:
    """A number for a message, without trailing zeros: 35, not 35.0."""
    return f"{value.normalize():f}"


def _plain_duration(duration: timedelta) -> str:
    hours = duration // timedelta(hours=1)
    if duration == timedelta(days=1):
        return "a day"
    if duration % timedelta(days=1) == timedelta(0):
        return f"{duration.days} days"
    if duration % timedelta(hours=1) == timedelta(0):
        return f"{hours} hours" if hours != 1 else "an hour"
    return f"{int(hours_of(duration) * MINUTES_PER_HOUR)} minutes"


__all__ = [
    "DECIMAL_SLIP_FACTOR",
    "DEFAULT_ROUNDING",
    "MUST_DILUTE_FROM_MG_PER_ML",
    "VIAL_CONCENTRATIONS_MG_PER_ML",
    "WEIGHT_MAX_AGE_DEFAULT",
    "Capped",
    "Delivery",
    "DoseLimits",
    "DosingRefused",
    "DosingWeight",
    "Infusion",
    "PumpAction",
    "PumpEvent",
    "PumpState",
    "Refusal",
    "ResidualPractice",
    "RoundingPolicy",
    "WeightBased",
    "WeightBasis",
    "WeightReading",
    "check_vial_concentration",
    "delivered",
    "dose_mg",
    "dosing_weight",
    "drug_volume_ml",
    "hourly_rate_mg_per_h",
    "hourly_total_mg",
    "prepare_infusion",
    "rate_fixed_concentration_ml_per_h",
    "rate_ml_per_h_for_mg_per_h",
    "rate_whole_bag_ml_per_h",
]
