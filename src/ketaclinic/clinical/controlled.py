"""Controlled substances (US): the facts of CLINICAL.md sections 6 and 9 that the
ketamine ledger follows. Pure Python, no Django.

Each fact names its source as CLINICAL.md gives it; **GK** marks general
knowledge not checked against the primary document. The durations are the
defaults a clinic may tighten (a stricter state, e.g. Iowa's annual inventory),
which is why the functions take them as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, timedelta

# --- Schedules (CLINICAL.md 6, "Schedule") ------------------------------------------
# Ketamine and esketamine: Schedule III, non-narcotic (openFDA dea_schedule
# "CIII"); DEA drug code 7285 (GK).
KETAMINE_SCHEDULE = "3N"
KETAMINE_DEA_DRUG_CODE = "7285"  # GK
# The schedules a DEA registration may list: 2, 2N, 3, 3N, 4, 5 (GK: the
# registration certificate's notation; schedule I is for researchers only).
SCHEDULES = ("2", "2N", "3", "3N", "4", "5")

# --- Records ----------------------------------------------------------------------
# Every inventory and record kept at least 2 years (21 CFR 1304.04(a)).
RETENTION_YEARS = 2
# Biennial inventory: every 2 years, any date within 2 years of the previous
# one (21 CFR 1304.11(c)).
BIENNIAL_INVENTORY_YEARS = 2
# Open containers of Schedule III-V may be counted by estimate unless they hold
# more than 1,000 tablets or capsules (21 CFR 1304.11(e)(3), GK for the current
# text); a vial of solution is never such a container.
ESTIMATE_OPEN_CONTAINERS = True
# Theft or significant loss: written notice to the DEA Field Division within 1
# business day of discovery; DEA Form 106 electronically within 45 days (21 CFR
# 1301.76(b); 88 FR 40707). Theft is reportable whatever the quantity.
THEFT_NOTICE_BUSINESS_DAYS = 1
FORM_106_DAYS = 45
# Multi-dose vials: once punctured, discard after 28 days unless the
# manufacturer says otherwise (CDC / USP <797>, GK).
MULTI_DOSE_VIAL_BEYOND_USE_DAYS = 28


# --- DEA registration numbers (CLINICAL.md 9, GK) ------------------------------------

_DEA_SHAPE = re.compile(r"[A-Z]{2}[0-9]{7}")


def dea_number_problem(number: str) -> str | None:
    """Why `number` is not a DEA registration number, in plain words; None when
    it is one.

    Two letters and seven digits d1..d7: (d1 + d3 + d5) + 2 x (d2 + d4 + d6)
    ends in the digit d7 (CLINICAL.md 9, GK).
    """
    text = (number or "").strip().upper()
    if not _DEA_SHAPE.fullmatch(text):
        return "A DEA number is two letters followed by seven digits, like AB1234563."
    d = [int(c) for c in text[2:]]
    total = (d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])
    if total % 10 != d[6]:
        return (
            "This DEA number fails its check digit: one of its digits is wrong. "
            "Copy it again from the registration certificate."
        )
    return None


def dea_check_digit(first_six: str) -> int:
    """The seventh digit that makes a DEA number of these six digits valid."""
    d = [int(c) for c in first_six]
    if len(d) != 6:
        raise ValueError("Six digits make the check digit.")
    return ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10


# --- Dates the ledger must keep ---------------------------------------------------


def add_business_days(
    day: date, days: int, holidays: Container[date] = frozenset()
) -> date:
    """`days` business days after `day` (Saturdays, Sundays and `holidays` skipped)."""
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            left -= 1
    return current


@dataclass(frozen=True)
class LossDeadlines:
    """When a theft or significant loss found on `discovered_on` must be reported."""

    discovered_on: date
    notice_by: date  # written notice to the DEA Field Division
    form_106_by: date  # DEA Form 106, electronically


def loss_deadlines(
    discovered_on: date,
    *,
    holidays: Container[date] = frozenset(),
    notice_business_days: int = THEFT_NOTICE_BUSINESS_DAYS,
    form_106_days: int = FORM_106_DAYS,
) -> LossDeadlines:
    """The reporting dates of 21 CFR 1301.76(b) for a loss discovered that day."""
    return LossDeadlines(
        discovered_on=discovered_on,
        notice_by=add_business_days(discovered_on, notice_business_days, holidays),
        form_106_by=discovered_on + timedelta(days=form_106_days),
    )


def years_after(day: date, years: int) -> date:
    """The same date `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def biennial_inventory_due(
    previous: date, years: int = BIENNIAL_INVENTORY_YEARS
) -> date:
    """The last day the next biennial inventory may be taken (21 CFR 1304.11(c))."""
    return years_after(previous, years)


def kept_until(recorded_on: date, years: int = RETENTION_YEARS) -> date:
    """The first day a record may be discarded (21 CFR 1304.04(a))."""
    return years_after(recorded_on, years)


def beyond_use_date(
    opened_on: date, days: int = MULTI_DOSE_VIAL_BEYOND_USE_DAYS
) -> date:
    """The last day an opened multi-dose vial may be drawn from: `days` after the
    day it was punctured (CDC / USP <797>, GK)."""
    return opened_on + timedelta(days=days)


def usable_on(
    day: date, *, expires_on: date, beyond_use_on: date | None = None
) -> bool:
    """Whether a container may be drawn from on `day`: not after its lot's expiry
    date, nor, once opened, after its beyond-use date."""
    if day > expires_on:
        return False
    return beyond_use_on is None or day <= beyond_use_on
