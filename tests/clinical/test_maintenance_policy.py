"""The maintenance policy parser: what a protocol or plan stores, or a clinic
manager types, made a policy or refused in plain words naming the value."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.clinical.maintenance import (
    ANXIETY_POLICY,
    CHRONIC_PAIN_POLICY,
    DEFAULT_POLICIES,
    DEPRESSION_POLICY,
    POLICY_FIELDS,
    PolicyRefused,
    policy_from,
    policy_record,
)


def test_nothing_typed_is_the_base_policy():
    assert policy_from({}, base=DEPRESSION_POLICY) == DEPRESSION_POLICY


@pytest.mark.parametrize("policy", list(DEFAULT_POLICIES.values()))
def test_a_stored_policy_reads_back_as_it_was(policy):
    assert policy_from(policy_record(policy), base=policy) == policy


def test_typed_values_replace_the_base_and_keep_its_source():
    policy = policy_from(
        {"start_days": " 42 ", "cap_days": 300, "shorten_step_days": "14"},
        base=CHRONIC_PAIN_POLICY,
    )
    assert (policy.start_days, policy.cap_days, policy.shorten_step_days) == (
        42,
        300,
        14,
    )
    assert policy.floor_days == CHRONIC_PAIN_POLICY.floor_days
    assert policy.source == CHRONIC_PAIN_POLICY.source
    assert policy.indication == "chronic_pain"


REFUSED = [
    ({"start_days": "four weeks"}, "start_days", "whole number of days"),
    ({"cap_days": "90.5"}, "cap_days", "whole number of days"),
    ({"floor_days": "NaN"}, "floor_days", "whole number of days"),
    ({"floor_days": 0}, "floor_days", "at least 1 day"),
    ({"start_days": 10}, "start_days", "shorter than the shortest of 2 weeks"),
    ({"cap_days": 21}, "cap_days", "shorter than the first of 4 weeks"),
    ({"lengthen_step_days": -1}, "lengthen_step_days", "0 days or more"),
    ({"lengthen_step_days": 0}, "lengthen_step_days", "never lengthens"),
    ({"shorten_step_days": 0}, "shorten_step_days", "never shortens"),
]


@pytest.mark.parametrize(("typed", "field", "words"), REFUSED)
def test_a_bad_value_is_refused_naming_it(typed, field, words):
    with pytest.raises(PolicyRefused) as refused:
        policy_from(typed, base=DEPRESSION_POLICY)
    assert refused.value.field == field
    assert words in refused.value.message


days = st.one_of(
    st.integers(-30, 800),
    st.integers(-30, 800).map(str),
    st.sampled_from(["", " ", "x", "1.5", "1e3", "-0"]),
)


@settings(deadline=None)
@given(
    st.fixed_dictionaries({}, optional=dict.fromkeys(POLICY_FIELDS, days)),
    st.sampled_from([DEPRESSION_POLICY, ANXIETY_POLICY, CHRONIC_PAIN_POLICY]),
)
def test_whatever_is_typed_the_policy_is_sound_or_refused(typed, base):
    try:
        policy = policy_from(typed, base=base)
    except PolicyRefused as refused:
        assert refused.field in POLICY_FIELDS
        assert refused.message
        return
    assert 0 < policy.floor_days <= policy.start_days <= policy.cap_days
    # Moving the interval always stays within the floor and the cap.
    for current in (policy.floor_days, policy.start_days, policy.cap_days):
        assert policy.floor_days <= policy.lengthened(current) <= policy.cap_days
        assert policy.floor_days <= policy.shortened(current) <= policy.cap_days
