"""The date a theft or significant loss must be reported to the DEA by: one
business day after it was found (CLINICAL.md 6), Saturdays, Sundays and the
clinic's holidays skipped (KETACLINIC_HOLIDAYS, the US federal holidays by
default)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from ketaclinic.audit.services import Actor
from ketaclinic.clinical import controlled
from ketaclinic.clinical.holidays import Holidays
from ketaclinic.config import ConfigError, env_holidays
from ketaclinic.inventory import services
from ketaclinic.inventory.services import LossFacts
from tests.conftest import client_for
from tests.inventory.helpers import received, stock

FEDERAL = ["us-federal"]

CASES = [
    # discovered, holidays, notice to the DEA Field Division by
    (date(2026, 11, 24), FEDERAL, date(2026, 11, 25)),  # Tuesday: Wednesday
    (date(2026, 11, 25), FEDERAL, date(2026, 11, 27)),  # before Thanksgiving
    (date(2026, 11, 25), [], date(2026, 11, 26)),  # no holidays: Thanksgiving
    (date(2026, 11, 27), FEDERAL, date(2026, 11, 30)),  # a Friday: Monday
    (date(2026, 11, 28), FEDERAL, date(2026, 11, 30)),  # a Saturday: Monday
    (date(2026, 12, 24), FEDERAL, date(2026, 12, 28)),  # Christmas on a Friday
    (date(2026, 7, 2), FEDERAL, date(2026, 7, 6)),  # July 4 a Saturday: Fri off
    (date(2026, 7, 3), FEDERAL, date(2026, 7, 6)),  # found on the holiday
    (date(2026, 1, 16), FEDERAL, date(2026, 1, 20)),  # Friday before MLK Day
    (date(2026, 1, 18), FEDERAL, date(2026, 1, 20)),  # Sunday before MLK Day
    (date(2027, 12, 30), FEDERAL, date(2028, 1, 3)),  # Jan 1, 2028 kept Dec 31
    (date(2026, 5, 22), FEDERAL, date(2026, 5, 26)),  # Friday before Memorial Day
    (date(2026, 11, 25), ["2026-11-27"], date(2026, 11, 26)),  # the clinic's day
    (date(2026, 11, 26), [*FEDERAL, "2026-11-27"], date(2026, 11, 30)),  # both
]


@pytest.mark.parametrize(("discovered", "holidays", "notice_by"), CASES)
def test_the_notice_is_due_one_business_day_after_discovery(
    discovered, holidays, notice_by
):
    due = controlled.loss_deadlines(discovered, holidays=Holidays.parse(holidays))
    assert due.notice_by == notice_by
    assert (due.form_106_by - discovered).days == 45


@pytest.mark.parametrize(
    ("value", "holidays"),
    [
        (None, Holidays()),  # unset: the federal holidays
        ("us-federal", Holidays()),
        ("", Holidays(rules=())),  # none but weekends
        (
            "us-federal, 2026-12-24",
            Holidays(dates=frozenset({date(2026, 12, 24)})),
        ),
    ],
)
def test_the_clinics_holidays_are_a_setting(monkeypatch, value, holidays):
    if value is None:
        monkeypatch.delenv("KETACLINIC_HOLIDAYS", raising=False)
    else:
        monkeypatch.setenv("KETACLINIC_HOLIDAYS", value)
    assert env_holidays("KETACLINIC_HOLIDAYS", "us-federal") == holidays


@pytest.mark.parametrize("value", ["federal", "2026-13-01", "12/24/2026"])
def test_a_holiday_not_understood_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("KETACLINIC_HOLIDAYS", value)
    with pytest.raises(ConfigError, match="KETACLINIC_HOLIDAYS"):
        env_holidays("KETACLINIC_HOLIDAYS", "us-federal")


@pytest.mark.parametrize(
    ("holidays", "notice_by"),
    [(Holidays(), "2026-11-27"), (Holidays(rules=()), "2026-11-26")],
)
def test_a_loss_found_before_thanksgiving_is_due_as_the_setting_says(
    world, settings, holidays, notice_by
):
    settings.KETACLINIC_HOLIDAYS = holidays
    shelf = stock(world)
    zone = world.home.zone
    received(
        world, shelf, received_at=datetime.combine(date(2026, 11, 20), time(9), zone)
    )
    services.loss(
        actor=Actor.staff(world.staff["manager"], world.home),
        lot=shelf.lot,
        safe=shelf.safe,
        containers=1,
        discovered_at=datetime.combine(date(2026, 11, 25), time(16), zone),
        facts=LossFacts(
            loss_type="theft_break_in",
            circumstances="Safe forced overnight.",
            police_notified=True,
            police_department="Denver Police",
        ),
    )
    report = client_for(world.staff["manager"]).get("/ledger/reports/losses/")
    assert f"<td>{notice_by}</td>" in report.content.decode()
