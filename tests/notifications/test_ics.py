"""iCalendar text by RFC 5545: CRLF lines, folding at 75 octets, escaping, UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from ketaclinic.scheduling import ics
from tests.notifications.helpers import ics_events, unescape

DENVER = ZoneInfo("America/Denver")


def event(**fields) -> ics.Event:
    values = {
        "uid": "u1@ketaclinic",
        "starts_at": datetime(2027, 3, 15, 9, 0, tzinfo=DENVER),
        "ends_at": datetime(2027, 3, 15, 10, 30, tzinfo=DENVER),
        "summary": "Ketamine infusion",
    }
    values.update(fields)
    return ics.Event(**values)


def test_times_are_written_in_utc_with_z():
    text = ics.calendar([event()], stamp=datetime(2027, 3, 1, 12, tzinfo=UTC))
    [parsed] = ics_events(text)
    # 9:00 in Denver on March 15, 2027 is daylight time (UTC-6).
    assert parsed["DTSTART"] == "20270315T150000Z"
    assert parsed["DTEND"] == "20270315T163000Z"
    assert parsed["DTSTAMP"] == "20270301T120000Z"


def test_the_calendar_has_its_required_properties_and_crlf_lines():
    text = ics.calendar([event()])
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_text_is_escaped_and_comes_back_whole():
    description = "Fasting; 6 h, solids\nBring C:\\escort"
    [parsed] = ics_events(ics.calendar([event(description=description)]))
    assert parsed["DESCRIPTION"] == "Fasting\\; 6 h\\, solids\\nBring C:\\\\escort"
    assert unescape(parsed["DESCRIPTION"]) == description


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "é" * 100
    folded = ics.fold(line)
    physical = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line


@given(st.text(min_size=0, max_size=400))
@example("C:\\new; a, b\r\nc")
def test_any_text_survives_folding_and_escaping(value):
    line = "SUMMARY:" + ics.escape_text(value)
    folded = ics.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    normalised = value.replace("\r\n", "\n").replace("\r", "\n")
    assert unescape(folded.replace("\r\n ", "")[len("SUMMARY:") :]) == normalised
