"""Rounding for display only (CLINICAL.md 7: don't round intermediate values).

Every clinical value is computed and judged exactly; a page shows it half up to
0.1 through these functions, and nothing computes on what they return.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

TENTH = Decimal("0.1")


def for_display(value: int | Decimal) -> Decimal:
    """A value as a page shows it: half up (away from zero) to 0.1."""
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def fraction_for_display(value: Fraction) -> Decimal:
    """An exact fraction half up (away from zero) to 0.1, without a Decimal
    division in between."""
    tenths = math.floor(abs(value) * 10 + Fraction(1, 2))
    return Decimal(tenths if value >= 0 else -tenths) / 10


def to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` half up (away from zero) to a multiple of ``step``: 0.1 mg, 0.5 mg,
    0.01 mL. For display only (CLINICAL.md 7: don't round intermediate values)."""
    _require_step(step)
    multiples = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (multiples * step).quantize(step)


def to_step_within(value: Decimal, step: Decimal, limit: Decimal) -> Decimal:
    """``to_step``, except that a value at or under ``limit`` is never shown over it:
    when rounding half up would cross the limit, the value is rounded down instead.

    A dose capped at 25.05 mg shows as 25.0 mg, not 25.1 mg: a nurse who draws
    what the page shows never gives more than the cap.
    """
    shown = to_step(value, step)
    if shown > limit >= value:
        multiples = (value / step).quantize(Decimal(1), rounding=ROUND_FLOOR)
        shown = (multiples * step).quantize(step)
    return shown


def _require_step(step: Decimal) -> None:
    if not (isinstance(step, Decimal) and step.is_finite() and step > 0):
        raise ValueError(f"A rounding step must be a positive number, not {step}.")
