"""Questionnaire scoring against CLINICAL.md 5.1-5.3: bands, flags, change, refusals."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical import codes, scales
from ketaclinic.clinical.scales import (
    BPI,
    BPI_INTERFERENCE_OUTCOME,
    CSSRS,
    GAD7,
    INSTRUMENTS,
    OUTCOME_DEFINITIONS,
    PAIN_NRS,
    PAIN_NRS_OUTCOME_POINTS,
    PCL5,
    PHQ9,
    PHQ9_OUTCOME,
    PHQ9_OUTCOME_KEITH,
    Band,
    CssrsRisk,
    Flag,
    FlagRule,
    Instrument,
    OutcomeDefinition,
    Score,
    change,
    for_display,
    pcl5,
    score,
)

D = Decimal


def answers_with_total(instrument: Instrument, total: int) -> dict[str, int]:
    """Fill the scored items in order, each up to its maximum, to reach ``total``."""
    answers: dict[str, int] = {}
    remaining = total
    for item in instrument.items:
        if item.scored:
            value = min(max(item.values), remaining)
            answers[item.key] = value
            remaining -= value
    assert remaining == 0, f"{instrument.name} cannot total {total}"
    return answers


def phq9_with(**answers: int) -> dict[str, int]:
    return {f"q{n}": 0 for n in range(1, 10)} | answers


def cssrs_answers(**answers: bool) -> dict[str, bool | None]:
    return {"q1": False, "q2": False, "q6": False} | answers


def bpi_severity(worst: int, least: int, average: int, now: int) -> dict[str, int]:
    return {"worst": worst, "least": least, "average": average, "now": now}


# --- Bands: CLINICAL.md 5.1 --------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_change_at_kroenke_edges(total: int, band: str) -> None:
    result = score(PHQ9, answers_with_total(PHQ9, total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_change_at_spitzer_edges(total: int, band: str) -> None:
    result = score(GAD7, answers_with_total(GAD7, total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("pain", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_pain_nrs_bands_are_none_mild_moderate_severe(pain: int, band: str) -> None:
    result = score(PAIN_NRS, {"pain": pain})
    assert (result.total, result.band) == (pain, band)


@pytest.mark.parametrize(
    ("instrument", "total", "flag", "flagged"),
    [
        (PHQ9, 9, Flag.DEPRESSION_SCREEN_POSITIVE, False),
        (PHQ9, 10, Flag.DEPRESSION_SCREEN_POSITIVE, True),
        (GAD7, 9, Flag.ANXIETY_SCREEN_POSITIVE, False),
        (GAD7, 10, Flag.ANXIETY_SCREEN_POSITIVE, True),
    ],
)
def test_a_total_of_10_screens_positive(
    instrument: Instrument, total: int, flag: Flag, flagged: bool
) -> None:
    assert (flag in score(instrument, answers_with_total(instrument, total)).flags) is (
        flagged
    )


def test_the_pcl5_and_bpi_have_no_severity_bands() -> None:
    # CLINICAL.md 5.1: PCL-5 "no empirical severity bands"; none given for the BPI.
    assert score(PCL5, answers_with_total(PCL5, 40)).band is None
    assert score(BPI, bpi_severity(5, 5, 5, 5)).band is None


# --- PHQ-9 item 9 and the difficulty item ------------------------------------------


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (2, True)])
def test_phq9_item9_of_1_or_more_flags_suicide_risk_as_urgent(
    item9: int, flagged: bool
) -> None:
    result = score(PHQ9, phq9_with(q9=item9))
    assert (Flag.SUICIDE_RISK in result.flags) is flagged
    assert result.urgent is flagged


def test_phq9_item9_flags_even_when_the_total_is_minimal() -> None:
    result = score(PHQ9, phq9_with(q9=3))
    assert (result.total, result.band) == (3, "minimal")
    assert result.flags == (Flag.SUICIDE_RISK,)


def test_phq9_keeps_the_difficulty_answer_but_does_not_add_it() -> None:
    result = score(PHQ9, phq9_with(q1=2, difficulty=3))
    assert result.total == 2
    assert result.answers["difficulty"] == 3


def test_it_echoes_every_item_in_order_with_none_for_unanswered() -> None:
    result = score(PHQ9, phq9_with(q4=1))
    assert list(result.answers) == [item.key for item in PHQ9.items]
    assert result.answers["q4"] == 1
    assert result.answers["difficulty"] is None


def test_phq9_item9_text_is_the_one_clinical_md_gives() -> None:
    assert PHQ9.item("q9").text == (
        "Thoughts that you would be better off dead, or of hurting yourself in some way"
    )


# --- LOINC only where CLINICAL.md 5.3 verifies it ----------------------------------


def test_phq9_items_answers_and_total_carry_their_loinc_codes() -> None:
    scored = [item for item in PHQ9.items if item.scored]
    assert [item.loinc for item in scored] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert PHQ9.item("difficulty").loinc == "69722-7"
    assert (PHQ9.loinc_panel, PHQ9.loinc_total) == ("44249-1", "44261-6")
    assert [option.loinc for option in PHQ9.item("q1").options] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]


def test_gad7_and_pain_nrs_carry_only_their_verified_codes() -> None:
    assert (GAD7.loinc_panel, GAD7.loinc_total) == ("69737-5", "70274-6")
    assert all(item.loinc is None for item in GAD7.items)
    assert PAIN_NRS.loinc_total == PAIN_NRS.item("pain").loinc == "72514-3"


@pytest.mark.parametrize("instrument", [PCL5, BPI, CSSRS])
def test_instruments_without_verified_loinc_carry_none(instrument: Instrument) -> None:
    assert instrument.loinc_panel is None
    assert instrument.loinc_total is None
    assert all(item.loinc is None for item in instrument.items)
    assert all(o.loinc is None for item in instrument.items for o in item.options)


def test_every_loinc_code_used_is_one_codes_knows() -> None:
    used = {
        code
        for instrument in INSTRUMENTS.values()
        for code in (
            instrument.loinc_panel,
            instrument.loinc_total,
            *(item.loinc for item in instrument.items),
            *(o.loinc for item in instrument.items for o in item.options),
        )
        if code is not None
    }
    assert used <= set(codes.LOINC_CODES)


# --- Structure ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "scored_items", "values"),
    [
        ("phq9", 9, range(4)),
        ("gad7", 7, range(4)),
        ("pcl5", 20, range(5)),
        ("pain_nrs", 1, range(11)),
        ("bpi_sf", 11, range(11)),
        ("cssrs_screener", 7, range(2)),
    ],
)
def test_each_instrument_has_its_items_and_answer_values(
    code: str, scored_items: int, values: range
) -> None:
    instrument = INSTRUMENTS[code]
    scored = [item for item in instrument.items if item.scored]
    assert len(scored) == scored_items
    assert all(item.values == tuple(values) for item in scored)


def test_the_instruments_are_listed_by_code() -> None:
    assert set(INSTRUMENTS) == {
        "phq9",
        "gad7",
        "pcl5",
        "pain_nrs",
        "bpi_sf",
        "cssrs_screener",
    }


def test_it_refuses_bands_with_a_gap() -> None:
    with pytest.raises(ValueError, match="without gaps or overlaps"):
        replace(PAIN_NRS, bands=(Band(0, 3, "low"), Band(5, 10, "high")))


def test_it_refuses_bands_that_stop_short() -> None:
    with pytest.raises(ValueError, match="bands must end at 10"):
        replace(PAIN_NRS, bands=(Band(0, 9, "some"),))


def test_it_refuses_an_item_asked_after_a_later_item() -> None:
    first = replace(CSSRS.item("q3"), asked_if=("q6", 1))
    with pytest.raises(ValueError, match="must be an earlier item"):
        replace(CSSRS, items=(CSSRS.item("q1"), first, CSSRS.item("q6")))


def test_it_refuses_an_outcome_definition_without_response() -> None:
    with pytest.raises(ValueError, match="defines no response"):
        OutcomeDefinition(key="x", label="x", source="x")


# --- Refusals naming the item ------------------------------------------------------


def test_it_refuses_a_missing_required_item_and_names_it() -> None:
    answers = phq9_with()
    del answers["q7"]
    with pytest.raises(ValueError, match=r"PHQ-9 item 'q7' \(Trouble concentrating"):
        score(PHQ9, answers)


def test_it_refuses_a_required_item_answered_none() -> None:
    with pytest.raises(
        ValueError, match="item 'q3' .* is not answered; it is required"
    ):
        score(PHQ9, phq9_with() | {"q3": None})


@pytest.mark.parametrize("value", [-1, 4, 27])
def test_it_refuses_an_out_of_range_answer_and_names_the_item(value: int) -> None:
    with pytest.raises(
        ValueError, match=rf"PHQ-9 item 'q2': {value} is out of range; .* 0-3"
    ):
        score(PHQ9, phq9_with(q2=value))


def test_it_refuses_a_relief_percent_that_is_not_a_tenth() -> None:
    with pytest.raises(ValueError, match="'relief_percent': 15 is out of range"):
        score(BPI, bpi_severity(1, 1, 1, 1) | {"relief_percent": 15})


def test_it_refuses_an_unknown_item_and_names_it() -> None:
    with pytest.raises(ValueError, match="PHQ-9 has no item 'q10'"):
        score(PHQ9, phq9_with() | {"q10": 1})


@pytest.mark.parametrize("value", [True, 1.0, "2"])
def test_it_refuses_answers_that_are_not_whole_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="PHQ-9 item 'q1' takes a"):
        score(PHQ9, phq9_with() | {"q1": value})  # type: ignore[dict-item]


# --- PCL-5: cut-off and DSM rule ---------------------------------------------------


@pytest.mark.parametrize(
    ("cutoff", "total", "flagged"),
    [(33, 32, False), (33, 33, True), (31, 30, False), (31, 31, True), (32, 32, True)],
)
def test_pcl5_flags_provisional_ptsd_at_the_configured_cutoff(
    cutoff: int, total: int, flagged: bool
) -> None:
    instrument = pcl5(cutoff)
    result = score(instrument, answers_with_total(instrument, total))
    assert (Flag.PROVISIONAL_PTSD_BY_TOTAL in result.flags) is flagged


def test_pcl5_cutoff_defaults_to_33() -> None:
    assert pcl5(33) == PCL5


@pytest.mark.parametrize("cutoff", [30, 34])
def test_pcl5_refuses_a_cutoff_outside_31_to_33(cutoff: int) -> None:
    with pytest.raises(ValueError, match="between 31 and 33"):
        pcl5(cutoff)


# The fewest endorsements that meet the DSM rule: 1 B, 1 C, 2 D, 2 E at "moderately".
DSM_MINIMUM = {"q1": 2, "q6": 2, "q8": 2, "q9": 2, "q15": 2, "q16": 2}


def pcl5_answers(**answers: int) -> dict[str, int]:
    return {f"q{n}": 0 for n in range(1, 21)} | answers


@pytest.mark.parametrize(
    ("answers", "flagged"),
    [
        (DSM_MINIMUM, True),
        (DSM_MINIMUM | {"q1": 1}, False),  # no B item at 2
        (DSM_MINIMUM | {"q6": 0, "q7": 4}, True),  # C met by item 7 instead
        (DSM_MINIMUM | {"q6": 0}, False),  # no C item
        (DSM_MINIMUM | {"q9": 1}, False),  # one D item only
        (DSM_MINIMUM | {"q16": 0}, False),  # one E item only
        ({f"q{n}": 1 for n in range(1, 21)}, False),  # "a little bit" never counts
    ],
)
def test_pcl5_dsm_rule_needs_1_b_1_c_2_d_2_e_items_at_2_or_more(
    answers: dict[str, int], flagged: bool
) -> None:
    result = score(PCL5, pcl5_answers(**answers))
    assert (Flag.PROVISIONAL_PTSD_BY_DSM_RULE in result.flags) is flagged


def test_pcl5_dsm_rule_flags_below_the_total_cutoff() -> None:
    result = score(PCL5, pcl5_answers(**DSM_MINIMUM))
    assert result.total == 12
    assert result.flags == (Flag.PROVISIONAL_PTSD_BY_DSM_RULE,)


def test_pcl5_gives_the_cluster_sums() -> None:
    result = score(PCL5, pcl5_answers(q1=4, q5=1, q7=3, q14=2, q20=4))
    assert dict(result.subscores) == {"B": 5, "C": 3, "D": 2, "E": 4}


# --- BPI: severity and interference means ------------------------------------------


@pytest.mark.parametrize(
    ("severity", "mean", "shown"),
    [
        ((7, 2, 5, 4), "4.5", "4.5"),
        ((1, 1, 1, 2), "1.25", "1.3"),  # shown half up
        ((0, 0, 0, 1), "0.25", "0.3"),
        ((10, 10, 10, 10), "10", "10.0"),
        ((3, 3, 3, 3), "3", "3.0"),
    ],
)
def test_bpi_severity_is_the_mean_of_the_4_severity_items(
    severity: tuple[int, int, int, int], mean: str, shown: str
) -> None:
    result = score(BPI, bpi_severity(*severity))
    assert result.total == result.subscores["severity"] == D(mean)
    assert for_display(result.total) == D(shown)


@pytest.mark.parametrize(
    ("interference", "mean"),
    [
        ({"mood": 3, "sleep": 6, "general_activity": 5}, None),  # 3 of 7
        ({"mood": 3, "sleep": 6, "general_activity": 5, "relations": 1}, D("3.75")),
        (dict.fromkeys(("general_activity", "mood", "walking_ability"), 4), None),
        (
            {
                "general_activity": 1,
                "mood": 2,
                "walking_ability": 3,
                "normal_work": 4,
                "relations": 5,
                "sleep": 6,
                "enjoyment_of_life": 7,
            },
            D("4.0"),
        ),
        ({"mood": 1, "sleep": 0, "relations": 0, "normal_work": 0}, D("0.25")),
    ],
)
def test_bpi_interference_is_scored_when_4_of_7_are_answered(
    interference: dict[str, int], mean: Decimal | None
) -> None:
    result = score(BPI, bpi_severity(5, 5, 5, 5) | interference)
    assert result.subscores["interference"] == mean


def test_bpi_needs_all_4_severity_items() -> None:
    answers = bpi_severity(5, 5, 5, 5)
    del answers["now"]
    with pytest.raises(ValueError, match="item 'now'"):
        score(BPI, answers)


def test_bpi_keeps_relief_percent_unscored() -> None:
    result = score(BPI, bpi_severity(4, 4, 4, 4) | {"relief_percent": 70})
    assert result.total == D("4.0")
    assert result.answers["relief_percent"] == 70


# --- C-SSRS screener: each branch ---------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "risk", "flags"),
    [
        (cssrs_answers(), CssrsRisk.NONE, ()),
        (
            cssrs_answers(q1=True),
            CssrsRisk.LOW,
            (Flag.SUICIDAL_IDEATION_LOW_RISK,),
        ),
        (
            cssrs_answers(q2=True, q3=False, q4=False, q5=False),
            CssrsRisk.LOW,
            (Flag.SUICIDAL_IDEATION_LOW_RISK,),
        ),
        (
            cssrs_answers(q1=True, q2=True, q3=True, q4=False, q5=False),
            CssrsRisk.MODERATE,
            (Flag.SUICIDE_RISK,),
        ),
        (
            cssrs_answers(q6=True, q6_past_3_months=False),
            CssrsRisk.MODERATE,
            (Flag.SUICIDE_RISK,),
        ),
        (
            cssrs_answers(q2=True, q3=False, q4=True, q5=False),
            CssrsRisk.HIGH,
            (Flag.SUICIDE_RISK, Flag.SUICIDE_RISK_HIGH),
        ),
        (
            cssrs_answers(q2=True, q3=True, q4=False, q5=True),
            CssrsRisk.HIGH,
            (Flag.SUICIDE_RISK, Flag.SUICIDE_RISK_HIGH),
        ),
        (
            cssrs_answers(q6=True, q6_past_3_months=True),
            CssrsRisk.HIGH,
            (Flag.SUICIDE_RISK, Flag.SUICIDE_RISK_HIGH),
        ),
    ],
)
def test_cssrs_risk_follows_the_triage_rules(
    answers: dict[str, bool | None], risk: CssrsRisk, flags: tuple[Flag, ...]
) -> None:
    result = score(CSSRS, answers)
    assert result.total is None
    assert result.band == risk.value
    assert result.flags == flags
    assert result.urgent is (risk in (CssrsRisk.MODERATE, CssrsRisk.HIGH))


def test_cssrs_takes_0_and_1_as_well_as_booleans() -> None:
    as_numbers = score(CSSRS, {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0})
    as_booleans = score(
        CSSRS,
        {"q1": True, "q2": True, "q3": False, "q4": True, "q5": False, "q6": False},
    )
    assert as_numbers == as_booleans


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (cssrs_answers(q3=False), "'q3' is asked only when 'q2' is answered 'Yes'"),
        (cssrs_answers(q2=True, q3=True, q5=False), r"item 'q4' .* is not answered"),
        (
            cssrs_answers(q6_past_3_months=False),
            "'q6_past_3_months' is asked only when 'q6'",
        ),
        (cssrs_answers(q6=True), r"item 'q6_past_3_months' .* is not answered"),
        ({"q1": False, "q6": False}, r"item 'q2' .* is not answered"),
    ],
)
def test_cssrs_refuses_answers_against_its_branching(
    answers: dict[str, bool | None], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score(CSSRS, answers)


# --- Change: response and remission, CLINICAL.md 5.2 -------------------------------


def phq9_total(total: int) -> Score:
    return score(PHQ9, answers_with_total(PHQ9, total))


@pytest.mark.parametrize(
    ("baseline", "current", "response", "remission", "percent"),
    [
        (20, 10, True, False, "-50.0"),  # exactly 50%: response
        (20, 11, False, False, "-45.0"),
        (9, 5, False, False, "-44.4"),  # 44.4%; 5 is not below 5
        (9, 4, True, True, "-55.6"),
        (10, 5, True, False, "-50.0"),
        (18, 4, True, True, "-77.8"),
        (5, 7, False, False, "40.0"),  # worse
        (12, 12, False, False, "0.0"),
    ],
)
def test_phq9_response_is_a_50_percent_drop_and_remission_below_5(
    baseline: int, current: int, response: bool, remission: bool, percent: str
) -> None:
    result = change(PHQ9, phq9_total(baseline), phq9_total(current))
    assert result.definition == PHQ9_OUTCOME
    assert (result.response, result.remission) == (response, remission)
    assert result.percent_change == D(percent)
    assert result.change_points == D(current - baseline)


def test_response_is_judged_on_exact_values_not_the_rounded_percent() -> None:
    # 27 -> 14 is a 48.15% drop; 27 -> 13 is 51.85%.
    assert change(PHQ9, phq9_total(27), phq9_total(14)).response is False
    assert change(PHQ9, phq9_total(27), phq9_total(13)).response is True


@pytest.mark.parametrize(
    ("baseline", "current", "default", "keith"),
    [
        (12, 9, False, True),  # 25% but ends below 10
        (12, 10, False, False),
        (24, 12, True, True),
        (20, 11, False, False),
    ],
)
def test_the_keith_variant_also_counts_a_final_total_below_10(
    baseline: int, current: int, default: bool, keith: bool
) -> None:
    before, after = phq9_total(baseline), phq9_total(current)
    assert change(PHQ9, before, after).response is default
    result = change(PHQ9, before, after, PHQ9_OUTCOME_KEITH)
    assert result.response is keith
    assert result.definition == PHQ9_OUTCOME_KEITH


def test_a_baseline_of_0_gives_no_percent_and_no_response() -> None:
    result = change(PHQ9, phq9_total(0), phq9_total(0))
    assert (result.percent_change, result.response, result.remission) == (
        None,
        None,
        True,
    )


@pytest.mark.parametrize(
    ("baseline", "current", "response", "substantial"),
    [
        (10, 7, True, False),  # 30%: moderately important
        (10, 8, False, False),
        (10, 5, True, True),  # 50%: substantial
        (7, 5, False, False),  # 28.6%
        (9, 6, True, False),  # 33.3%
        (0, 0, None, None),
    ],
)
def test_pain_response_is_30_percent_and_substantial_50_percent(
    baseline: int, current: int, response: bool | None, substantial: bool | None
) -> None:
    result = change(
        PAIN_NRS,
        score(PAIN_NRS, {"pain": baseline}),
        score(PAIN_NRS, {"pain": current}),
    )
    assert (result.response, result.substantial, result.remission) == (
        response,
        substantial,
        None,
    )


@pytest.mark.parametrize(("current", "response"), [(4, True), (5, False)])
def test_pain_can_be_judged_by_a_2_point_drop_instead(
    current: int, response: bool
) -> None:
    result = change(
        PAIN_NRS,
        score(PAIN_NRS, {"pain": 6}),
        score(PAIN_NRS, {"pain": current}),
        PAIN_NRS_OUTCOME_POINTS,
    )
    assert result.response is response


@pytest.mark.parametrize(
    ("baseline", "current", "response", "remission"),
    [
        (50, 40, True, False),
        (50, 41, False, False),
        (42, 32, True, True),
        (40, 33, False, False),
        (30, 25, False, True),
    ],
)
def test_pcl5_response_is_a_10_point_drop_and_remission_below_the_cutoff(
    baseline: int, current: int, response: bool, remission: bool
) -> None:
    result = change(
        PCL5,
        score(PCL5, answers_with_total(PCL5, baseline)),
        score(PCL5, answers_with_total(PCL5, current)),
    )
    assert (result.response, result.remission) == (response, remission)


def test_pcl5_remission_follows_a_lower_cutoff() -> None:
    instrument = pcl5(31)
    result = change(
        instrument,
        score(instrument, answers_with_total(instrument, 45)),
        score(instrument, answers_with_total(instrument, 31)),
    )
    assert result.remission is False


def test_bpi_change_uses_severity_by_default_and_interference_on_request() -> None:
    interference = {"mood": 6, "sleep": 6, "relations": 6, "normal_work": 6}
    before = score(BPI, bpi_severity(8, 4, 6, 6) | interference)  # severity 6.0
    after = score(
        BPI, bpi_severity(5, 2, 4, 3) | dict.fromkeys(interference, 5)
    )  # severity 3.5, interference 5.0
    by_severity = change(BPI, before, after)
    assert (by_severity.measure, by_severity.percent_change) == ("severity", D("-41.7"))
    assert (by_severity.response, by_severity.substantial) == (True, False)
    by_interference = change(BPI, before, after, BPI_INTERFERENCE_OUTCOME)
    assert by_interference.change_points == D("-1.0")
    assert by_interference.response is True


def test_bpi_response_is_judged_on_the_exact_means_not_the_rounded_ones() -> None:
    # Interference 25/4 = 6.25 (shown 6.3), then 37/7 = 5.2857 (shown 5.3): the
    # shown values drop by 1.0, the true drop is 0.96, short of the 1-point change.
    before = score(
        BPI,
        bpi_severity(5, 5, 5, 5)
        | {"mood": 7, "sleep": 6, "relations": 6, "normal_work": 6},
    )
    after = score(
        BPI,
        bpi_severity(5, 5, 5, 5)
        | {
            "general_activity": 6,
            "mood": 5,
            "walking_ability": 5,
            "normal_work": 5,
            "relations": 5,
            "sleep": 5,
            "enjoyment_of_life": 6,
        },
    )
    assert for_display(before.subscores["interference"]) == D("6.3")
    assert for_display(after.subscores["interference"]) == D("5.3")
    result = change(BPI, before, after, BPI_INTERFERENCE_OUTCOME)
    assert result.response is False
    assert for_display(result.change_points) == D("-1.0")


BPI_ANSWERS = st.integers(0, 10)


@st.composite
def bpi_scores(draw: st.DrawFn) -> Score:
    severity = draw(st.tuples(*[BPI_ANSWERS] * 4))
    keys = draw(st.sets(st.sampled_from(BPI.subscales[1].item_keys), min_size=4))
    return score(
        BPI, bpi_severity(*severity) | {key: draw(BPI_ANSWERS) for key in keys}
    )


def exact_mean(given: Score, keys: tuple[str, ...]) -> Fraction:
    values = [v for key in keys if (v := given.answers[key]) is not None]
    return Fraction(sum(values), len(values))


@given(bpi_scores(), bpi_scores())
def test_bpi_response_equals_the_judgement_in_exact_fractions(
    before: Score, after: Score
) -> None:
    keys = BPI.subscales[1].item_keys
    drop = exact_mean(before, keys) - exact_mean(after, keys)
    result = change(BPI, before, after, BPI_INTERFERENCE_OUTCOME)
    assert result.response is (drop >= 1)
    severity_keys = BPI.subscales[0].item_keys
    base = exact_mean(before, severity_keys)
    now = exact_mean(after, severity_keys)
    by_severity = change(BPI, before, after)
    if base:
        assert by_severity.response is ((base - now) * 100 >= 30 * base)
        assert by_severity.substantial is ((base - now) * 100 >= 50 * base)
        exact_percent = (now - base) * 100 / base
        assert abs(Fraction(by_severity.percent_change) - exact_percent) <= Fraction(
            1, 20
        )


@given(bpi_scores())
def test_bpi_means_are_shown_half_up_to_a_tenth(given_score: Score) -> None:
    exact = exact_mean(given_score, BPI.subscales[0].item_keys)
    shown = for_display(given_score.total)
    assert abs(Fraction(shown) - exact) <= Fraction(1, 20)
    assert Fraction(shown) - exact != Fraction(-1, 20)  # a half goes up


def test_bpi_change_refuses_an_unscored_interference() -> None:
    scored = score(BPI, bpi_severity(5, 5, 5, 5) | {"mood": 1})
    with pytest.raises(ValueError, match="baseline .* has no interference"):
        change(BPI, scored, scored, BPI_INTERFERENCE_OUTCOME)


def test_gad7_change_is_measured_without_judging_response() -> None:
    result = change(
        GAD7,
        score(GAD7, answers_with_total(GAD7, 16)),
        score(GAD7, answers_with_total(GAD7, 4)),
    )
    assert result.definition is None
    assert result.percent_change == D("-75.0")
    assert (result.response, result.remission) == (None, None)


def test_change_refuses_scores_of_another_instrument() -> None:
    with pytest.raises(ValueError, match="baseline score is a gad7 score, not PHQ-9"):
        change(PHQ9, score(GAD7, answers_with_total(GAD7, 5)), phq9_total(5))


def test_change_refuses_the_cssrs_which_has_no_total() -> None:
    screened = score(CSSRS, cssrs_answers())
    with pytest.raises(ValueError, match="has no total to compare"):
        change(CSSRS, screened, screened)


def test_every_instrument_default_outcome_is_listed_first() -> None:
    for code, definitions in OUTCOME_DEFINITIONS.items():
        assert definitions[0] == INSTRUMENTS[code].outcome


# --- Properties -------------------------------------------------------------------


def valid_answers(instrument: Instrument) -> st.SearchStrategy[dict[str, int]]:
    """Any valid answers to the items of a summed instrument, required or not."""
    return st.fixed_dictionaries(
        {
            item.key: st.sampled_from(item.values)
            for item in instrument.items
            if item.required
        },
        optional={
            item.key: st.sampled_from(item.values)
            for item in instrument.items
            if not item.required
        },
    )


@given(valid_answers(PHQ9))
def test_phq9_total_is_the_sum_of_items_1_to_9_within_0_to_27(
    answers: dict[str, int],
) -> None:
    result = score(PHQ9, answers)
    assert result.total == sum(answers[f"q{n}"] for n in range(1, 10))
    assert 0 <= result.total <= 27


@given(
    st.sampled_from([PHQ9, GAD7, PAIN_NRS]).flatmap(
        lambda instrument: st.tuples(st.just(instrument), valid_answers(instrument))
    )
)
def test_any_valid_answers_fall_in_exactly_one_band(
    case: tuple[Instrument, dict[str, int]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert result.total is not None
    containing = [band for band in instrument.bands if band.contains(result.total)]
    assert [band.label for band in containing] == [result.band]


@given(valid_answers(PHQ9))
def test_phq9_item9_of_1_or_more_always_flags(answers: dict[str, int]) -> None:
    result = score(PHQ9, answers)
    assert (Flag.SUICIDE_RISK in result.flags) is (answers["q9"] >= 1)


@st.composite
def cssrs_valid_answers(draw: st.DrawFn) -> dict[str, bool]:
    yes_no = st.booleans()
    answers = {"q1": draw(yes_no), "q2": draw(yes_no), "q6": draw(yes_no)}
    if answers["q2"]:
        answers |= {key: draw(yes_no) for key in ("q3", "q4", "q5")}
    if answers["q6"]:
        answers["q6_past_3_months"] = draw(yes_no)
    return answers


@given(cssrs_valid_answers())
def test_any_cssrs_answers_give_one_risk_and_urgent_only_at_moderate_or_high(
    answers: dict[str, bool],
) -> None:
    result = score(CSSRS, answers)
    risk = CssrsRisk(result.band)
    assert result.urgent is (risk in (CssrsRisk.MODERATE, CssrsRisk.HIGH))
    assert (risk is CssrsRisk.NONE) is (not any(answers.values()))


@given(st.integers(0, 27), st.integers(0, 27))
def test_phq9_response_matches_the_50_percent_definition(
    baseline: int, current: int
) -> None:
    result = change(PHQ9, phq9_total(baseline), phq9_total(current))
    if baseline == 0:
        assert result.response is None
    else:
        assert result.response is (2 * (baseline - current) >= baseline)
    assert result.remission is (current < 5)


def test_a_clinic_changes_a_cutoff_with_data_not_code() -> None:
    stricter = replace(
        PHQ9, total_flags=(FlagRule(Flag.DEPRESSION_SCREEN_POSITIVE, 8),)
    )
    result = score(stricter, answers_with_total(stricter, 8))
    assert Flag.DEPRESSION_SCREEN_POSITIVE in result.flags


THOUGHTS_ONLY = {"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}


@pytest.mark.parametrize(
    ("answers", "policy", "task"),
    [
        (THOUGHTS_ONLY, True, True),  # real suicidal thoughts alone: the policy
        (THOUGHTS_ONLY, False, False),
        ({"q1": 1, "q2": 0, "q6": 0}, True, False),  # a wish to be dead only
        (THOUGHTS_ONLY | {"q3": 1}, False, True),  # moderate risk, whatever it says
    ],
)
def test_a_cssrs_q2_yes_raises_a_task_when_the_policy_says_so(answers, policy, task):
    score = scales.score(scales.CSSRS, answers)
    assert scales.raises_task(score, cssrs_q2_task=policy) is task


def test_the_cssrs_q2_policy_leaves_other_instruments_alone():
    calm = scales.score(scales.PHQ9, {f"q{n}": 0 for n in range(1, 10)})
    assert not scales.raises_task(calm, cssrs_q2_task=True)
