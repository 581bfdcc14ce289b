"""Body measures for dosing: BMI and the three dosing weights (CLINICAL.md 1.3).

Weights are in kg, heights in cm, all as Decimal. Results are never rounded: a
dose computed from an ideal or adjusted weight starts from the exact value
(CLINICAL.md 7: don't round intermediate values). ``for_display`` rounds half up
to 0.1 (kg, or kg/m2 for BMI), the precision a clinic scale and a chart show, and
only a page calls it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

# A rounded ideal weight would carry its error into the adjusted weight and the
# dose: only a page rounds, through for_display.
from ketaclinic.clinical.rounding import for_display

CM_PER_INCH = Decimal("2.54")

# Devine ideal body weight, CLINICAL.md 1.3 (GK): a base weight at 60 inches, plus
# 2.3 kg per inch above it.
DEVINE_BASE_HEIGHT_IN = Decimal("60")
DEVINE_BASE_MALE_KG = Decimal("50")
DEVINE_BASE_FEMALE_KG = Decimal("45.5")
DEVINE_KG_PER_INCH = Decimal("2.3")

# Adjusted body weight = IBW + 0.4 x (actual - IBW), CLINICAL.md 1.3 (GK).
ADJUSTED_WEIGHT_FACTOR = Decimal("0.4")


class Sex(enum.StrEnum):
    """The sex the Devine formula distinguishes."""

    MALE = "male"
    FEMALE = "female"


_DEVINE_BASE_KG = {Sex.MALE: DEVINE_BASE_MALE_KG, Sex.FEMALE: DEVINE_BASE_FEMALE_KG}


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """Plausible ranges for a weight or height typed into a form, bounds included.

    These are data-entry plausibility bounds that catch typing mistakes (a height in
    metres, a weight in pounds); they are not clinical thresholds and come from no
    clinical source. A clinic may widen or narrow them.
    """

    min_weight_kg: Decimal = Decimal("2")
    max_weight_kg: Decimal = Decimal("400")
    min_height_cm: Decimal = Decimal("50")
    max_height_cm: Decimal = Decimal("250")

    def __post_init__(self) -> None:
        if not 0 < self.min_weight_kg < self.max_weight_kg:
            raise ValueError("Weight limits must be positive, minimum below maximum.")
        if not 0 < self.min_height_cm < self.max_height_cm:
            raise ValueError("Height limits must be positive, minimum below maximum.")


DEFAULT_BODY_LIMITS = BodyLimits()


@dataclass(frozen=True, slots=True)
class DosingWeights:
    """The weights a chart shows side by side (CLINICAL.md 1.3 design rule)."""

    actual_kg: Decimal
    ideal_kg: Decimal | None  # None when sex is not recorded: Devine needs it
    adjusted_kg: Decimal | None
    bmi: Decimal  # kg/m2

    # Rounded to 0.1 for a page to show; every use but showing takes the values above.
    @property
    def ideal_kg_shown(self) -> Decimal | None:
        return None if self.ideal_kg is None else for_display(self.ideal_kg)

    @property
    def adjusted_kg_shown(self) -> Decimal | None:
        return None if self.adjusted_kg is None else for_display(self.adjusted_kg)

    @property
    def bmi_shown(self) -> Decimal:
        return for_display(self.bmi)


def check_weight_kg(
    value: Decimal, limits: BodyLimits = DEFAULT_BODY_LIMITS
) -> str | None:
    """Return None when a typed weight is plausible, else a message for the form."""
    if _is_between(value, limits.min_weight_kg, limits.max_weight_kg):
        return None
    return (
        f"Weight must be between {limits.min_weight_kg:f} and "
        f"{limits.max_weight_kg:f} kg."
    )


def check_height_cm(
    value: Decimal, limits: BodyLimits = DEFAULT_BODY_LIMITS
) -> str | None:
    """Return None when a typed height is plausible, else a message for the form."""
    if _is_between(value, limits.min_height_cm, limits.max_height_cm):
        return None
    return (
        f"Height must be between {limits.min_height_cm:f} and "
        f"{limits.max_height_cm:f} cm."
    )


def bmi(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """Body mass index in kg/m2: weight over height in metres squared, unrounded."""
    _require_positive("Weight", weight_kg, "kg")
    _require_positive("Height", height_cm, "cm")
    height_m = height_cm / 100
    return weight_kg / (height_m * height_m)


def ideal_body_weight_kg(height_cm: Decimal, sex: Sex) -> Decimal:
    """Devine ideal body weight in kg, unrounded (CLINICAL.md 1.3, GK).

    Male 50 kg, female 45.5 kg, plus 2.3 kg per inch over 60 inches (152.4 cm). At
    or under 60 inches the formula gives no extra, so the result is the base value
    (50 or 45.5 kg); it is never extrapolated below it.
    """
    _require_positive("Height", height_cm, "cm")
    # Sex(sex) also takes the stored string ("male") and refuses any other value.
    base_kg = _DEVINE_BASE_KG[Sex(sex)]
    inches_over_base = max(height_cm / CM_PER_INCH - DEVINE_BASE_HEIGHT_IN, 0)
    return base_kg + DEVINE_KG_PER_INCH * inches_over_base


def adjusted_body_weight_kg(
    actual_kg: Decimal, ideal_kg: Decimal, factor: Decimal = ADJUSTED_WEIGHT_FACTOR
) -> Decimal:
    """Adjusted body weight in kg, unrounded: IBW + factor x (actual - IBW).

    CLINICAL.md 1.3 (GK), factor 0.4 by default, between 0 and 1. The result lies
    between the ideal and the actual weight; below ideal when the patient is.
    """
    _require_positive("Actual weight", actual_kg, "kg")
    _require_positive("Ideal weight", ideal_kg, "kg")
    if not 0 <= factor <= 1:
        raise ValueError(
            f"The adjustment factor must be between 0 and 1, not {factor}."
        )
    return ideal_kg + factor * (actual_kg - ideal_kg)


def dosing_weights(
    weight_kg: Decimal,
    height_cm: Decimal,
    sex: Sex | None,
    *,
    adjusted_factor: Decimal = ADJUSTED_WEIGHT_FACTOR,
) -> DosingWeights:
    """Actual, ideal and adjusted weight and BMI, for the chart to show together.

    With no sex recorded, ideal and adjusted weight are None rather than a guess.
    """
    body_mass_index = bmi(weight_kg, height_cm)
    if sex is None:
        return DosingWeights(weight_kg, None, None, body_mass_index)
    ideal_kg = ideal_body_weight_kg(height_cm, sex)
    return DosingWeights(
        actual_kg=weight_kg,
        ideal_kg=ideal_kg,
        adjusted_kg=adjusted_body_weight_kg(weight_kg, ideal_kg, adjusted_factor),
        bmi=body_mass_index,
    )


def _is_between(value: Decimal, low: Decimal, high: Decimal) -> bool:
    return value.is_finite() and low <= value <= high


def _require_positive(name: str, value: Decimal, unit: str) -> None:
    if not isinstance(value, Decimal):
        # A float would carry binary rounding error into the result.
        raise TypeError(f"{name} must be a Decimal in {unit}, not {type(value)!r}.")
    if not (value.is_finite() and value > 0):
        raise ValueError(f"{name} must be a positive number of {unit}, not {value}.")
