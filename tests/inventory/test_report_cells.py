"""The quick ways a long report writes its cells give what the plain ways
give: local times across clock changes, amounts as any driver returns them,
and every cell escaped."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.html import escape

from ketaclinic.inventory.reports import _stamper, mg
from ketaclinic.inventory.templatetags.ledger import report_rows

ZONES = [
    "America/Denver",
    "America/St_Johns",  # -3:30
    "Australia/Lord_Howe",  # a clock that moves half an hour
    "Pacific/Chatham",  # +12:45
    "Asia/Kolkata",
]


@pytest.mark.parametrize("name", ZONES)
def test_a_moment_is_written_in_the_locations_time(name):
    zone = ZoneInfo(name)
    stamp = _stamper(zone)
    rng = random.Random(name)
    for _ in range(3000):
        moment = datetime(2025, 1, 1) + timedelta(
            minutes=rng.randrange(3 * 365 * 24 * 60), seconds=rng.randrange(60)
        )
        aware = moment.replace(tzinfo=UTC)
        expected = aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        assert stamp(moment) == expected  # SQLite's driver: no zone, UTC
        assert stamp(aware) == expected
        assert stamp(aware.astimezone(timezone(timedelta(hours=-7)))) == expected
        assert stamp(f"{moment:%Y-%m-%d %H:%M:%S}") == expected  # text, SQLite
        assert stamp(f"{moment:%Y-%m-%d %H:%M:%S.%f}+00") == expected  # PostgreSQL


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("35.000"), "35"),
        (35, "35"),
        (35.0, "35"),
        (Decimal("12.500"), "12.5"),
        (12.5, "12.5"),
        (0.1, "0.1"),
        (Decimal("-200.000"), "-200"),
        (Decimal("1000"), "1000"),
        ("5000.000", "5000"),  # as text: PostgreSQL
        ("12.5", "12.5"),  # SQLite
        ("-40", "-40"),
        ("0.000", "0"),
        (None, ""),
    ],
)
def test_an_amount_is_written_plainly_whatever_the_driver_gave(value, text):
    assert mg(value) == text


@pytest.mark.parametrize(
    "rows",
    [
        [["<b>", "a & b", 3, "'quoted' \"too\""], ["", "é", 0, "x"]],
        [["one"]],
        [],
        [["holds \x00 a separator", "\x01"], ["x", "y"]],
    ],
)
def test_every_cell_is_escaped(rows):
    expected = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>\n"
        for row in rows
    )
    assert report_rows(rows) == expected
