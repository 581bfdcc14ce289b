"""Standing orders and vital-sign limits: what a plan may order beside ketamine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.clinical import plan_orders

ONDANSETRON = {
    "drug": "Ondansetron",
    "dose_mg": "4",
    "route": "iv",
    "indication": "nausea",
    "min_interval_minutes": "30",
    "max_per_session_mg": "8",
}


def test_an_order_is_read_with_its_rxnorm_code_and_limits():
    order = plan_orders.standing_order(ONDANSETRON)
    assert order.rxnorm == "26225"
    assert order.route == "IV"
    assert order.max_single_dose_mg == Decimal(16)
    assert order.words == (
        "Ondansetron 4 mg IV for nausea, at least 30 min apart, at most 8 mg in one "
        "session"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_per_session_mg": ""}, "max_per_session_mg"),
        ({"drug": ""}, "drug"),
        ({"drug": "unobtainium"}, "rxnorm"),
        ({"dose_mg": "0"}, "dose_mg"),
        ({"dose_mg": "10"}, "dose_mg"),  # over the session's 8 mg
        ({"dose_mg": "20", "max_per_session_mg": "40"}, "dose_mg"),  # over 16 mg
        ({"route": "rectal"}, "route"),
        ({"min_interval_minutes": "0"}, "min_interval_minutes"),
        ({"indication": " "}, "indication"),
    ],
)
def test_an_order_that_cannot_be_given_is_refused_by_field(changes, field):
    with pytest.raises(plan_orders.OrderRefused) as caught:
        plan_orders.standing_order(ONDANSETRON | changes)
    assert caught.value.field == field


def test_the_default_orders_pass_their_own_checks():
    for order in plan_orders.DEFAULT_STANDING_ORDERS:
        assert plan_orders.standing_order(order.as_record()) == order


def test_vital_limits_default_to_clinical_1_7_and_refuse_slips():
    limits = {limit.key: limit.value for limit in plan_orders.vital_limits({})}
    assert limits["sbp_pause"] == Decimal(180)
    assert limits["spo2_pause"] == Decimal(92)
    with pytest.raises(plan_orders.OrderRefused) as caught:
        plan_orders.vital_limits({"spo2_pause": "9.2"})
    assert caught.value.field == "spo2_pause"
