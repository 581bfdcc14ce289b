"""Dosing: the worked examples of CLINICAL.md 7 (and 1.3, 2.2), refusals, and
properties of the arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.clinical.body import Sex
from ketaclinic.clinical.dosing import (
    DEFAULT_ROUNDING,
    VIAL_CONCENTRATIONS_MG_PER_ML,
    DoseLimits,
    DosingRefused,
    PumpAction,
    PumpEvent,
    PumpState,
    Refusal,
    ResidualPractice,
    RoundingPolicy,
    WeightBasis,
    WeightReading,
    delivered,
    dose_mg,
    dosing_weight,
    drug_volume_ml,
    hourly_rate_mg_per_h,
    hourly_total_mg,
    prepare_infusion,
    rate_fixed_concentration_ml_per_h,
    rate_ml_per_h_for_mg_per_h,
    rate_whole_bag_ml_per_h,
)

D = Decimal
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# CLINICAL.md 1.1: usual 0.1-0.75 mg/kg; the protocols' hard maximum 1.0 mg/kg.
IV_LIMITS = DoseLimits(usual_low=D("0.1"), usual_high=D("0.75"), hard_max=D("1.0"))
# CLINICAL.md 2.2, Schwartzman: at most 0.35 mg/kg/h, never over 25 mg/h.
SCHWARTZMAN = DoseLimits(
    usual_low=D("0.1"), usual_high=D("0.35"), hard_max=D("0.42"), cap=D(25)
)

# A busy machine must not fail a property on time alone.
relaxed = settings(deadline=None)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# --- CLINICAL.md 7, worked examples -------------------------------------------------


@pytest.mark.parametrize(
    ("milligrams", "millilitres", "strength"),
    [
        # CLINICAL.md 7, vials: 10 mg/mL (200 mg/20 mL), 50 mg/mL (500 mg/10 mL),
        # 100 mg/mL (500 mg/5 mL)
        ("200", "20", "10"),
        ("500", "10", "50"),
        ("500", "5", "100"),
    ],
)
def test_the_vials_of_section_7_hold_what_their_strength_says(
    milligrams: str, millilitres: str, strength: str
) -> None:
    assert D(strength) in VIAL_CONCENTRATIONS_MG_PER_ML
    assert drug_volume_ml(D(milligrams), D(strength)) == D(millilitres)


@pytest.mark.parametrize("weight_kg", ["50", "70", "96.4", "140"])
def test_a_100_ml_bag_over_40_minutes_runs_at_150_ml_per_h_whatever_the_weight(
    weight_kg: str,
) -> None:
    # CLINICAL.md 7: "100 mL over 40 min = 150 mL/h, whatever the weight"
    dose = dose_mg(D("0.5"), D(weight_kg), IV_LIMITS)
    infusion = prepare_infusion(
        dose.amount, vial_mg_per_ml=D(10), bag_volume_ml=D(100), minutes=D(40)
    )
    assert infusion.rate_ml_per_h == D(150)
    assert rate_whole_bag_ml_per_h(D(100), D(40)) == D(150)


def test_the_pain_bag_runs_at_25_ml_per_h_over_4_hours() -> None:
    # CLINICAL.md 7 and 2.2: 100 mL NS at 25 mL/h over 4 h (Schwartzman)
    assert rate_whole_bag_ml_per_h(D(100), D(240)) == D(25)


@pytest.mark.parametrize(
    ("weight_kg", "mg_per_kg", "dose", "shown"),
    [
        # CLINICAL.md 7: dose_mg = mg_per_kg x dosing_weight_kg (1.1: 0.5 mg/kg)
        ("70", "0.5", "35", "35.0"),
        ("83.7", "0.5", "41.85", "41.9"),  # half up to 0.1 mg
        ("61.3", "0.75", "45.975", "46.0"),
        ("58.2", "0.1", "5.82", "5.8"),
    ],
)
def test_the_dose_is_mg_per_kg_times_the_dosing_weight(
    weight_kg: str, mg_per_kg: str, dose: str, shown: str
) -> None:
    result = dose_mg(D(mg_per_kg), D(weight_kg), IV_LIMITS)
    assert result.amount == D(dose)
    assert result.shown() == D(shown)
    assert result.capped is None
    assert result.needs_override is None


@pytest.mark.parametrize(
    ("dose", "strength", "volume", "shown"),
    [
        # CLINICAL.md 7: drug_volume_mL = dose_mg / vial_concentration; drawn
        # volume to 0.01 mL in a 1 mL syringe, 0.1 mL otherwise
        ("35", "10", "3.5", "3.5"),
        ("35", "50", "0.7", "0.70"),
        ("41.85", "50", "0.837", "0.84"),
        ("41.85", "10", "4.185", "4.2"),
        ("45.975", "100", "0.45975", "0.46"),
    ],
)
def test_the_drawn_volume_is_the_dose_over_the_vial_strength(
    dose: str, strength: str, volume: str, shown: str
) -> None:
    infusion = prepare_infusion(
        D(dose), vial_mg_per_ml=D(strength), bag_volume_ml=D(100), minutes=D(40)
    )
    assert infusion.drug_volume_ml == D(volume)
    assert str(infusion.drug_volume_shown()) == shown


@pytest.mark.parametrize(
    ("dose", "concentration", "minutes_", "rate", "shown"),
    [
        # CLINICAL.md 7: fixed concentration C: rate = (dose / C) x 60 / T; the
        # anesthetic bag 1 mg/mL (500 mg in 500 mL) or 2 mg/mL
        ("35", "1", "40", "52.5", "52.5"),
        ("35", "2", "40", "26.25", "26.3"),
        ("100", "1", "240", "25", "25.0"),
        ("41.85", "1", "40", "62.775", "62.8"),
    ],
)
def test_a_fixed_concentration_runs_at_dose_over_c_times_60_over_t(
    dose: str, concentration: str, minutes_: str, rate: str, shown: str
) -> None:
    result = rate_fixed_concentration_ml_per_h(D(dose), D(concentration), D(minutes_))
    assert result == D(rate)
    assert DEFAULT_ROUNDING.rate_shown(result) == D(shown)


@pytest.mark.parametrize(
    ("weight_kg", "rate_mg_per_h", "capped"),
    [
        # CLINICAL.md 2.2 (Schwartzman): 0.35 mg/kg/h, never over 25 mg/h
        ("60", "21", False),  # 0.35 x 60 = 21 mg/h
        ("71.4", "24.99", False),
        ("80", "25", True),  # 0.35 x 80 = 28 mg/h: lowered to 25 mg/h
        ("120", "25", True),  # 42 mg/h: lowered to 25 mg/h
    ],
)
def test_the_hourly_rate_is_weight_based_and_capped(
    weight_kg: str, rate_mg_per_h: str, capped: bool
) -> None:
    rate = hourly_rate_mg_per_h(D("0.35"), D(weight_kg), SCHWARTZMAN)
    assert rate.amount == D(rate_mg_per_h)
    assert (rate.capped is not None) is capped


def test_a_capped_rate_says_why() -> None:
    rate = hourly_rate_mg_per_h(D("0.35"), D(80), SCHWARTZMAN)
    assert rate.capped is not None
    assert rate.capped.uncapped == D(28)
    assert rate.capped.reason == (
        "0.35 mg/kg/h x 80 kg would be 28 mg/h, more than the plan's maximum of "
        "25 mg/h: lowered to the maximum."
    )
    assert rate.arithmetic == "0.35 mg/kg/h x 80 kg = 28 mg/h, lowered to 25 mg/h"


def test_schwartzman_gives_100_mg_per_4_hours_at_25_ml_per_h() -> None:
    # CLINICAL.md 2.2: not > 25 mg/h (100 mg per 4 h), 100 mL at 25 mL/h.
    # CLINICAL.md 7: rate_mL_per_h = rate_mg_per_h / C_bag.
    rate = hourly_rate_mg_per_h(D("0.35"), D(90), SCHWARTZMAN)
    four_hours_mg = hourly_total_mg(rate, D(240))
    assert four_hours_mg == D(100)
    bag_mg_per_ml = four_hours_mg / D(100)
    assert rate_ml_per_h_for_mg_per_h(rate.amount, bag_mg_per_ml) == D(25)
    infusion = prepare_infusion(
        four_hours_mg,
        vial_mg_per_ml=D(50),
        bag_volume_ml=D(100),
        minutes=D(240),
        practice=ResidualPractice.WITHDRAW_EQUAL_VOLUME,
    )
    assert infusion.rate_ml_per_h == D(25)
    assert infusion.concentration_mg_per_ml == D(1)
    assert infusion.planned_mg == D(100)


def test_the_label_volume_is_programmed_and_the_rest_recorded_as_waste() -> None:
    # CLINICAL.md 7 practice notes: the added drug makes the bag larger than its
    # label; program VTBI = label volume and record the residual as waste.
    infusion = prepare_infusion(
        D(35), vial_mg_per_ml=D(10), bag_volume_ml=D(100), minutes=D(40)
    )
    assert infusion.total_volume_ml == D("103.5")
    assert infusion.vtbi_ml == D(100)
    assert infusion.expected_residual_ml == D("3.5")
    assert infusion.planned_mg + infusion.expected_residual_mg == D(35)
    assert infusion.planned_mg < D(35)


def test_taking_out_an_equal_volume_first_leaves_no_residual() -> None:
    infusion = prepare_infusion(
        D(35),
        vial_mg_per_ml=D(10),
        bag_volume_ml=D(100),
        minutes=D(40),
        practice=ResidualPractice.WITHDRAW_EQUAL_VOLUME,
    )
    assert infusion.withdrawn_ml == D("3.5")
    assert infusion.total_volume_ml == infusion.vtbi_ml == D(100)
    assert infusion.expected_residual_mg == 0
    assert infusion.planned_mg == D(35)
    assert infusion.concentration_mg_per_ml == D("0.35")


def test_a_100_mg_per_ml_vial_diluted_with_an_equal_volume_may_be_given() -> None:
    # CLINICAL.md 7, Ketalar PI 2.1/2.3: for IV push dilute with an equal volume
    infusion = prepare_infusion(
        D(35), vial_mg_per_ml=D(100), bag_volume_ml=D("0.35"), minutes=D(1)
    )
    assert infusion.concentration_mg_per_ml == D(50)
    assert infusion.vtbi_ml == D("0.35")


@pytest.mark.parametrize("bag_ml", ["0", "0.34"])
def test_it_refuses_100_mg_per_ml_undiluted_or_under_diluted(bag_ml: str) -> None:
    # CLINICAL.md 7: 100 mg/mL never IV without dilution
    with pytest.raises(DosingRefused) as refused:
        prepare_infusion(
            D(35), vial_mg_per_ml=D(100), bag_volume_ml=D(bag_ml), minutes=D(1)
        )
    assert refused.value.refusal is Refusal.UNDILUTED
    assert refused.value.field == "vial_concentration"
    assert "never given into a vein undiluted" in str(refused.value)


def test_a_weaker_vial_may_run_from_a_syringe_without_a_bag() -> None:
    infusion = prepare_infusion(
        D(35), vial_mg_per_ml=D(10), bag_volume_ml=D(0), minutes=D(40)
    )
    assert infusion.vtbi_ml == infusion.total_volume_ml == D("3.5")
    assert infusion.rate_ml_per_h == D("5.25")
    assert infusion.planned_mg == D(35)


def test_delivered_is_rate_times_running_time_and_a_pause_moves_the_end() -> None:
    # CLINICAL.md 7: delivered so far = rate x elapsed; remaining = total -
    # delivered (pauses extend total time). 35 mg in 100 mL: 0.35 mg/mL.
    events = [
        PumpEvent(T0, PumpAction.START, D(150)),
        PumpEvent(T0 + minutes(10), PumpAction.PAUSE),
        PumpEvent(T0 + minutes(15), PumpAction.RESUME),
    ]
    kwargs = {"concentration_mg_per_ml": D("0.35"), "vtbi_ml": D(100)}
    during_pause = delivered(events[:2], at=T0 + minutes(14), **kwargs)
    assert during_pause.state is PumpState.PAUSED
    assert during_pause.delivered_ml == D(25)  # 150 mL/h x 10 min
    assert during_pause.delivered_mg == D("8.75")
    assert during_pause.remaining_mg == D("26.25")
    assert during_pause.paused == minutes(4)
    # resumed now, the remaining 75 mL take 30 more minutes
    assert during_pause.expected_end == T0 + minutes(44)

    later = delivered(events, at=T0 + minutes(25), **kwargs)
    assert later.state is PumpState.RUNNING
    assert later.delivered_ml == D(50)
    assert later.running == minutes(20)
    assert later.paused == minutes(5)
    assert later.expected_end == T0 + minutes(45)  # 40 min + the 5 min pause

    done = delivered(events, at=T0 + minutes(60), **kwargs)
    assert done.state is PumpState.COMPLETE
    assert done.completed_at == T0 + minutes(45)
    assert done.delivered_mg == D(35)
    assert done.remaining_ml == 0
    assert done.expected_end is None


def test_a_rate_change_and_a_stop_count_what_ran() -> None:
    events = [
        PumpEvent(T0, PumpAction.START, D(150)),
        PumpEvent(T0 + minutes(20), PumpAction.RATE_CHANGE, D(75)),
        PumpEvent(T0 + minutes(28), PumpAction.STOP),
    ]
    result = delivered(
        events, concentration_mg_per_ml=D("0.35"), vtbi_ml=D(100), at=T0 + minutes(90)
    )
    assert result.state is PumpState.STOPPED
    assert result.delivered_ml == D(60)  # 50 mL + 75 mL/h x 8 min
    assert result.delivered_mg == D(21)
    assert result.remaining_mg == D(14)
    assert result.expected_end is None


def test_nothing_is_delivered_before_the_start() -> None:
    result = delivered(
        [], concentration_mg_per_ml=D("0.35"), vtbi_ml=D(100), at=T0 + minutes(90)
    )
    assert result.state is PumpState.NOT_STARTED
    assert result.delivered_mg == 0


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [PumpEvent(T0, PumpAction.PAUSE)],
            "The pump cannot be paused before it was started.",
        ),
        (
            [
                PumpEvent(T0, PumpAction.START, D(150)),
                PumpEvent(T0 + minutes(1), PumpAction.RESUME),
            ],
            "The pump cannot be resumed while it was running.",
        ),
        (
            [
                PumpEvent(T0, PumpAction.START, D(150)),
                PumpEvent(T0 + minutes(1), PumpAction.STOP),
                PumpEvent(T0 + minutes(2), PumpAction.START, D(150)),
            ],
            "The pump cannot be started after it was stopped.",
        ),
        (
            [
                PumpEvent(T0 + minutes(5), PumpAction.START, D(150)),
                PumpEvent(T0, PumpAction.PAUSE),
            ],
            "The pump events are not in the order they happened.",
        ),
        (
            [PumpEvent(T0, PumpAction.START, D(0))],
            "The pump rate must be more than 0 mL/h, not 0.",
        ),
        (
            [PumpEvent(T0, PumpAction.START)],
            "The pump rate must be more than 0 mL/h, not 0.",
        ),
        (
            [PumpEvent(T0 + minutes(100), PumpAction.START, D(150))],
            "The time asked about is before the last pump event.",
        ),
    ],
)
def test_it_refuses_an_impossible_timeline(
    events: list[PumpEvent], message: str
) -> None:
    with pytest.raises(DosingRefused, match="^" + message.replace(".", r"\.") + "$"):
        delivered(
            events,
            concentration_mg_per_ml=D("0.35"),
            vtbi_ml=D(100),
            at=T0 + minutes(90),
        )


# --- Rounding (CLINICAL.md 7 practice notes) ----------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [("35.05", "35.1"), ("35.04", "35.0"), ("0.05", "0.1"), ("41.85", "41.9")],
)
def test_a_dose_shows_half_up_to_a_tenth_of_a_mg(value: str, shown: str) -> None:
    assert DEFAULT_ROUNDING.dose_shown(D(value)) == D(shown)


def test_a_clinic_may_show_doses_to_half_a_mg() -> None:
    policy = RoundingPolicy(dose_mg=D("0.5"))
    assert policy.dose_shown(D("41.85")) == D("42.0")
    assert policy.dose_shown(D("41.7")) == D("41.5")
    assert policy.dose_shown(D("41.75")) == D("42.0")


def test_a_capped_dose_is_never_shown_over_its_cap() -> None:
    limits = DoseLimits(
        usual_low=D("0.1"), usual_high=D("0.75"), hard_max=D(1), cap=D("25.05")
    )
    dose = dose_mg(D("0.5"), D(60), limits)
    assert dose.amount == D("25.05")
    assert dose.shown() == D("25.0")  # half up would be 25.1, over the cap


def test_a_dose_is_never_shown_over_the_hard_maximum() -> None:
    # 1.0 mg/kg x 60.05 kg = 60.05 mg: shown 60.0, not 60.1
    assert dose_mg(D(1), D("60.05"), IV_LIMITS).shown() == D("60.0")


# --- Dosing weight (CLINICAL.md 1.3) ------------------------------------------------


def test_it_doses_on_the_chosen_weight_and_shows_the_other_two() -> None:
    reading = WeightReading(D(120), T0)
    chosen = {
        basis: dosing_weight(
            basis, reading, now=T0 + timedelta(hours=2), height_cm=D(180), sex=Sex.MALE
        )
        for basis in WeightBasis
    }
    # Devine: 50 + 2.3 x (180 / 2.54 - 60) = 74.992 kg; adjusted 75 + 0.4 x 45
    assert chosen[WeightBasis.ACTUAL].kg == D(120)
    assert DEFAULT_ROUNDING.dose_shown(chosen[WeightBasis.IDEAL].kg) == D("75.0")
    assert DEFAULT_ROUNDING.dose_shown(chosen[WeightBasis.ADJUSTED].kg) == D("93.0")
    adjusted = chosen[WeightBasis.ADJUSTED]
    assert (adjusted.actual_kg, adjusted.ideal_kg) == (
        D(120),
        chosen[WeightBasis.IDEAL].kg,
    )
    # 0.5 mg/kg on adjusted weight: 46.4976 mg, from the unrounded weight
    assert dose_mg(D("0.5"), adjusted.kg, IV_LIMITS).shown() == D("46.5")


def test_actual_weight_needs_neither_height_nor_sex() -> None:
    weight = dosing_weight(WeightBasis.ACTUAL, WeightReading(D(70), T0), now=T0)
    assert (weight.kg, weight.ideal_kg, weight.adjusted_kg) == (D(70), None, None)


@pytest.mark.parametrize(
    ("reading", "basis", "refusal", "message"),
    [
        (
            None,
            WeightBasis.ACTUAL,
            Refusal.NO_WEIGHT,
            "No weight is recorded. Weigh the patient before a dose is worked out.",
        ),
        (
            WeightReading(D(0), T0),
            WeightBasis.ACTUAL,
            Refusal.IMPLAUSIBLE_WEIGHT,
            "Weight must be between 2 and 400 kg.",
        ),
        (
            WeightReading(D(70), T0 - timedelta(days=1, seconds=1)),
            WeightBasis.ACTUAL,
            Refusal.STALE_WEIGHT,
            "The last weight is older than a day. Weigh the patient again before a "
            "dose is worked out.",
        ),
        (
            WeightReading(D(70), T0 + minutes(5)),
            WeightBasis.ACTUAL,
            Refusal.WEIGHT_IN_FUTURE,
            "The weight is dated later than now. Check the date it was measured.",
        ),
        (
            WeightReading(D(70), T0),
            WeightBasis.IDEAL,
            Refusal.MISSING_BODY_MEASURE,
            "Dosing on ideal body weight needs the patient's height and sex. Record "
            "them, or dose on actual weight.",
        ),
    ],
)
def test_it_refuses_a_missing_implausible_or_stale_weight(
    reading: WeightReading | None, basis: WeightBasis, refusal: Refusal, message: str
) -> None:
    with pytest.raises(DosingRefused) as refused:
        dosing_weight(basis, reading, now=T0)
    assert refused.value.refusal is refusal
    assert str(refused.value) == message


def test_the_freshness_window_is_the_clinics() -> None:
    reading = WeightReading(D(70), T0 - timedelta(days=6))
    assert dosing_weight(
        WeightBasis.ACTUAL, reading, now=T0, max_age=timedelta(days=7)
    ).kg == D(70)
    with pytest.raises(DosingRefused, match="older than 5 days"):
        dosing_weight(WeightBasis.ACTUAL, reading, now=T0, max_age=timedelta(days=5))


# --- Dose refusals and overrides ----------------------------------------------------


def test_it_refuses_a_dose_ten_times_too_large() -> None:
    with pytest.raises(DosingRefused) as refused:
        dose_mg(D(5), D(70), IV_LIMITS)
    assert refused.value.refusal is Refusal.DOSE_TEN_TIMES_TOO_LARGE
    assert refused.value.field == "mg_per_kg"
    assert str(refused.value) == (
        "5 mg/kg is over the maximum of 1 mg/kg, which no override passes. It is "
        "ten times 0.5 mg/kg: check the decimal point."
    )


def test_it_refuses_a_dose_over_the_hard_maximum_whatever_the_override() -> None:
    with pytest.raises(DosingRefused) as refused:
        dose_mg(D(9), D(70), IV_LIMITS)
    assert refused.value.refusal is Refusal.DOSE_OVER_MAXIMUM
    assert str(refused.value) == (
        "9 mg/kg is over the maximum of 1 mg/kg, which no override passes."
    )


def test_a_ten_times_too_large_hourly_rate_is_refused_in_its_unit() -> None:
    with pytest.raises(DosingRefused, match=r"ten times 0\.35 mg/kg/h"):
        hourly_rate_mg_per_h(D("3.5"), D(70), SCHWARTZMAN)


def test_a_dose_outside_the_usual_range_needs_an_override() -> None:
    dose = dose_mg(D("0.9"), D(70), IV_LIMITS)
    assert dose.amount == D(63)
    assert dose.needs_override == (
        "0.9 mg/kg is outside the protocol's usual range of 0.1 to 0.75 mg/kg. Give "
        "a reason to override."
    )


@pytest.mark.parametrize("mg_per_kg", ["0", "-0.5", "NaN"])
def test_it_refuses_a_dose_of_nothing(mg_per_kg: str) -> None:
    with pytest.raises(DosingRefused) as refused:
        dose_mg(D(mg_per_kg), D(70), IV_LIMITS)
    assert refused.value.refusal is Refusal.IMPOSSIBLE_DOSE


@pytest.mark.parametrize("strength", ["0", "-10", "Infinity"])
def test_it_refuses_an_impossible_concentration(strength: str) -> None:
    with pytest.raises(DosingRefused) as refused:
        prepare_infusion(
            D(35), vial_mg_per_ml=D(strength), bag_volume_ml=D(100), minutes=D(40)
        )
    assert refused.value.refusal is Refusal.IMPOSSIBLE_CONCENTRATION
    assert refused.value.field == "vial_concentration"
    with pytest.raises(DosingRefused, match="A concentration must be more than 0"):
        rate_fixed_concentration_ml_per_h(D(35), D(strength), D(40))


def test_it_refuses_a_vial_strength_that_does_not_exist() -> None:
    with pytest.raises(DosingRefused) as refused:
        prepare_infusion(
            D(35), vial_mg_per_ml=D(25), bag_volume_ml=D(100), minutes=D(40)
        )
    assert refused.value.refusal is Refusal.UNSTOCKED_CONCENTRATION
    assert str(refused.value) == (
        "Ketamine vials come in 10, 50, 100 mg/mL, not 25 mg/mL."
    )


def test_it_refuses_a_bag_of_negative_volume() -> None:
    with pytest.raises(DosingRefused) as refused:
        prepare_infusion(
            D(35), vial_mg_per_ml=D(10), bag_volume_ml=D(-100), minutes=D(40)
        )
    assert refused.value.refusal is Refusal.IMPOSSIBLE_VOLUME
    assert refused.value.field == "bag_volume"
    assert str(refused.value) == "A bag's volume must be 0 mL or more, not -100 mL."


def test_it_refuses_a_bag_too_small_to_take_out_the_drugs_volume() -> None:
    with pytest.raises(DosingRefused, match="Use a larger bag"):
        prepare_infusion(
            D(35),
            vial_mg_per_ml=D(10),
            bag_volume_ml=D(2),
            minutes=D(40),
            practice=ResidualPractice.WITHDRAW_EQUAL_VOLUME,
        )


@pytest.mark.parametrize("duration", ["0", "-40"])
def test_it_refuses_a_duration_of_nothing(duration: str) -> None:
    with pytest.raises(DosingRefused) as refused:
        rate_whole_bag_ml_per_h(D(100), D(duration))
    assert refused.value.refusal is Refusal.IMPOSSIBLE_DURATION


def test_dose_limits_must_be_coherent() -> None:
    with pytest.raises(ValueError, match="usual range within the hard maximum"):
        DoseLimits(usual_low=D("0.5"), usual_high=D("0.75"), hard_max=D("0.6"))


# --- Properties ---------------------------------------------------------------------

weights_kg = st.decimals(min_value=D(2), max_value=D(400), places=1)
per_kg = st.decimals(min_value=D("0.01"), max_value=D("1.0"), places=3)
caps_mg = st.none() | st.decimals(min_value=D("0.01"), max_value=D(500), places=3)
strengths = st.sampled_from(VIAL_CONCENTRATIONS_MG_PER_ML)
bags_ml = st.decimals(min_value=D(0), max_value=D(1000), places=1)
durations = st.decimals(min_value=D(1), max_value=D(600), places=1)
rates = st.decimals(min_value=D("0.1"), max_value=D(999), places=1)


@relaxed
@given(per_kg, weights_kg, caps_mg, st.sampled_from([D("0.1"), D("0.5"), D(1)]))
def test_rounding_never_shows_a_dose_over_its_cap(
    mg_per_kg: Decimal, weight_kg: Decimal, cap: Decimal | None, step: Decimal
) -> None:
    limits = DoseLimits(usual_low=D("0.01"), usual_high=D(1), hard_max=D(1), cap=cap)
    dose = dose_mg(mg_per_kg, weight_kg, limits)
    assert dose.amount <= dose.limit
    assert dose.shown(RoundingPolicy(dose_mg=step)) <= dose.limit
    assert abs(dose.shown(RoundingPolicy(dose_mg=step)) - dose.amount) <= step
    if cap is not None:
        assert dose.amount <= cap
        assert (dose.capped is not None) == (mg_per_kg * weight_kg > cap)
    else:
        assert dose.amount == mg_per_kg * weight_kg


@relaxed
@given(per_kg, weights_kg, caps_mg, strengths)
def test_the_drawn_volume_shown_never_holds_more_than_the_limit(
    mg_per_kg: Decimal, weight_kg: Decimal, cap: Decimal | None, strength: Decimal
) -> None:
    limits = DoseLimits(usual_low=D("0.01"), usual_high=D(1), hard_max=D(1), cap=cap)
    dose = dose_mg(mg_per_kg, weight_kg, limits)
    infusion = prepare_infusion(
        dose.amount,
        vial_mg_per_ml=strength,
        bag_volume_ml=D(100),
        minutes=D(40),
        dose_limit_mg=dose.limit,
    )
    assert infusion.drug_volume_ml * strength == dose.amount
    assert infusion.drug_volume_shown() * strength <= dose.limit


@relaxed
@given(bags_ml.filter(lambda ml: ml > 0), durations)
def test_rate_times_time_is_the_volume(volume_ml: Decimal, minutes_: Decimal) -> None:
    rate = rate_whole_bag_ml_per_h(volume_ml, minutes_)
    assert abs(rate * minutes_ / 60 - volume_ml) < D("1e-20")
    shown = DEFAULT_ROUNDING.rate_shown(rate)
    # within the rounding of the rate: half a step for the whole duration
    assert abs(shown * minutes_ / 60 - volume_ml) <= D("0.05") * minutes_ / 60


@relaxed
@given(
    st.decimals(min_value=D(1), max_value=D(500), places=2),
    strengths,
    bags_ml,
    durations,
    st.sampled_from(ResidualPractice),
)
def test_a_prepared_bag_never_plans_more_than_the_dose(
    dose: Decimal,
    strength: Decimal,
    bag_ml: Decimal,
    minutes_: Decimal,
    practice: ResidualPractice,
) -> None:
    try:
        infusion = prepare_infusion(
            dose,
            vial_mg_per_ml=strength,
            bag_volume_ml=bag_ml,
            minutes=minutes_,
            practice=practice,
        )
    except DosingRefused as refused:
        assert refused.refusal in (Refusal.UNDILUTED, Refusal.IMPOSSIBLE_VOLUME)
        return
    assert infusion.planned_mg <= dose * (1 + D("1e-25"))
    assert abs(infusion.planned_mg + infusion.expected_residual_mg - dose) < D("1e-20")
    if strength >= 100:
        assert infusion.concentration_mg_per_ml <= D(50)


@st.composite
def timelines(draw: st.DrawFn) -> list[PumpEvent]:
    """A valid sequence of pump events, minutes apart."""
    at = T0
    events = [PumpEvent(at, PumpAction.START, draw(rates))]
    running = True
    for _ in range(draw(st.integers(0, 8))):
        at += minutes(draw(st.integers(0, 30)))
        choices = [PumpAction.RATE_CHANGE, PumpAction.STOP]
        choices.append(PumpAction.PAUSE if running else PumpAction.RESUME)
        action = draw(st.sampled_from(choices))
        rate = None
        if action is PumpAction.RATE_CHANGE or (
            action is PumpAction.RESUME and draw(st.booleans())
        ):
            rate = draw(rates)
        events.append(PumpEvent(at, action, rate))
        if action is PumpAction.STOP:
            break
        running = {PumpAction.PAUSE: False, PumpAction.RESUME: True}.get(
            action, running
        )
    return events


def without_pauses(events: list[PumpEvent]) -> list[PumpEvent]:
    """The same timeline with the pump left running through every pause."""
    kept: list[PumpEvent] = []
    for event in events:
        if event.action is PumpAction.PAUSE:
            continue
        if event.action is PumpAction.RESUME:
            if event.rate_ml_per_h is None:
                continue
            event = PumpEvent(event.at, PumpAction.RATE_CHANGE, event.rate_ml_per_h)
        kept.append(event)
    return kept


@relaxed
@given(timelines(), st.integers(0, 600), bags_ml.filter(lambda ml: ml > 0))
def test_the_delivered_dose_never_exceeds_the_ordered_dose(
    events: list[PumpEvent], later_min: int, vtbi_ml: Decimal
) -> None:
    at = events[-1].at + minutes(later_min)
    result = delivered(
        events, concentration_mg_per_ml=D("0.35"), vtbi_ml=vtbi_ml, at=at
    )
    assert 0 <= result.delivered_ml <= vtbi_ml
    assert result.delivered_mg <= vtbi_ml * D("0.35")
    ordered_mg = vtbi_ml * D("0.35")
    assert abs(result.delivered_mg + result.remaining_mg - ordered_mg) < D("1e-20")
    assert result.running + result.paused <= at - T0


@relaxed
@given(timelines(), st.integers(0, 600), bags_ml.filter(lambda ml: ml > 0))
def test_pauses_never_increase_the_delivered_dose(
    events: list[PumpEvent], later_min: int, vtbi_ml: Decimal
) -> None:
    at = events[-1].at + minutes(later_min)
    kwargs = {"concentration_mg_per_ml": D("0.35"), "vtbi_ml": vtbi_ml, "at": at}
    paused = delivered(events, **kwargs)
    unpaused = delivered(without_pauses(events), **kwargs)
    assert paused.delivered_mg <= unpaused.delivered_mg


@relaxed
@given(timelines(), st.integers(1, 60))
def test_delivery_only_grows_with_time(events: list[PumpEvent], step: int) -> None:
    kwargs = {"concentration_mg_per_ml": D("0.35"), "vtbi_ml": D(100)}
    at = events[-1].at
    before = delivered(events, at=at, **kwargs)
    after = delivered(events, at=at + minutes(step), **kwargs)
    assert before.delivered_mg <= after.delivered_mg


@relaxed
@given(rates, st.integers(1, 60), st.integers(1, 120))
def test_a_pause_moves_the_expected_end_by_its_length(
    rate: Decimal, run_min: int, pause_min: int
) -> None:
    kwargs = {"concentration_mg_per_ml": D("0.35"), "vtbi_ml": D(1000)}
    start = PumpEvent(T0, PumpAction.START, rate)
    at = T0 + minutes(run_min + pause_min)
    straight = delivered([start], at=T0 + minutes(run_min), **kwargs)
    paused = delivered(
        [
            start,
            PumpEvent(T0 + minutes(run_min), PumpAction.PAUSE),
            PumpEvent(at, PumpAction.RESUME),
        ],
        at=at,
        **kwargs,
    )
    if straight.expected_end is None:  # already complete
        return
    assert paused.expected_end is not None
    assert paused.expected_end - straight.expected_end == minutes(pause_min)
