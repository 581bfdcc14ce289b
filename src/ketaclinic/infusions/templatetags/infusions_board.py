"""A row of the board, written in Python.

Every screen of the clinic asks for the board every 10 seconds, and its 48 or
so rows were most of the page's cost as a template (each `{% if %}` and
variable looked up through the template engine). The row is the same markup,
each piece escaped by `format_html`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.infusions.board import RECOVERY, Row

register = template.Library()


@register.simple_tag(takes_context=True)
def board_row(context: Any, row: Row) -> SafeString:
    """One appointment of the day: who, state, progress, recovery, the next
    vital signs, its alerts and its actions."""
    times = row.times
    who = (
        format_html('<a href="{}">{}</a>', row.chart_url, row.who)
        if row.chart_url
        else row.who
    )
    parts = [
        format_html(
            '<article class="{}" data-state="{}"><div><span class="who">{} {}</span>',
            row.classes,
            row.state,
            times.get("starts", ""),
            who,
        )
    ]
    if row.urgent:
        parts.append(
            mark_safe(' <span class="risk-marker">⚠ Urgent risk task open</span>')
        )
    parts.append(
        format_html_join(
            "",
            ' <span class="board-allergy">Allergy: {}</span>',
            ((substance,) for substance in row.allergies),
        )
    )
    parts.append(
        format_html(
            '</div><div class="state"><span class="badge{}">{}</span>{}</div>',
            f" {row.tone}" if row.tone else "",
            row.state_words,
            format_html(" <span>{}</span>", row.reason) if row.reason else "",
        )
    )
    if row.running is not None:
        if row.progress_pct is not None:
            parts.append(
                format_html(
                    '<progress max="100" value="{0}" aria-label="Infusion progress">'
                    "{0} %</progress>",
                    row.progress_pct,
                )
            )
        planned = (
            format_html(
                " of {} minutes planned ({} %)", row.planned_minutes, row.progress_pct
            )
            if row.planned_minutes
            else ""
        )
        end = (
            format_html("; expected end {}", times["expected_end"])
            if "expected_end" in times
            else ""
        )
        parts.append(
            format_html("<div>Running {}{}{}.</div>", row.running_words, planned, end)
        )
        if "paused_since" in times:
            parts.append(
                format_html("<div>Paused since {}.</div>", times["paused_since"])
            )
    if "recovery_ends" in times:
        if row.state == RECOVERY:
            parts.append(
                format_html(
                    "<div>Recovery: {} left of the minimum, until {}.</div>",
                    row.recovery_left_words,
                    times["recovery_ends"],
                )
            )
        else:
            parts.append(
                format_html(
                    "<div>Minimum recovery done at {}.</div>", times["recovery_ends"]
                )
            )
    if "next_due" in times:
        parts.append(
            format_html(
                '<div class="muted">Next vital signs due {}.</div>', times["next_due"]
            )
        )
    parts.append(
        format_html_join(
            "",
            '<strong class="board-alert board-alert-{}">{}</strong>',
            ((alert.kind, alert.words) for alert in row.alerts),
        )
    )
    if row.check_in_url:
        parts.append(
            format_html(
                '<form method="post" action="{}">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button type="submit">Check in {}</button></form>',
                row.check_in_url,
                context.get("csrf_token", ""),
                row.patient.first_name,  # type: ignore[attr-defined]
            )
        )
    if row.chart_url:
        parts.append(
            format_html('<a href="{}">Open the infusion chart</a>', row.chart_url)
        )
    parts.append(mark_safe("</article>"))
    return mark_safe("".join(parts))  # noqa: S308 (each part escaped above)
