"""The facts of CLINICAL.md section 6 (and the DEA number rule of section 9)
that the ledger follows, one row each, with the source CLINICAL.md names."""

from __future__ import annotations

from datetime import date

import pytest

from ketaclinic.clinical import controlled

# Fact, its value in ketaclinic, what CLINICAL.md says, source.
FACTS = [
    ("schedule of ketamine", controlled.KETAMINE_SCHEDULE, "3N", "openFDA CIII"),
    ("DEA drug code", controlled.KETAMINE_DEA_DRUG_CODE, "7285", "GK"),
    ("records kept (years)", controlled.RETENTION_YEARS, 2, "21 CFR 1304.04(a)"),
    (
        "biennial inventory (years)",
        controlled.BIENNIAL_INVENTORY_YEARS,
        2,
        "21 CFR 1304.11(c)",
    ),
    (
        "open containers may be estimated",
        controlled.ESTIMATE_OPEN_CONTAINERS,
        True,
        "21 CFR 1304.11(e)(3)",
    ),
    (
        "theft notice (business days)",
        controlled.THEFT_NOTICE_BUSINESS_DAYS,
        1,
        "21 CFR 1301.76(b)",
    ),
    ("Form 106 (days)", controlled.FORM_106_DAYS, 45, "88 FR 40707"),
    (
        "multi-dose vial once opened (days)",
        controlled.MULTI_DOSE_VIAL_BEYOND_USE_DAYS,
        28,
        "CDC / USP <797>",
    ),
]


@pytest.mark.parametrize(
    ("fact", "value", "expected", "source"), FACTS, ids=[f[0] for f in FACTS]
)
def test_the_ledger_uses_the_facts_of_clinical_md(fact, value, expected, source):
    assert value == expected


# 2026-11-27 is a Friday; 2026-12-25 a Friday too.
LOSSES = [
    # discovered, notice by, Form 106 by, holidays
    (date(2026, 11, 24), date(2026, 11, 25), date(2027, 1, 8), ()),  # Tue -> Wed
    (date(2026, 11, 27), date(2026, 11, 30), date(2027, 1, 11), ()),  # Fri -> Mon
    (date(2026, 11, 28), date(2026, 11, 30), date(2027, 1, 12), ()),  # Sat -> Mon
    (
        date(2026, 12, 24),
        date(2026, 12, 28),
        date(2027, 2, 7),
        (date(2026, 12, 25),),
    ),  # Thu before a Friday holiday -> Mon
]


@pytest.mark.parametrize(("discovered", "notice", "form_106", "holidays"), LOSSES)
def test_a_loss_is_reported_within_one_business_day_and_form_106_in_45_days(
    discovered, notice, form_106, holidays
):
    due = controlled.loss_deadlines(discovered, holidays=set(holidays))
    assert (due.notice_by, due.form_106_by) == (notice, form_106)


DEA_NUMBERS = [
    # number, valid: (d1+d3+d5) + 2*(d2+d4+d6) ends in d7
    ("AB1234563", True),  # 1+3+5=9, 2*(2+4+6)=24, 33 -> 3
    ("AB1234567", False),
    ("FK1234563", True),
    ("ab1234563", True),  # read in capitals
    ("AB123456", False),  # too short
    ("A11234563", False),  # two letters first
    ("AB12345634", False),
    ("", False),
    ("BJ0000000", True),
]


def test_the_dea_check_digit_table_is_worked_by_hand():
    # MR9999993: (9+9+9) + 2*(9+9+9) = 81, which ends in 1, not 3.
    assert controlled.dea_number_problem("MR9999991") is None
    assert controlled.dea_number_problem("MR9999993") is not None
    assert controlled.dea_check_digit("123456") == 3


@pytest.mark.parametrize(("number", "valid"), DEA_NUMBERS)
def test_dea_numbers_are_checked_by_their_check_digit(number, valid):
    assert (controlled.dea_number_problem(number) is None) == valid


DATES = [
    # what, computed, expected
    (
        "beyond-use date of a vial opened Nov 27",
        controlled.beyond_use_date(date(2026, 11, 27)),
        date(2026, 12, 25),
    ),
    (
        "a product that says 7 days",
        controlled.beyond_use_date(date(2026, 11, 27), 7),
        date(2026, 12, 4),
    ),
    (
        "biennial inventory after Feb 29",
        controlled.biennial_inventory_due(date(2024, 2, 29)),
        date(2026, 2, 28),
    ),
    (
        "a record of Nov 27 kept until",
        controlled.kept_until(date(2026, 11, 27)),
        date(2028, 11, 27),
    ),
]


@pytest.mark.parametrize(
    ("what", "computed", "expected"), DATES, ids=[d[0] for d in DATES]
)
def test_dates_the_ledger_keeps(what, computed, expected):
    assert computed == expected


USABLE = [
    # day, lot expiry, vial usable until, may be drawn
    (date(2026, 11, 27), date(2026, 11, 27), None, True),  # on the expiry day
    (date(2026, 11, 28), date(2026, 11, 27), None, False),  # expired
    (date(2026, 12, 25), date(2027, 6, 1), date(2026, 12, 25), True),  # last day
    (date(2026, 12, 26), date(2027, 6, 1), date(2026, 12, 25), False),  # past it
]


@pytest.mark.parametrize(("day", "expires_on", "beyond_use_on", "usable"), USABLE)
def test_expired_lots_and_vials_past_their_date_cannot_be_drawn(
    day, expires_on, beyond_use_on, usable
):
    assert (
        controlled.usable_on(day, expires_on=expires_on, beyond_use_on=beyond_use_on)
        == usable
    )
