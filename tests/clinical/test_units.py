from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical.units import (
    WeightChange,
    WeightUnit,
    feet_inches_to_cm,
    inches_to_feet_inches,
    kg_to_lb,
    weight_to_kg,
)


def test_pounds_are_converted_exactly():
    assert weight_to_kg(Decimal("150"), WeightUnit.LB) == Decimal("68.03885550")
    assert weight_to_kg(Decimal("68"), WeightUnit.KG) == Decimal("68")


def test_feet_and_inches_are_converted_exactly():
    assert feet_inches_to_cm(Decimal(5), Decimal(7)) == Decimal("170.18")
    assert inches_to_feet_inches(Decimal(67)) == (5, Decimal(7))


@given(st.decimals(min_value=1, max_value=1000, places=2))
def test_pounds_to_kg_and_back_is_the_same_weight(lb):
    assert abs(kg_to_lb(weight_to_kg(lb, WeightUnit.LB)) - lb) < Decimal("1e-20")


@pytest.mark.parametrize(
    ("previous", "new", "asks"),
    [
        ("68", "150", True),  # pounds typed as kilograms: +120%
        ("68", "30.8", True),  # kilograms typed as pounds
        ("68", "74.8", False),  # exactly +10%: not more than the threshold
        ("68", "74.9", True),
        ("68", "61.2", False),  # exactly -10%
        ("68", "61.1", True),
    ],
)
def test_a_change_of_more_than_ten_percent_asks_to_confirm(previous, new, asks):
    change = WeightChange(Decimal(previous), Decimal(new))
    assert change.needs_confirmation() is asks
