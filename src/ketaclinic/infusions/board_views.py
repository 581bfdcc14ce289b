"""The live board: the page, and the fragment its poll asks for every ~10 s.

The poll sends the fingerprint of what it shows; the answer is 204 (nothing
to swap, nothing read, nothing audited) while it is unchanged, else the
board's body, audited like the page as a list of patients.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.infusions import board as boards
from ketaclinic.inputs import calendar_date
from ketaclinic.patients.queries import patients_seen

POLL_SECONDS = 10


def _location(request: StaffRequest):
    if request.location is None:
        raise Http404("You work at no location yet.")
    return request.location


def _day(request: StaffRequest, location) -> tuple[date, bool]:
    """The day asked for in `?day=` (today when none); False when what was
    asked is not a day."""
    value = request.GET.get("day", "")
    day = calendar_date(value) if value else None
    if day is not None:
        return day, True
    return timezone.now().astimezone(location.zone).date(), not value


# Any id: each row's address is this pattern's with the row's id in its place
# (one `reverse` for the board instead of one or two a row).
_ANY = UUID(int=0)


def _context(request: StaffRequest, board: boards.Board) -> dict:
    today = timezone.now().astimezone(board.location.zone).date()
    is_today = board.day == today
    may_check_in = can(request.user, Perm.INFUSION_CHART) and is_today
    chart = reverse("infusions:session", args=[_ANY])
    check_in = reverse("infusions:check_in", args=[_ANY])
    for row in board.rows:
        if row.session is not None:
            row.chart_url = chart.replace(str(_ANY), str(row.session.uuid))
        if row.may_check_in and may_check_in:
            row.check_in_url = check_in.replace(str(_ANY), str(row.appointment.uuid))
    return {
        "board": board,
        "day": board.day,
        "today": today,
        "is_today": is_today,
        "previous": board.day - timedelta(days=1),
        "next": board.day + timedelta(days=1),
        "poll_seconds": POLL_SECONDS,
    }


def _audit(request: StaffRequest, board: boards.Board) -> None:
    patients_seen(
        request.actor,
        purpose=f"Infusion board of {board.day:%b %-d, %Y}",
        count=len(board.rows),
    )


@staff_required(Perm.INFUSION_VIEW)
def board_page(request: StaffRequest) -> HttpResponse:
    location = _location(request)
    day, understood = _day(request, location)
    board = boards.board(location, day)
    _audit(request, board)
    context = _context(request, board)
    context["not_a_day"] = not understood
    return render(request, "infusions/board.html", context)


@staff_required(Perm.INFUSION_VIEW)
def board_poll(request: StaffRequest) -> HttpResponse:
    location = _location(request)
    day, _understood = _day(request, location)
    now = timezone.now()
    shown = request.GET.get("shown", "")
    if shown and shown == boards.fingerprint(location, day, now):
        return HttpResponse(status=204)
    board = boards.board(location, day, now)
    _audit(request, board)
    return render(request, "infusions/board.html#body", _context(request, board))
