"""Rounding for display only (CLINICAL.md 7: don't round intermediate values).

Every clinical value is computed and judged exactly; a page shows it half up to
0.1 through these functions, and nothing computes on what they return.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
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
