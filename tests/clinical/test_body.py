"""Body measures: worked examples computed by hand, refusals, and properties."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical.body import (
    DEFAULT_BODY_LIMITS,
    BodyLimits,
    DosingWeights,
    Sex,
    adjusted_body_weight_kg,
    bmi,
    check_height_cm,
    check_weight_kg,
    dosing_weights,
    for_display,
    ideal_body_weight_kg,
)

D = Decimal

# Weights and heights as a scale and a stadiometer give them: to 0.1.
weights_kg = st.decimals(min_value=D("2"), max_value=D("400"), places=1)
heights_cm = st.decimals(min_value=D("50"), max_value=D("250"), places=1)
sexes = st.sampled_from(Sex)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "expected"),
    [
        ("70", "175", "22.9"),  # 70 / 1.75^2 = 22.857
        ("120", "180", "37.0"),  # 120 / 3.24 = 37.037
        ("50", "160", "19.5"),  # 50 / 2.56 = 19.531
        ("100", "150", "44.4"),  # 100 / 2.25 = 44.444
        ("89.8", "200", "22.5"),  # 89.8 / 4 = 22.45 exactly: half up, not half even
        ("90.2", "200", "22.6"),  # 90.2 / 4 = 22.55 exactly
    ],
)
def test_it_shows_bmi_to_a_tenth(weight_kg: str, height_cm: str, expected: str) -> None:
    assert for_display(bmi(D(weight_kg), D(height_cm))) == D(expected)


@pytest.mark.parametrize(
    ("height_cm", "sex", "expected"),
    [
        # 180 cm = 70.866 in: 50 + 2.3 x 10.866 = 74.992
        ("180", Sex.MALE, "75.0"),
        # 160 cm = 62.992 in: 45.5 + 2.3 x 2.992 = 52.382
        ("160", Sex.FEMALE, "52.4"),
        # 160 cm: 50 + 2.3 x 2.992 = 56.882
        ("160", Sex.MALE, "56.9"),
        # 180 cm: 45.5 + 2.3 x 10.866 = 70.492
        ("180", Sex.FEMALE, "70.5"),
        # 152.4 cm is exactly 60 in: the base value
        ("152.4", Sex.MALE, "50.0"),
        ("152.4", Sex.FEMALE, "45.5"),
        # under 60 in the base value too, never less
        ("140", Sex.MALE, "50.0"),
        ("140", Sex.FEMALE, "45.5"),
    ],
)
def test_it_computes_devine_ideal_body_weight(
    height_cm: str, sex: Sex, expected: str
) -> None:
    assert for_display(ideal_body_weight_kg(D(height_cm), sex)) == D(expected)


def test_it_takes_sex_as_stored_text_and_refuses_other_values() -> None:
    assert for_display(ideal_body_weight_kg(D("180"), "male")) == D("75.0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not a valid Sex"):
        ideal_body_weight_kg(D("180"), "M")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("actual_kg", "ideal_kg", "factor", "expected"),
    [
        ("100", "70", "0.4", "82.0"),  # 70 + 0.4 x 30
        ("120", "75.0", "0.4", "93.0"),  # 75 + 0.4 x 45
        ("60", "75", "0.4", "69.0"),  # under ideal: 75 + 0.4 x -15
        ("100", "70", "0", "70.0"),
        ("100", "70", "1", "100.0"),
        ("80.5", "70.4", "0.4", "74.4"),  # 70.4 + 4.04 = 74.44
    ],
)
def test_it_computes_adjusted_body_weight(
    actual_kg: str, ideal_kg: str, factor: str, expected: str
) -> None:
    result = adjusted_body_weight_kg(D(actual_kg), D(ideal_kg), D(factor))
    assert for_display(result) == D(expected)


def test_it_uses_a_factor_of_0_4_by_default() -> None:
    assert adjusted_body_weight_kg(D("100"), D("70")) == D("82.0")


def test_it_gathers_the_dosing_weights_side_by_side() -> None:
    weights = dosing_weights(D("120"), D("180"), Sex.MALE)
    assert isinstance(weights, DosingWeights)
    assert (
        weights.actual_kg,
        weights.ideal_kg_shown,
        weights.adjusted_kg_shown,
        weights.bmi_shown,
    ) == (D("120"), D("75.0"), D("93.0"), D("37.0"))


def test_it_passes_the_adjustment_factor_through() -> None:
    weights = dosing_weights(D("120"), D("180"), Sex.MALE, adjusted_factor=D("0.5"))
    assert weights.adjusted_kg_shown == D("97.5")  # 75 + 0.5 x 45


def test_the_adjusted_weight_starts_from_the_exact_ideal_weight() -> None:
    # 154 cm male: IBW 51.4488 kg; AdjBW at 70 kg = 51.4488 + 0.4 x 18.5512 =
    # 58.869 kg, shown 58.9. From an IBW rounded to 51.4 first it would read 58.8.
    weights = dosing_weights(D("70"), D("154"), Sex.MALE)
    assert weights.ideal_kg_shown == D("51.4")
    assert weights.adjusted_kg_shown == D("58.9")
    assert weights.ideal_kg is not None and weights.ideal_kg != D("51.4")


@pytest.mark.parametrize("bad", ["0", "-70", "NaN", "Infinity", "-0"])
def test_it_refuses_a_weight_or_height_that_is_not_positive(bad: str) -> None:
    with pytest.raises(ValueError, match="Weight must be a positive number of kg"):
        bmi(D(bad), D("175"))
    with pytest.raises(ValueError, match="Height must be a positive number of cm"):
        bmi(D("70"), D(bad))
    with pytest.raises(ValueError, match="Height must be a positive number of cm"):
        ideal_body_weight_kg(D(bad), Sex.FEMALE)
    with pytest.raises(ValueError, match="Actual weight must be a positive"):
        adjusted_body_weight_kg(D(bad), D("70"))
    with pytest.raises(ValueError, match="Ideal weight must be a positive"):
        adjusted_body_weight_kg(D("70"), D(bad))


def test_it_refuses_a_float() -> None:
    with pytest.raises(TypeError, match="Weight must be a Decimal in kg"):
        bmi(70.0, D("175"))  # type: ignore[arg-type]


@pytest.mark.parametrize("factor", ["-0.1", "1.1"])
def test_it_refuses_an_adjustment_factor_outside_0_to_1(factor: str) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjusted_body_weight_kg(D("100"), D("70"), D(factor))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", None),
        ("70.5", None),
        ("400", None),
        ("1.9", "Weight must be between 2 and 400 kg."),
        ("400.1", "Weight must be between 2 and 400 kg."),
        ("0", "Weight must be between 2 and 400 kg."),
        ("NaN", "Weight must be between 2 and 400 kg."),
    ],
)
def test_it_checks_a_typed_weight(value: str, expected: str | None) -> None:
    assert check_weight_kg(D(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", None),
        ("175", None),
        ("250", None),
        ("49.9", "Height must be between 50 and 250 cm."),
        ("1.75", "Height must be between 50 and 250 cm."),  # metres, not cm
        ("250.1", "Height must be between 50 and 250 cm."),
    ],
)
def test_it_checks_a_typed_height(value: str, expected: str | None) -> None:
    assert check_height_cm(D(value)) == expected


def test_it_checks_against_a_clinics_own_limits() -> None:
    limits = BodyLimits(min_weight_kg=D("30"), max_height_cm=D("220"))
    assert check_weight_kg(D("25"), limits) == "Weight must be between 30 and 400 kg."
    assert check_weight_kg(D("25")) is None
    assert check_height_cm(D("230"), limits) == "Height must be between 50 and 220 cm."


@pytest.mark.parametrize(
    "limits",
    [
        {"min_weight_kg": D("400")},
        {"min_weight_kg": D("0")},
        {"min_height_cm": D("300")},
        {"min_height_cm": D("-1")},
    ],
)
def test_it_refuses_limits_that_admit_nothing(limits: dict[str, Decimal]) -> None:
    with pytest.raises(ValueError, match="limits must be positive"):
        BodyLimits(**limits)


def test_its_default_limits_are_2_to_400_kg_and_50_to_250_cm() -> None:
    limits = DEFAULT_BODY_LIMITS
    assert (limits.min_weight_kg, limits.max_weight_kg) == (D("2"), D("400"))
    assert (limits.min_height_cm, limits.max_height_cm) == (D("50"), D("250"))


@given(height_cm=heights_cm, a_kg=weights_kg, b_kg=weights_kg)
def test_it_never_lowers_bmi_when_weight_rises(
    height_cm: Decimal, a_kg: Decimal, b_kg: Decimal
) -> None:
    lighter, heavier = sorted((a_kg, b_kg))
    assert bmi(lighter, height_cm) <= bmi(heavier, height_cm)


def exact_half_up_tenth(value: Fraction) -> Decimal:
    """Half up (away from zero) to 0.1, in exact rational arithmetic."""
    tenths = abs(value) * 10
    rounded = math.floor(tenths + Fraction(1, 2))
    return D(rounded if value >= 0 else -rounded) / 10


# Within this of the exact rational value: only the 28-digit precision of a
# Decimal division separates them, never a rounding to 0.1.
NEAR = Fraction(1, 10**20)


@given(weight_kg=weights_kg, height_cm=heights_cm)
def test_bmi_is_exact_and_rounded_only_for_display(
    weight_kg: Decimal, height_cm: Decimal
) -> None:
    exact = Fraction(weight_kg) / (Fraction(height_cm) / 100) ** 2
    result = bmi(weight_kg, height_cm)
    assert abs(Fraction(result) - exact) < NEAR
    assert for_display(result) == exact_half_up_tenth(exact)


@given(actual_kg=weights_kg, height_cm=heights_cm, sex=sexes)
def test_ideal_and_adjusted_weights_are_exact_and_rounded_only_for_display(
    actual_kg: Decimal, height_cm: Decimal, sex: Sex
) -> None:
    base = Fraction(50) if sex is Sex.MALE else Fraction(91, 2)
    inches = Fraction(height_cm) / Fraction(254, 100)
    ideal = base + Fraction(23, 10) * max(inches - 60, Fraction(0))
    adjusted = ideal + Fraction(2, 5) * (Fraction(actual_kg) - ideal)
    weights = dosing_weights(actual_kg, height_cm, sex)
    assert weights.ideal_kg is not None and weights.adjusted_kg is not None
    assert abs(Fraction(weights.ideal_kg) - ideal) < NEAR
    assert abs(Fraction(weights.adjusted_kg) - adjusted) < NEAR
    assert weights.ideal_kg_shown == exact_half_up_tenth(ideal)
    assert weights.adjusted_kg_shown == exact_half_up_tenth(adjusted)


@given(sex=sexes, a_cm=heights_cm, b_cm=heights_cm)
def test_it_never_lowers_ideal_weight_when_height_rises(
    sex: Sex, a_cm: Decimal, b_cm: Decimal
) -> None:
    shorter, taller = sorted((a_cm, b_cm))
    assert ideal_body_weight_kg(shorter, sex) <= ideal_body_weight_kg(taller, sex)


@given(height_cm=heights_cm)
def test_it_puts_male_ideal_weight_4_5_kg_above_female(height_cm: Decimal) -> None:
    # The Devine bases differ by 50 - 45.5 kg and the slope is shared.
    male_kg = ideal_body_weight_kg(height_cm, Sex.MALE)
    female_kg = ideal_body_weight_kg(height_cm, Sex.FEMALE)
    assert abs(Fraction(male_kg - female_kg) - Fraction(9, 2)) < NEAR


@given(actual_kg=weights_kg, ideal_kg=weights_kg)
def test_it_puts_adjusted_weight_between_ideal_and_actual(
    actual_kg: Decimal, ideal_kg: Decimal
) -> None:
    adjusted_kg = adjusted_body_weight_kg(actual_kg, ideal_kg)
    assert min(actual_kg, ideal_kg) <= adjusted_kg <= max(actual_kg, ideal_kg)
