"""The session's vital signs drawn as an SVG chart, by the app itself.

A pure function of the readings and pump events: blood pressure as a bar from
diastolic to systolic, heart rate as a line (both on the left axis, mmHg and
beats/min), oxygen saturation as a line in its own band below (%), and the
pump's start, pauses, resumes and stop as marked vertical lines. Colours are
presentation attributes (the page's security policy forbids inline styles);
every series is also told apart by its shape, and the chart has a title and a
description for screen readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape
from typing import Protocol

WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP = 56, 56, 28
UPPER_BOTTOM = 220  # the bottom of the pressure and heart-rate band
LOWER_TOP, LOWER_BOTTOM = 246, 306  # the oxygen band
MMHG_LOW, MMHG_HIGH = 40, 220
SPO2_LOW, SPO2_HIGH = 80, 100

BP_COLOUR = "#1f5fa8"
HR_COLOUR = "#b03a2e"
SPO2_COLOUR = "#2e7d32"
MARK_COLOUR = "#555555"

MARK_WORDS = {
    "start": "Started",
    "pause": "Paused",
    "resume": "Resumed",
    "rate": "Rate changed",
    "stop": "Stopped",
}


class ReadingLike(Protocol):
    charted_at: datetime
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    spo2_pct: int | None


class PumpEventLike(Protocol):
    charted_at: datetime
    kind: str


@dataclass(frozen=True, slots=True)
class _Scale:
    start: datetime
    end: datetime

    def x(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        share = (at - self.start).total_seconds() / span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)


def _y(value: float, low: float, high: float, top: float, bottom: float) -> float:
    value = min(max(value, low), high)
    return round(bottom - (value - low) / (high - low) * (bottom - top), 1)


def _mmhg(value: float) -> float:
    return _y(value, MMHG_LOW, MMHG_HIGH, TOP, UPPER_BOTTOM)


def _spo2(value: float) -> float:
    return _y(value, SPO2_LOW, SPO2_HIGH, LOWER_TOP, LOWER_BOTTOM)


def _text(x: float, y: float, words: str, **attributes: str) -> str:
    extra = "".join(
        f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attributes.items()
    )
    return f'<text x="{x}" y="{y}" font-size="11"{extra}>{escape(words)}</text>'


def vitals_chart(
    readings: Sequence[ReadingLike],
    pump_events: Iterable[PumpEventLike],
    *,
    zone: tzinfo,
    title: str = "Vital signs of this infusion",
) -> str:
    """The chart as an SVG string (empty when nothing was measured)."""
    readings = sorted(readings, key=lambda r: r.charted_at)
    events = sorted(pump_events, key=lambda e: e.charted_at)
    if not readings:
        return ""
    times = [r.charted_at for r in readings] + [e.charted_at for e in events]
    start, end = min(times), max(times)
    if end - start < timedelta(minutes=10):
        end = start + timedelta(minutes=10)
    scale = _Scale(start, end)
    parts: list[str] = []
    description = _description(readings, events, zone)
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-labelledby="vitals-chart-title vitals-chart-desc" '
        'class="vitals-chart" font-family="sans-serif">'
    )
    parts.append(f'<title id="vitals-chart-title">{escape(title)}</title>')
    parts.append(f'<desc id="vitals-chart-desc">{escape(description)}</desc>')
    parts.extend(_axes(scale, zone))
    parts.extend(_marks(scale, events))
    parts.extend(_series(scale, readings))
    parts.extend(_legend())
    parts.append("</svg>")
    return "".join(parts)


def _axes(scale: _Scale, zone: tzinfo) -> list[str]:
    right = WIDTH - RIGHT
    out = [
        f'<g stroke="#cccccc" stroke-width="1">'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{UPPER_BOTTOM}"/>'
        f'<line x1="{LEFT}" y1="{UPPER_BOTTOM}" x2="{right}" y2="{UPPER_BOTTOM}"/>'
        f'<line x1="{LEFT}" y1="{LOWER_TOP}" x2="{LEFT}" y2="{LOWER_BOTTOM}"/>'
        f'<line x1="{LEFT}" y1="{LOWER_BOTTOM}" x2="{right}" y2="{LOWER_BOTTOM}"/>'
    ]
    for value in range(60, MMHG_HIGH + 1, 40):
        y = _mmhg(value)
        out.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke-dasharray="2 4"/>'
        )
    out.append("</g>")
    for value in range(60, MMHG_HIGH + 1, 40):
        out.append(_text(LEFT - 6, _mmhg(value) + 4, str(value), text_anchor="end"))
    for value in (80, 90, 100):
        out.append(_text(LEFT - 6, _spo2(value) + 4, str(value), text_anchor="end"))
    out.append(_text(4, TOP - 10, "mmHg and beats/min"))
    out.append(_text(4, LOWER_TOP - 6, "SpO2 %"))
    # Time labels: at most 7, on whole minutes.
    span = (scale.end - scale.start).total_seconds() / 60
    step = next(m for m in (5, 10, 15, 30, 60, 120, 240) if span / m <= 6)
    first = scale.start.astimezone(zone)
    tick = first.replace(second=0, microsecond=0)
    tick += timedelta(minutes=(-tick.minute) % step)
    while tick <= scale.end:
        x = scale.x(tick)
        out.append(_text(x, LOWER_BOTTOM + 16, f"{tick:%H:%M}", text_anchor="middle"))
        tick += timedelta(minutes=step)
    out.append(_text(WIDTH - RIGHT, HEIGHT - 4, "time of day", text_anchor="end"))
    return out


def _marks(scale: _Scale, events: Sequence[PumpEventLike]) -> list[str]:
    out = []
    for event in events:
        words = MARK_WORDS.get(event.kind)
        if words is None or event.kind == "rate":
            continue
        x = scale.x(event.charted_at)
        dash = "" if event.kind in ("start", "stop") else ' stroke-dasharray="6 3"'
        out.append(
            f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{LOWER_BOTTOM}" '
            f'stroke="{MARK_COLOUR}" stroke-width="1.5"{dash}/>'
        )
        out.append(_text(x + 3, TOP + 10, words, fill=MARK_COLOUR))
    return out


def _series(scale: _Scale, readings: Sequence[ReadingLike]) -> list[str]:
    out = []
    for reading in readings:
        systolic, diastolic = reading.systolic_mmhg, reading.diastolic_mmhg
        if systolic is None and diastolic is None:
            continue
        x = scale.x(reading.charted_at)
        top = systolic if systolic is not None else diastolic
        bottom = diastolic if diastolic is not None else systolic
        assert top is not None and bottom is not None
        high, low = _mmhg(top), _mmhg(bottom)
        tall = round(low - high, 1) or 1
        out.append(
            f'<rect x="{x - 3}" y="{high}" width="6" height="{tall}" '
            f'fill="{BP_COLOUR}"/>'
        )
    hr = [
        (scale.x(r.charted_at), _mmhg(r.heart_rate_bpm))
        for r in readings
        if r.heart_rate_bpm is not None
    ]
    out.extend(_line(hr, HR_COLOUR, "circle"))
    spo2 = [
        (scale.x(r.charted_at), _spo2(r.spo2_pct))
        for r in readings
        if r.spo2_pct is not None
    ]
    out.extend(_line(spo2, SPO2_COLOUR, "square"))
    return out


def _line(points: list[tuple[float, float]], colour: str, marker: str) -> list[str]:
    if not points:
        return []
    path = " ".join(f"{x},{y}" for x, y in points)
    out = [
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
    ]
    for x, y in points:
        if marker == "circle":
            out.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}"/>')
        else:
            out.append(
                f'<rect x="{x - 3.5}" y="{y - 3.5}" width="7" height="7" '
                f'fill="{colour}"/>'
            )
    return out


def _legend() -> list[str]:
    y = HEIGHT - 4
    return [
        f'<rect x="{LEFT}" y="{y - 9}" width="6" height="10" fill="{BP_COLOUR}"/>',
        _text(LEFT + 10, y, "blood pressure (mmHg)"),
        f'<circle cx="{LEFT + 160}" cy="{y - 4}" r="3.5" fill="{HR_COLOUR}"/>',
        _text(LEFT + 168, y, "heart rate (beats/min)"),
        f'<rect x="{LEFT + 305}" y="{y - 8}" width="7" height="7" '
        f'fill="{SPO2_COLOUR}"/>',
        _text(LEFT + 316, y, "SpO2 (%)"),
    ]


def _description(
    readings: Sequence[ReadingLike], events: Sequence[PumpEventLike], zone: tzinfo
) -> str:
    def at(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%H:%M}"

    bits = [f"{len(readings)} reading{'s' if len(readings) != 1 else ''}"]
    for reading in readings:
        values = []
        if reading.systolic_mmhg is not None or reading.diastolic_mmhg is not None:
            values.append(
                f"blood pressure {reading.systolic_mmhg or '?'}/"
                f"{reading.diastolic_mmhg or '?'} mmHg"
            )
        if reading.heart_rate_bpm is not None:
            values.append(f"heart rate {reading.heart_rate_bpm} beats/min")
        if reading.spo2_pct is not None:
            values.append(f"SpO2 {reading.spo2_pct} %")
        bits.append(f"{at(reading.charted_at)}: " + (", ".join(values) or "no values"))
    for event in events:
        words = MARK_WORDS.get(event.kind)
        if words:
            bits.append(f"{words} at {at(event.charted_at)}")
    return ". ".join(bits) + "."
