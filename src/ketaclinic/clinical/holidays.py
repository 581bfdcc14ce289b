"""The days a clinic does not count as business days: Saturdays and Sundays,
and its holidays. A theft or significant loss of a controlled substance is
reported to the DEA Field Division within 1 business day of discovery
(CLINICAL.md 6; 21 CFR 1301.76(b)), so the ledger needs to know them.

The default is the US federal holidays (5 U.S.C. 6103), worked out by rule
for any year: the DEA is a federal agency, closed on them. A clinic adds its
own days (a state holiday, a closure) as dates. Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

US_FEDERAL = "us-federal"
RULES = (US_FEDERAL,)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n = -1: the last)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


@lru_cache(maxsize=64)
def us_federal_holidays(year: int) -> list[tuple[date, str]]:
    """The eleven US federal holidays of `year` (5 U.S.C. 6103), each on the
    day it is observed: one falling on a Saturday is kept the Friday before,
    one on a Sunday the Monday after. Eleven rules need no dependency."""
    mon, thu = 0, 3
    days = [
        (date(year, 1, 1), "New Year's Day"),
        (_nth_weekday(year, 1, mon, 3), "Birthday of Martin Luther King, Jr."),
        (_nth_weekday(year, 2, mon, 3), "Washington's Birthday"),
        (_nth_weekday(year, 5, mon, -1), "Memorial Day"),
        (date(year, 6, 19), "Juneteenth National Independence Day"),
        (date(year, 7, 4), "Independence Day"),
        (_nth_weekday(year, 9, mon, 1), "Labor Day"),
        (_nth_weekday(year, 10, mon, 2), "Columbus Day"),
        (date(year, 11, 11), "Veterans Day"),
        (_nth_weekday(year, 11, thu, 4), "Thanksgiving Day"),
        (date(year, 12, 25), "Christmas Day"),
    ]
    shift = {5: -1, 6: 1}  # Saturday -> Friday, Sunday -> Monday
    return [
        (day + timedelta(days=shift.get(day.weekday(), 0)), name) for day, name in days
    ]


@dataclass(frozen=True)
class Holidays:
    """A clinic's holidays: those of the named rules (`us-federal`) in any
    year, and its own dates. `day in holidays` tells one."""

    rules: tuple[str, ...] = (US_FEDERAL,)
    dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = [rule for rule in self.rules if rule not in RULES]
        if unknown:
            raise ValueError(f"Unknown holiday rule: {', '.join(unknown)}")

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self.dates:
            return True
        # A holiday observed on Dec 31 belongs to the next year's rule.
        return US_FEDERAL in self.rules and any(
            day == observed
            for year in (day.year, day.year + 1)
            for observed, _ in us_federal_holidays(year)
        )

    @classmethod
    def parse(cls, items: Iterable[str]) -> Holidays:
        """From words like ["us-federal", "2026-12-24"]: rules and dates
        (YYYY-MM-DD). Raises ValueError naming what is not understood."""
        rules: list[str] = []
        dates: set[date] = set()
        for item in (i.strip() for i in items):
            if not item:
                continue
            if item in RULES:
                rules.append(item)
                continue
            try:
                dates.add(date.fromisoformat(item))
            except ValueError:
                raise ValueError(
                    f"{item!r} is neither {', '.join(RULES)} nor a date "
                    "written YYYY-MM-DD"
                ) from None
        return cls(tuple(rules), frozenset(dates))


NONE = Holidays(rules=())
