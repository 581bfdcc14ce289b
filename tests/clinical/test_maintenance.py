"""Maintenance intervals: worked scenarios with their reasons, and properties."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.clinical.maintenance import (
    CHRONIC_PAIN_POLICY,
    DEFAULT_POLICIES,
    DEPRESSION_POLICY,
    DatedScore,
    Direction,
    MaintenancePolicy,
    plain_days,
    propose_interval,
)
from ketaclinic.clinical.scales import CSSRS, GAD7, PAIN_NRS, PHQ9, Instrument, score

D = Decimal
START = date(2026, 1, 5)
relaxed = settings(deadline=None)


def scored(instrument: Instrument, total: int) -> DatedScore:
    """A score of ``total`` on day ``total`` (dates replaced by ``history``)."""
    answers: dict[str, int | bool | None] = {}
    left = total
    for item in instrument.items:
        value = min(max(item.values), left)
        answers[item.key] = value
        left -= value
    return DatedScore(START, score(instrument, answers))


def history(instrument: Instrument, *totals: int) -> list[DatedScore]:
    """One score a month, the first before treatment."""
    return [
        dataclasses.replace(scored(instrument, total), on=START + timedelta(30 * i))
        for i, total in enumerate(totals)
    ]


@pytest.mark.parametrize(
    ("totals", "current", "days", "direction", "reason"),
    [
        (
            (18, 7, 6),
            None,
            28,
            Direction.START,
            "First maintenance interval: the policy starts at 4 weeks.",
        ),
        (
            (18, 7, 6),
            28,
            42,
            Direction.LENGTHEN,
            "Still responding: PHQ-9 score 6, against 18 before treatment, and no "
            "worse than last time (7). Lengthen from 4 weeks to 6 weeks.",
        ),
        (
            (18, 7, 7),
            84,
            91,
            Direction.LENGTHEN,
            "Still responding: PHQ-9 score 7, against 18 before treatment, and no "
            "worse than last time (7). Lengthen from 12 weeks to 13 weeks (about 3 "
            "months).",
        ),
        (
            (18, 7, 6),
            91,
            91,
            Direction.KEEP,
            "Still responding: PHQ-9 score 6, against 18 before treatment, and no "
            "worse than last time (7). The interval is already the longest the "
            "policy allows, 13 weeks (about 3 months).",
        ),
        (
            (18, 6, 8),
            42,
            42,
            Direction.KEEP,
            "A little worse since last time: PHQ-9 score rose from 6 to 8. Keep the "
            "interval at 6 weeks.",
        ),
        (
            (18, 3, 8),
            42,
            35,
            Direction.SHORTEN,
            "Worse since last time: PHQ-9 score rose from 3 to 8, by 5 points or "
            "more. Shorten from 6 weeks to 5 weeks.",
        ),
        (
            (18, 7, 12),
            42,
            35,
            Direction.SHORTEN,
            "No longer responding: PHQ-9 score 12, against 18 before treatment. "
            "Response: total falls by 50% or more. Remission: total below 5. "
            "Shorten from 6 weeks to 5 weeks.",
        ),
        (
            (18, 7, 15),
            14,
            14,
            Direction.KEEP,
            "No longer responding: PHQ-9 score 15, against 18 before treatment. "
            "Response: total falls by 50% or more. Remission: total below 5. The "
            "interval is already the shortest the policy allows, 2 weeks: a "
            "clinician should review the plan.",
        ),
        (
            (18,),
            28,
            28,
            Direction.KEEP,
            "No PHQ-9 score since treatment began. Keep the interval at 4 weeks.",
        ),
        (
            (0, 0),
            28,
            28,
            Direction.KEEP,
            "Response cannot be judged: the score before treatment was 0, so a fall "
            "in percent cannot be measured. Keep the interval at 4 weeks.",
        ),
    ],
)
def test_it_proposes_the_depression_interval_and_says_why(
    totals: tuple[int, ...],
    current: int | None,
    days: int,
    direction: Direction,
    reason: str,
) -> None:
    proposal = propose_interval(
        history(PHQ9, *totals),
        instrument=PHQ9,
        policy=DEPRESSION_POLICY,
        current_days=current,
    )
    assert (proposal.interval_days, proposal.direction) == (days, direction)
    assert proposal.reason == reason
    assert proposal.previous_days == current
    assert proposal.source == DEPRESSION_POLICY.source


def test_chronic_pain_lengthens_up_to_about_11_months() -> None:
    # CLINICAL.md 1.2: the pain "up to 11 months" as clinic policy
    scores = history(PAIN_NRS, 8, 3, 3)
    interval = None
    seen = []
    for _ in range(15):
        interval = propose_interval(
            scores,
            instrument=PAIN_NRS,
            policy=CHRONIC_PAIN_POLICY,
            current_days=interval,
        ).interval_days
        seen.append(interval)
    assert seen[:4] == [56, 84, 112, 140]
    assert seen[-1] == 335
    assert plain_days(335) == "335 days (about 11 months)"


def test_the_due_date_is_the_last_infusion_plus_the_interval() -> None:
    proposal = propose_interval(
        history(PHQ9, 18, 7, 6),
        instrument=PHQ9,
        policy=DEPRESSION_POLICY,
        current_days=28,
        last_infusion_on=date(2026, 3, 6),
    )
    assert proposal.due_on == date(2026, 4, 17)  # six weeks later
    assert proposal.interval_shown == "6 weeks"


def test_a_score_history_in_any_order_is_read_by_date() -> None:
    scores = history(PHQ9, 18, 3, 8)
    shuffled = [scores[2], scores[0], scores[1]]
    proposal = propose_interval(
        shuffled, instrument=PHQ9, policy=DEPRESSION_POLICY, current_days=42
    )
    assert proposal.direction is Direction.SHORTEN


def test_without_a_response_definition_only_worsening_moves_the_interval() -> None:
    # The GAD-7 has no response definition by default (CLINICAL.md 5.2 gives none)
    proposal = propose_interval(
        history(GAD7, 15, 5, 5),
        instrument=GAD7,
        policy=DEFAULT_POLICIES["anxiety"],
        current_days=21,
    )
    assert proposal.direction is Direction.KEEP
    assert proposal.reason == (
        "Response cannot be judged: GAD-7 has no response definition chosen. Keep "
        "the interval at 3 weeks."
    )


def test_an_interval_outside_a_changed_policy_is_brought_within_it() -> None:
    proposal = propose_interval(
        history(PHQ9, 18),
        instrument=PHQ9,
        policy=DEPRESSION_POLICY,
        current_days=200,
    )
    assert proposal.interval_days == DEPRESSION_POLICY.cap_days


def test_it_refuses_a_risk_screener_as_a_score_to_follow() -> None:
    with pytest.raises(ValueError, match="gives a risk level"):
        propose_interval(
            [], instrument=CSSRS, policy=DEPRESSION_POLICY, current_days=28
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"floor_days": 30}, "0 < shortest <= starting <= longest"),
        ({"cap_days": 20}, "0 < shortest <= starting <= longest"),
        ({"lengthen_step_days": 0}, "Lengthening must lengthen"),
        ({"shorten_factor": D("1.2")}, "shortening factor"),
        ({"lengthen_factor": D("0.5")}, "lengthening factor"),
    ],
)
def test_a_policy_must_be_coherent(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(DEPRESSION_POLICY, **changes)  # type: ignore[arg-type]


def test_a_policy_may_lengthen_by_a_factor() -> None:
    policy = dataclasses.replace(
        DEPRESSION_POLICY, lengthen_step_days=0, lengthen_factor=D("1.5")
    )
    proposal = propose_interval(
        history(PHQ9, 18, 7, 6), instrument=PHQ9, policy=policy, current_days=28
    )
    assert proposal.interval_days == 42


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "1 day"),
        (7, "1 week"),
        (10, "10 days"),
        (42, "6 weeks"),
        (91, "13 weeks (about 3 months)"),
    ],
)
def test_intervals_read_as_people_say_them(days: int, text: str) -> None:
    assert plain_days(days) == text


def test_every_default_policy_names_its_sources() -> None:
    assert set(DEFAULT_POLICIES) == {"depression", "ptsd", "anxiety", "chronic_pain"}
    for policy in DEFAULT_POLICIES.values():
        assert "CLINICAL.md" in policy.source
    assert CHRONIC_PAIN_POLICY.cap_days == 335


# --- Properties ---------------------------------------------------------------------

policies = st.builds(
    MaintenancePolicy,
    indication=st.just("depression"),
    start_days=st.integers(7, 120),
    floor_days=st.integers(1, 7),
    cap_days=st.integers(120, 400),
    lengthen_step_days=st.integers(1, 30),
    shorten_step_days=st.integers(1, 30),
    source=st.just("test"),
    lengthen_factor=st.decimals(min_value=1, max_value=2, places=2),
    shorten_factor=st.decimals(min_value=D("0.5"), max_value=1, places=2),
)
phq9_totals = st.lists(st.integers(0, 27), min_size=1, max_size=6)


@relaxed
@given(phq9_totals, policies, st.none() | st.integers(1, 500))
def test_the_interval_is_always_within_the_floor_and_the_cap(
    totals: list[int], policy: MaintenancePolicy, current: int | None
) -> None:
    proposal = propose_interval(
        history(PHQ9, *totals), instrument=PHQ9, policy=policy, current_days=current
    )
    assert policy.floor_days <= proposal.interval_days <= policy.cap_days


@relaxed
@given(phq9_totals, st.integers(1, 27), policies, st.integers(1, 500))
def test_worsening_never_lengthens(
    totals: list[int], rise: int, policy: MaintenancePolicy, current: int
) -> None:
    worse = min(totals[-1] + rise, 27)
    proposal = propose_interval(
        history(PHQ9, *totals, worse),
        instrument=PHQ9,
        policy=policy,
        current_days=current,
    )
    if worse > totals[-1]:
        assert proposal.interval_days <= policy.within(current)
        assert proposal.direction is not Direction.LENGTHEN


@relaxed
@given(st.integers(10, 27), st.integers(0, 27), policies, st.integers(1, 500))
def test_a_steady_responder_is_never_shortened(
    baseline: int, latest: int, policy: MaintenancePolicy, current: int
) -> None:
    latest = min(latest, baseline // 2)  # a fall of 50% or more: responding
    proposal = propose_interval(
        history(PHQ9, baseline, latest, latest),
        instrument=PHQ9,
        policy=policy,
        current_days=current,
    )
    assert proposal.interval_days >= policy.within(current)
    assert proposal.direction is not Direction.SHORTEN
