"""Vital signs on infusion day: the suggested default policy of CLINICAL.md 1.7 as a
table, refusals of impossible readings, when readings are due (1.6), and
properties of the judgement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical import plan_orders
from ketaclinic.clinical.vitals import (
    DEFAULT_INTERVALS,
    EARLY_RECHECK,
    HYPERTENSION_SYMPTOMS,
    PHYSICAL_RANGES,
    Action,
    Intervals,
    Phase,
    Reading,
    ReadingRefused,
    check,
    is_overdue,
    judge,
    limit_values,
    next_check_due,
)

LIMITS = plan_orders.vital_limits({})
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHEST = frozenset({"chest_pain"})


def test_action_rank_runs_from_proceed_to_stop():
    order = [
        Action.PROCEED,
        Action.ACKNOWLEDGE,
        Action.RECHECK,
        Action.ALERT,
        Action.HOLD,
        Action.PAUSE,
        Action.STOP,
    ]
    assert [action.rank for action in order] == list(range(7))
    assert sorted(Action, key=lambda a: a.rank) == order


# CLINICAL.md 1.7, suggested default policy: (phase, reading, previous, action, key)
POLICY = [
    # Before the infusion
    (Phase.BASELINE, Reading(128, 82, 72, 98), None, Action.PROCEED, None),
    (Phase.BASELINE, Reading(139, 89), None, Action.PROCEED, None),
    (Phase.BASELINE, Reading(140, 80), None, Action.ACKNOWLEDGE, "pre_bp_ack"),
    (Phase.BASELINE, Reading(130, 90), None, Action.ACKNOWLEDGE, "pre_bp_ack"),
    (Phase.BASELINE, Reading(159, 99), None, Action.ACKNOWLEDGE, "pre_bp_ack"),
    (Phase.BASELINE, Reading(160, 80), None, Action.RECHECK, "pre_bp_hold"),
    (Phase.BASELINE, Reading(150, 100), None, Action.RECHECK, "pre_bp_hold"),
    (
        Phase.BASELINE,
        Reading(162, 95),
        Reading(170, 98),
        Action.HOLD,
        "pre_bp_hold",
    ),
    (
        Phase.BASELINE,
        Reading(150, 92),
        Reading(170, 98),
        Action.ACKNOWLEDGE,
        "pre_bp_ack",
    ),
    (
        Phase.BASELINE,
        Reading(165, 92),
        Reading(150, 92),
        Action.RECHECK,
        "pre_bp_hold",
    ),
    (Phase.BASELINE, Reading(130, 80, symptoms=CHEST), None, Action.HOLD, "symptoms"),
    (Phase.BASELINE, Reading(130, 80, 125), None, Action.ALERT, "baseline_hr"),
    (
        Phase.BASELINE,
        Reading(130, 80, spo2_pct=91),
        None,
        Action.ALERT,
        "baseline_spo2",
    ),
    # During the infusion
    (Phase.INFUSION, Reading(179, 109, 100, 95), None, Action.PROCEED, None),
    (Phase.INFUSION, Reading(180, 90), None, Action.PAUSE, "bp_pause"),
    (Phase.INFUSION, Reading(150, 110), None, Action.PAUSE, "bp_pause"),
    (Phase.INFUSION, Reading(184, 96), None, Action.PAUSE, "bp_pause"),
    (
        Phase.INFUSION,
        Reading(150, 92, symptoms=frozenset({"severe_headache"})),
        None,
        Action.STOP,
        "bp_symptoms",
    ),
    (
        Phase.INFUSION,
        Reading(132, 84, symptoms=frozenset({"visual_change"})),
        Reading(124, 80),
        Action.STOP,
        "bp_symptoms",
    ),
    (
        Phase.INFUSION,
        Reading(120, 78, symptoms=frozenset({"dyspnoea"})),
        Reading(124, 80),
        Action.PAUSE,
        "symptoms",
    ),
    (Phase.INFUSION, Reading(heart_rate_bpm=120), None, Action.PROCEED, None),
    (Phase.INFUSION, Reading(heart_rate_bpm=121), None, Action.ALERT, "hr_pause"),
    (
        Phase.INFUSION,
        Reading(heart_rate_bpm=126),
        Reading(heart_rate_bpm=118),
        Action.ALERT,
        "hr_pause",
    ),
    (
        Phase.INFUSION,
        Reading(heart_rate_bpm=126),
        Reading(heart_rate_bpm=124),
        Action.PAUSE,
        "hr_pause",
    ),
    (Phase.INFUSION, Reading(spo2_pct=92), None, Action.PROCEED, None),
    (Phase.INFUSION, Reading(spo2_pct=91), None, Action.PAUSE, "spo2_pause"),
    (Phase.INFUSION, Reading(spo2_pct=88), None, Action.PAUSE, "spo2_pause"),
    (
        Phase.INFUSION,
        Reading(spo2_pct=88),
        Reading(spo2_pct=91),
        Action.PAUSE,
        "spo2_pause",
    ),
    (
        Phase.INFUSION,
        Reading(spo2_pct=89),
        Reading(spo2_pct=88),
        Action.STOP,
        "spo2_stop",
    ),
    (Phase.INFUSION, Reading(moaas=4), None, Action.PROCEED, None),
    (Phase.INFUSION, Reading(moaas=3), None, Action.PAUSE, "moaas_pause"),
    (Phase.INFUSION, Reading(moaas=0), None, Action.PAUSE, "moaas_pause"),
    (Phase.INFUSION, Reading(dissociation=11), None, Action.PROCEED, None),
    (
        Phase.INFUSION,
        Reading(dissociation=12),
        None,
        Action.ALERT,
        "dissociation_alert",
    ),
    # In recovery the same limits hold
    (Phase.RECOVERY, Reading(182, 100), None, Action.PAUSE, "bp_pause"),
    (
        Phase.RECOVERY,
        Reading(spo2_pct=85),
        Reading(spo2_pct=86),
        Action.STOP,
        "spo2_stop",
    ),
    # The hold limits do not apply once the infusion runs
    (Phase.INFUSION, Reading(165, 102), Reading(170, 104), Action.PROCEED, None),
]


@pytest.mark.parametrize(("phase", "reading", "previous", "action", "key"), POLICY)
def test_the_default_policy_of_clinical_1_7(phase, reading, previous, action, key):
    judgement = judge(reading, LIMITS, phase, previous=previous)
    assert judgement.action is action
    if key is None:
        assert judgement.findings == ()
    else:
        assert judgement.findings[0].key.startswith(key)
        assert judgement.findings[0].source


def test_a_finding_names_the_values_and_units_in_plain_words():
    judgement = judge(Reading(184, 96), LIMITS, Phase.INFUSION)
    assert judgement.words == (
        "Blood pressure 184/96 mmHg is at or above the pause limit of 180/110 mmHg: "
        "pause the pump, re-check in 5 minutes, provider to the chair."
    )
    held = judge(Reading(166, 101), LIMITS, Phase.BASELINE, previous=Reading(171, 99))
    assert "166/101 mmHg" in held.words and "171/99 mmHg" in held.words
    assert "160/100 mmHg" in held.words
    oxygen = judge(Reading(spo2_pct=88), LIMITS, Phase.INFUSION)
    assert "88 %" in oxygen.words and "92 %" in oxygen.words
    symptoms = judge(
        Reading(150, 95, symptoms=frozenset({"chest_pain", "neuro_deficit"})),
        LIMITS,
        Phase.INFUSION,
        baseline=Reading(128, 80),
    )
    assert "chest pain" in symptoms.words and "128/80 mmHg" in symptoms.words
    assert "_" not in symptoms.words


def test_in_recovery_the_words_do_not_speak_of_the_pump():
    judgement = judge(Reading(185, 100), LIMITS, Phase.RECOVERY)
    assert judgement.action is Action.PAUSE
    assert "pump" not in judgement.words


def test_all_clear_has_words_too():
    judgement = judge(Reading(120, 80, 70, 98, 14, 5, 2), LIMITS, Phase.INFUSION)
    assert judgement.action is Action.PROCEED
    assert judgement.words == "Every reading is within the plan's limits: proceed."


def test_a_rise_is_measured_against_the_reading_before_the_infusion():
    headache = frozenset({"severe_headache"})
    risen = judge(
        Reading(128, 82, symptoms=headache),
        LIMITS,
        Phase.INFUSION,
        baseline=Reading(118, 76),
    )
    assert risen.action is Action.STOP
    not_risen = judge(
        Reading(116, 74, symptoms=headache),
        LIMITS,
        Phase.INFUSION,
        baseline=Reading(118, 76),
        previous=Reading(118, 76),
    )
    assert not_risen.action is Action.PAUSE
    unknown = judge(Reading(symptoms=headache), LIMITS, Phase.INFUSION)
    assert unknown.action is Action.PAUSE
    assert "measure blood pressure now" in unknown.words


def test_the_plans_own_limits_are_used():
    limits = plan_orders.vital_limits(
        {"sbp_pause": "170", "spo2_pause": "94", "dissociation_alert": "8"}
    )
    assert judge(Reading(172, 90), limits, Phase.INFUSION).action is Action.PAUSE
    assert judge(Reading(spo2_pct=93), limits, Phase.INFUSION).action is Action.PAUSE
    assert judge(Reading(dissociation=8), limits, Phase.INFUSION).action is Action.ALERT
    assert "170/110 mmHg" in judge(Reading(172, 90), limits, Phase.INFUSION).words


def test_a_plan_signed_before_the_new_limits_falls_back_to_the_defaults():
    old_keys = {"pre_sbp_hold", "pre_dbp_hold", "sbp_pause", "dbp_pause"}
    old_keys |= {"hr_pause", "spo2_pause"}
    old_plan = [limit for limit in LIMITS if limit.key in old_keys]
    values = limit_values(old_plan)
    assert values["pre_sbp_ack"] == Decimal(140)
    assert values["moaas_pause"] == Decimal(3)
    assert judge(Reading(145, 85), old_plan, Phase.BASELINE).action is (
        Action.ACKNOWLEDGE
    )
    assert judge(Reading(moaas=2), old_plan, Phase.INFUSION).action is Action.PAUSE


def test_new_limits_are_plausible_and_ordered():
    defaults = {limit.key: limit for limit in plan_orders.DEFAULT_VITAL_LIMITS}
    assert defaults["pre_sbp_ack"].value == Decimal(140)
    assert defaults["pre_dbp_ack"].value == Decimal(90)
    assert defaults["spo2_stop"].value == Decimal(90)
    assert defaults["moaas_pause"].value == Decimal(3)
    assert defaults["dissociation_alert"].value == Decimal(12)
    for typed, field in [
        ({"pre_sbp_ack": "160"}, "pre_sbp_ack"),
        ({"pre_dbp_ack": "105"}, "pre_dbp_ack"),
        ({"spo2_stop": "93"}, "spo2_stop"),
        ({"moaas_pause": "5"}, "moaas_pause"),
        ({"moaas_pause": "2.5"}, "moaas_pause"),
        ({"dissociation_alert": "30"}, "dissociation_alert"),
    ]:
        with pytest.raises(plan_orders.OrderRefused) as caught:
            plan_orders.vital_limits(typed)
        assert caught.value.field == field
        assert "_" not in caught.value.message


# --- Impossible readings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "field", "words"),
    [
        (Reading(spo2_pct=101), "spo2_pct", "101 %"),
        (Reading(spo2_pct=40), "spo2_pct", "40 %"),
        (Reading(heart_rate_bpm=0), "heart_rate_bpm", "0 beats/min"),
        (Reading(heart_rate_bpm=301), "heart_rate_bpm", "301 beats/min"),
        (Reading(systolic_mmhg=400), "systolic_mmhg", "400 mmHg"),
        (Reading(diastolic_mmhg=5), "diastolic_mmhg", "5 mmHg"),
        (Reading(80, 120), "diastolic_mmhg", "80 mmHg"),
        (Reading(100, 100), "diastolic_mmhg", "100 mmHg"),
        (Reading(resp_rate_per_min=90), "resp_rate_per_min", "90 breaths/min"),
        (Reading(moaas=6), "moaas", "6"),
        (Reading(moaas=-1), "moaas", "-1"),
        (Reading(dissociation=25), "dissociation", "25"),
        (Reading(symptoms=frozenset({"itch"})), "symptoms", "chest pain"),
    ],
)
def test_impossible_readings_are_refused_in_plain_words(reading, field, words):
    with pytest.raises(ReadingRefused) as caught:
        check(reading)
    assert caught.value.field == field
    assert words in caught.value.message
    assert "_" not in caught.value.message
    with pytest.raises(ReadingRefused):
        judge(reading, LIMITS, Phase.INFUSION)


def test_another_dissociation_scale_passes_its_maximum():
    check(Reading(dissociation=40), dissociation_maximum=92)
    with pytest.raises(ReadingRefused):
        check(Reading(dissociation=40))


def test_the_edges_of_the_physical_ranges_are_accepted():
    for name, physical in PHYSICAL_RANGES.items():
        for value in (physical.low, physical.high):
            if name == "diastolic_mmhg":
                check(Reading(systolic_mmhg=max(value + 1, 40), diastolic_mmhg=value))
            else:
                check(Reading(**{name: value}))


def test_every_symptom_has_plain_words():
    assert set(HYPERTENSION_SYMPTOMS) == {
        "chest_pain",
        "severe_headache",
        "visual_change",
        "neuro_deficit",
        "dyspnoea",
    }
    for words in HYPERTENSION_SYMPTOMS.values():
        assert "_" not in words


# --- When readings are due (CLINICAL.md 1.6) ----------------------------------------


def test_readings_are_due_every_10_minutes_in_the_infusion_and_15_after():
    assert Intervals(10, 15, 5) == DEFAULT_INTERVALS
    assert next_check_due(None, Phase.INFUSION, T0) == T0
    last = T0 + timedelta(minutes=3)
    assert next_check_due(last, Phase.INFUSION, T0) == last + timedelta(minutes=10)
    assert next_check_due(last, Phase.RECOVERY, T0) == last + timedelta(minutes=15)
    assert next_check_due(last, Phase.BASELINE, T0) == last + timedelta(minutes=5)
    stopped = T0 + timedelta(minutes=40)
    # The last reading of the infusion does not count for recovery.
    assert next_check_due(T0 + timedelta(minutes=38), Phase.RECOVERY, stopped) == (
        stopped
    )
    faster = Intervals(infusion_minutes=5)
    assert next_check_due(last, Phase.INFUSION, T0, faster) == last + timedelta(
        minutes=5
    )


def test_overdue_only_after_the_due_time():
    last = T0 + timedelta(minutes=10)
    assert not is_overdue(last, Phase.INFUSION, T0, T0 + timedelta(minutes=20))
    assert is_overdue(last, Phase.INFUSION, T0, T0 + timedelta(minutes=20, seconds=1))
    assert is_overdue(None, Phase.INFUSION, T0, T0 + timedelta(seconds=1))


def test_intervals_must_be_positive():
    with pytest.raises(ValueError):
        Intervals(infusion_minutes=0)


# --- Properties ---------------------------------------------------------------------

maybe = st.one_of
readings = st.builds(
    Reading,
    systolic_mmhg=maybe(st.none(), st.integers(120, 300)),
    diastolic_mmhg=maybe(st.none(), st.integers(20, 119)),
    heart_rate_bpm=maybe(st.none(), st.integers(20, 300)),
    spo2_pct=maybe(st.none(), st.integers(50, 100)),
    resp_rate_per_min=maybe(st.none(), st.integers(0, 80)),
    moaas=maybe(st.none(), st.integers(0, 5)),
    dissociation=maybe(st.none(), st.integers(0, 24)),
    symptoms=st.frozensets(st.sampled_from(sorted(HYPERTENSION_SYMPTOMS))),
)
phases = st.sampled_from(list(Phase))


@given(reading=readings, previous=maybe(st.none(), readings), phase=phases)
def test_the_worst_finding_wins(reading, previous, phase):
    judgement = judge(reading, LIMITS, phase, previous=previous)
    ranks = [finding.action.rank for finding in judgement.findings]
    assert judgement.action.rank == max(ranks, default=0)
    assert ranks == sorted(ranks, reverse=True)
    assert (judgement.action is Action.PROCEED) == (not judgement.findings)
    for finding in judgement.findings:
        assert finding.message and finding.source
        assert finding.action is not Action.PROCEED


@given(reading=readings, previous=maybe(st.none(), readings), phase=phases)
def test_a_reading_at_or_over_a_pause_or_stop_limit_is_never_proceed(
    reading, previous, phase
):
    judgement = judge(reading, LIMITS, phase, previous=previous)
    over = (
        (reading.systolic_mmhg or 0) >= 180
        or (reading.diastolic_mmhg or 0) >= 110
        or (reading.spo2_pct or 100) < 92
        or (reading.moaas if reading.moaas is not None else 5) <= 3
        or bool(reading.symptoms)
    )
    if over:
        assert judgement.action is not Action.PROCEED
    if over and phase is not Phase.BASELINE:
        assert judgement.action.rank >= Action.PAUSE.rank
    sustained = (reading.spo2_pct or 100) < 90 and (
        (previous and previous.spo2_pct or 100) < 90
    )
    if sustained and phase is not Phase.BASELINE:
        assert judgement.action is Action.STOP


@given(
    reading=readings,
    first=readings,
    rested=st.integers(0, 20 * 60).map(lambda s: timedelta(seconds=s)),
)
def test_a_baseline_recheck_before_the_rest_is_over_never_proceeds_or_holds_on_pressure(
    reading, first, rested
):
    """After a reading over the hold limit, a re-check taken before 5 minutes'
    rest asks for another, whatever it reads; from 5 minutes on it is judged
    against the first (CLINICAL.md 1.7)."""
    hold = (first.systolic_mmhg or 0) >= 160 or (first.diastolic_mmhg or 0) >= 100
    judgement = judge(reading, LIMITS, Phase.BASELINE, previous=first, rested=rested)
    keys = {finding.key for finding in judgement.findings}
    early = hold and rested < timedelta(minutes=5)
    assert (EARLY_RECHECK in keys) == early
    if early:
        assert "pre_bp_hold" not in keys and "pre_bp_ack" not in keys
        assert judgement.action is not Action.PROCEED
        if not reading.symptoms:
            assert judgement.action in (Action.RECHECK, Action.ALERT)
    else:
        assert judgement == judge(reading, LIMITS, Phase.BASELINE, previous=first)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "less than a minute"),
        (59, "less than a minute"),
        (60, "1 minute"),
        (150, "2 minutes"),
    ],
)
def test_an_early_recheck_says_how_soon_it_came(seconds, words):
    judgement = judge(
        Reading(128, 80),
        LIMITS,
        Phase.BASELINE,
        previous=Reading(172, 104),
        rested=timedelta(seconds=seconds),
    )
    assert judgement.action is Action.RECHECK
    (finding,) = judgement.findings
    assert finding.message == (
        f"Blood pressure 128/80 mmHg was taken {words} after the reading of "
        "172/104 mmHg, before 5 minutes' rest: re-check once the patient has "
        "rested 5 minutes"
    )


@given(reading=readings, phase=phases)
def test_a_worse_blood_pressure_never_asks_for_less(reading, phase):
    if reading.systolic_mmhg is None:
        return
    worse = Reading(
        systolic_mmhg=min(reading.systolic_mmhg + 15, 300),
        diastolic_mmhg=reading.diastolic_mmhg,
        heart_rate_bpm=reading.heart_rate_bpm,
        spo2_pct=reading.spo2_pct,
        moaas=reading.moaas,
        dissociation=reading.dissociation,
        symptoms=reading.symptoms,
    )
    before = judge(reading, LIMITS, phase).action.rank
    assert judge(worse, LIMITS, phase).action.rank >= before


@given(
    last=maybe(st.none(), st.integers(0, 300)),
    phase=phases,
    minutes=st.integers(1, 60),
)
def test_the_next_reading_is_never_due_before_the_phase_starts(last, phase, minutes):
    intervals = Intervals(minutes, minutes, minutes)
    last_at = None if last is None else T0 + timedelta(minutes=last - 60)
    due = next_check_due(last_at, phase, T0, intervals)
    assert due >= T0
    if last_at is not None and last_at >= T0:
        assert due == last_at + timedelta(minutes=minutes)
