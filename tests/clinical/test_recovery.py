"""Recovery: the modified Aldrete and PADSS tables of CLINICAL.md 3.1 and 3.2, the
recovery minimum and escort of CLINICAL.md 3, and properties of the scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical.recovery import (
    ALDRETE_ITEMS,
    ALDRETE_STRICT_MINIMUMS,
    DISCHARGE_THRESHOLD,
    ON_OXYGEN,
    PADSS_ITEMS,
    RECOVERY_MINUTES_FLOOR,
    Scale,
    ScoreRefused,
    aldrete,
    aldrete_items,
    padss,
    readiness,
)
from ketaclinic.clinical.vitals import Reading, ReadingRefused

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BEFORE = Reading(130, 80, 70, 98, 14)
AWAKE = {"activity": 2, "respiration": 2, "consciousness": 2, ON_OXYGEN: 0}
WELL = {"activity": 2, "nausea": 2, "pain": 2, "bleeding": 2}


def points(score, key):
    return {k: p for k, p, _ in score.items}[key]


def test_the_defaults_of_clinical_3():
    assert RECOVERY_MINUTES_FLOOR == 30
    assert DISCHARGE_THRESHOLD == 9
    assert [item.key for item in ALDRETE_ITEMS] == [
        "activity",
        "respiration",
        "circulation",
        "consciousness",
        "oxygen",
    ]
    assert [item.key for item in PADSS_ITEMS] == [
        "vital_signs",
        "activity",
        "nausea",
        "pain",
        "bleeding",
    ]


@pytest.mark.parametrize(
    "items", [ALDRETE_ITEMS, aldrete_items("percent"), PADSS_ITEMS]
)
def test_every_item_offers_2_1_0_in_plain_words(items):
    for item in items:
        assert [p for p, _ in item.options] == [2, 1, 0]
        assert item.maximum == 2
        assert item.source and item.label
        for _, words in item.options:
            assert words and "_" not in words


# CLINICAL.md 3.1 circulation, mmHg variant: +/- 20 -> 2, 20-50 -> 1, > 50 -> 0
@pytest.mark.parametrize(
    ("systolic", "expected"),
    [
        (130, 2),
        (150, 2),
        (110, 2),
        (151, 1),
        (109, 1),
        (180, 1),
        (80, 1),
        (181, 0),
        (79, 0),
    ],
)
def test_aldrete_circulation_in_mmhg(systolic, expected):
    score = aldrete(AWAKE, baseline=BEFORE, current=Reading(systolic, 60, spo2_pct=97))
    assert points(score, "circulation") == expected


# percent variant: within 20 % -> 2, 20-49 % -> 1, >= 50 % -> 0 (baseline 130)
@pytest.mark.parametrize(
    ("systolic", "expected"),
    [(156, 2), (104, 2), (157, 1), (194, 1), (195, 0), (65, 0), (66, 1)],
)
def test_aldrete_circulation_in_percent(systolic, expected):
    score = aldrete(
        AWAKE,
        baseline=BEFORE,
        current=Reading(systolic, 60, spo2_pct=97),
        circulation="percent",
    )
    assert points(score, "circulation") == expected


# SpO2 > 92 % on room air -> 2; needs oxygen to stay > 90 % -> 1; else 0
@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "expected"),
    [
        (98, 0, 2),
        (93, 0, 2),
        (92, 0, 1),
        (91, 0, 1),
        (98, 1, 1),
        (91, 1, 1),
        (90, 1, 0),
        (90, 0, 0),
        (85, 1, 0),
    ],
)
def test_aldrete_oxygen_saturation(spo2, on_oxygen, expected):
    observed = AWAKE | {ON_OXYGEN: on_oxygen}
    score = aldrete(observed, baseline=BEFORE, current=Reading(128, 78, spo2_pct=spo2))
    assert points(score, "oxygen") == expected


def test_aldrete_without_readings_takes_the_nurses_observations():
    observed = AWAKE | {"circulation": 1, "oxygen": 2}
    score = aldrete(observed, baseline=Reading(), current=Reading())
    assert (score.total, score.maximum) == (9, 10)
    assert score.passes
    with pytest.raises(ScoreRefused) as caught:
        aldrete(AWAKE, baseline=Reading(), current=Reading())
    assert caught.value.field == "circulation"


def test_where_a_reading_and_the_nurse_disagree_the_lower_counts():
    reading = Reading(128, 78, spo2_pct=98)
    nurse_lower = aldrete(AWAKE | {"oxygen": 1}, baseline=BEFORE, current=reading)
    assert points(nurse_lower, "oxygen") == 1
    nurse_higher = aldrete(
        AWAKE | {"circulation": 2},
        baseline=BEFORE,
        current=Reading(190, 90, spo2_pct=98),
    )
    assert points(nurse_higher, "circulation") == 0


def test_the_aldrete_threshold_and_the_strict_variant():
    score = aldrete(
        AWAKE | {"respiration": 1}, baseline=BEFORE, current=Reading(128, 78, 72, 97)
    )
    assert score.total == 9 and score.passes
    strict = aldrete(
        AWAKE | {"respiration": 1},
        baseline=BEFORE,
        current=Reading(128, 78, 72, 97),
        minimums=ALDRETE_STRICT_MINIMUMS,
    )
    assert strict.total == 9 and not strict.passes
    low = aldrete(
        AWAKE | {"respiration": 1, "consciousness": 1},
        baseline=BEFORE,
        current=Reading(128, 78, 72, 97),
    )
    assert low.total == 8 and not low.passes
    assert low.words.startswith("Modified Aldrete score 8 of 10: not yet, 9 needed.")
    assert "Breathing: short of breath" in low.words
    assert "_" not in low.words


# PADSS vital signs: within 20 % -> 2, 20-40 % -> 1, > 40 % -> 0 of the value
# before the infusion (largest change of BP, HR and breathing rate)
@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (Reading(130, 80, 70, 98, 14), 2),
        (Reading(156, 96, 84, 98, 16), 2),
        (Reading(157, 80, 70), 1),
        (Reading(130, 80, 98), 1),
        (Reading(130, 80, 99), 0),
        (Reading(130, 113, 70), 0),
        (Reading(130, 80, 70, resp_rate_per_min=17), 1),
        (Reading(130, 80, 70, resp_rate_per_min=8), 0),
    ],
)
def test_padss_vital_signs(current, expected):
    score = padss(WELL, baseline=BEFORE, current=current)
    assert points(score, "vital_signs") == expected


def test_padss_items_from_the_nurse():
    score = padss(WELL | {"pain": 1}, baseline=BEFORE, current=BEFORE)
    assert (score.scale, score.total, score.maximum) == (Scale.PADSS, 9, 10)
    assert score.passes
    nauseous = padss(WELL | {"nausea": 0}, baseline=BEFORE, current=BEFORE)
    assert nauseous.total == 8 and not nauseous.passes
    assert "Nausea or vomiting: severe, needs treatment" in nauseous.words
    without_readings = padss(
        WELL | {"vital_signs": 2}, baseline=Reading(), current=Reading()
    )
    assert without_readings.total == 10


@pytest.mark.parametrize(
    ("observed", "field"),
    [
        ({k: v for k, v in WELL.items() if k != "pain"}, "pain"),
        (WELL | {"pain": 3}, "pain"),
        (WELL | {"pain": -1}, "pain"),
        (WELL | {"pain": True}, "pain"),
        (WELL | {"mood": 2}, "mood"),
    ],
)
def test_padss_refuses_what_cannot_be_scored(observed, field):
    with pytest.raises(ScoreRefused) as caught:
        padss(observed, baseline=BEFORE, current=BEFORE)
    assert caught.value.field == field
    assert "_" not in caught.value.message


def test_aldrete_asks_whether_oxygen_is_given():
    without = {k: v for k, v in AWAKE.items() if k != ON_OXYGEN}
    with pytest.raises(ScoreRefused) as caught:
        aldrete(without, baseline=BEFORE, current=Reading(spo2_pct=97))
    assert caught.value.field == ON_OXYGEN
    with pytest.raises(ScoreRefused):
        aldrete(AWAKE | {ON_OXYGEN: 2}, baseline=BEFORE, current=Reading(spo2_pct=97))
    nurse = aldrete(
        without | {"oxygen": 1}, baseline=BEFORE, current=Reading(128, 78, spo2_pct=97)
    )
    assert points(nurse, "oxygen") == 1


def test_impossible_readings_are_refused():
    with pytest.raises(ReadingRefused):
        padss(WELL, baseline=BEFORE, current=Reading(heart_rate_bpm=400))


# --- Ready to leave (CLINICAL.md 3) ------------------------------------------------


def passing():
    return padss(WELL, baseline=BEFORE, current=BEFORE)


def failing():
    return padss(WELL | {"nausea": 0, "pain": 1}, baseline=BEFORE, current=BEFORE)


@pytest.mark.parametrize(
    ("minutes", "minimum", "score", "escort", "ready", "missing"),
    [
        (30, 30, passing, True, True, []),
        (29, 30, passing, True, False, ["1 minute to go"]),
        (20, 20, passing, True, False, ["at least 30 minutes", "10 minutes to go"]),
        (45, 60, passing, True, False, ["at least 60 minutes", "15 minutes to go"]),
        (60, 60, passing, True, True, []),
        (40, 30, None, True, False, ["No discharge score"]),
        (40, 30, failing, True, False, ["7 of 10; 9 or more is needed"]),
        (40, 30, passing, False, False, ["No adult escort"]),
        (10, 30, None, False, False, ["20 minutes", "No discharge", "No adult"]),
    ],
)
def test_readiness(minutes, minimum, score, escort, ready, missing):
    result = readiness(
        stopped_at=T0,
        now=T0 + timedelta(minutes=minutes),
        minimum_minutes=minimum,
        score=score() if score else None,
        escort_verified=escort,
    )
    assert result.ready is ready
    assert result.earliest == T0 + timedelta(
        minutes=max(minimum, RECOVERY_MINUTES_FLOOR)
    )
    for words in missing:
        assert words in result.words
    assert (result.reasons == ()) is ready
    if ready:
        assert "Ready to leave" in result.words


def test_a_score_over_the_threshold_that_misses_a_minimum_says_so():
    strict = aldrete(
        AWAKE | {"respiration": 1},
        baseline=BEFORE,
        current=Reading(128, 78, 72, 97),
        minimums=ALDRETE_STRICT_MINIMUMS,
    )
    result = readiness(
        stopped_at=T0,
        now=T0 + timedelta(hours=1),
        minimum_minutes=30,
        score=strict,
        escort_verified=True,
    )
    assert not result.ready
    assert "no item below its minimum" in result.words


# --- Properties -------------------------------------------------------------------

item_points = st.integers(0, 2)
vitals = st.builds(
    Reading,
    systolic_mmhg=st.one_of(st.none(), st.integers(100, 300)),
    diastolic_mmhg=st.one_of(st.none(), st.integers(20, 99)),
    heart_rate_bpm=st.one_of(st.none(), st.integers(20, 300)),
    spo2_pct=st.one_of(st.none(), st.integers(50, 100)),
    resp_rate_per_min=st.one_of(st.none(), st.integers(1, 80)),
)
aldrete_observed = st.fixed_dictionaries(
    {item.key: item_points for item in ALDRETE_ITEMS} | {ON_OXYGEN: st.integers(0, 1)}
)
padss_observed = st.fixed_dictionaries({item.key: item_points for item in PADSS_ITEMS})
circulations = st.sampled_from(["mmHg", "percent"])


@given(
    observed=aldrete_observed,
    baseline=vitals,
    current=vitals,
    circulation=circulations,
    key=st.sampled_from([item.key for item in ALDRETE_ITEMS]),
)
def test_aldrete_is_within_range_and_monotone_in_each_item(
    observed, baseline, current, circulation, key
):
    score = aldrete(
        observed, baseline=baseline, current=current, circulation=circulation
    )
    assert 0 <= score.total <= score.maximum == 10
    assert score.total == sum(p for _, p, _ in score.items)
    assert score.passes == (score.total >= DISCHARGE_THRESHOLD)
    better = observed | {key: min(observed[key] + 1, 2)}
    raised = aldrete(
        better, baseline=baseline, current=current, circulation=circulation
    )
    assert raised.total >= score.total
    assert raised.passes or not score.passes


@given(
    observed=padss_observed,
    baseline=vitals,
    current=vitals,
    key=st.sampled_from([item.key for item in PADSS_ITEMS]),
)
def test_padss_is_within_range_and_monotone_in_each_item(
    observed, baseline, current, key
):
    score = padss(observed, baseline=baseline, current=current)
    assert 0 <= score.total <= score.maximum == 10
    worse = observed | {key: max(observed[key] - 1, 0)}
    lowered = padss(worse, baseline=baseline, current=current)
    assert lowered.total <= score.total
    assert score.passes or not lowered.passes


@given(
    baseline=st.integers(90, 200),
    a=st.integers(40, 300),
    b=st.integers(40, 300),
    circulation=circulations,
)
def test_circulation_never_scores_higher_further_from_before(
    baseline, a, b, circulation
):
    near, far = sorted((a, b), key=lambda s: abs(s - baseline))
    scores = [
        points(
            aldrete(
                AWAKE,
                baseline=Reading(systolic_mmhg=baseline),
                current=Reading(systolic_mmhg=s, spo2_pct=97),
                circulation=circulation,
            ),
            "circulation",
        )
        for s in (near, far)
    ]
    assert scores[0] >= scores[1]


@given(
    seconds=st.integers(-3600, 6 * 3600),
    minimum=st.integers(-10, 240),
    escort=st.booleans(),
    scored=st.booleans(),
)
def test_never_ready_before_the_floor(seconds, minimum, escort, scored):
    now = T0 + timedelta(seconds=seconds)
    result = readiness(
        stopped_at=T0,
        now=now,
        minimum_minutes=minimum,
        score=passing() if scored else None,
        escort_verified=escort,
    )
    if now < T0 + timedelta(minutes=RECOVERY_MINUTES_FLOOR):
        assert not result.ready
    if now < T0 + timedelta(minutes=minimum):
        assert not result.ready
    assert result.earliest >= T0 + timedelta(minutes=RECOVERY_MINUTES_FLOOR)
    assert result.ready == (now >= result.earliest and escort and scored)
