"""Where each role's day starts: what the start page shows, in bounded queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q

from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.permissions import Perm, Role, can
from ketaclinic.infusions import board as infusion_board
from ketaclinic.inquiries.models import Inquiry, Stage
from ketaclinic.inquiries.queries import inquiries_for_user
from ketaclinic.intake.models import Intake, UrgentTask
from ketaclinic.scheduling.models import Appointment, Location
from ketaclinic.treatment.models import ScreeningDecision

# The most rows each part of the start page shows; its page has the rest.
LIMIT = 50

# What each role sees first: the front desk its arrivals and new leads, a
# provider first who is waiting for it at the chairs, then the decisions waiting
# and its own visits, a manager the clinic's day. A nurse starts on the board of
# the day's infusions instead.
PARTS: dict[str, tuple[str, ...]] = {
    Role.FRONT_DESK: ("arrivals", "leads"),
    Role.NURSE: ("chairs", "arrivals", "tasks"),
    Role.PROVIDER: ("chairs", "tasks", "decisions", "mine"),
    Role.MANAGER: ("chairs", "arrivals", "leads", "tasks", "decisions"),
}
NEEDS: dict[str, Perm] = {
    "chairs": Perm.INFUSION_VIEW,
    "arrivals": Perm.SCHEDULE_VIEW,
    "mine": Perm.SCHEDULE_VIEW,
    "leads": Perm.LEAD_WORK,
    "tasks": Perm.CLINICAL_VIEW,
    "decisions": Perm.CLINICAL_VIEW,
}


@dataclass
class Today:
    day: date
    location: Location | None
    parts: tuple[str, ...]
    arrivals: list[Appointment] = field(default_factory=list)
    mine: list[Appointment] = field(default_factory=list)
    leads: list[Inquiry] = field(default_factory=list)
    tasks: list[UrgentTask] = field(default_factory=list)
    decisions: list[Intake] = field(default_factory=list)
    # What waits at the chairs now: each alert of the board, with its row.
    chairs: list[tuple[infusion_board.Row, infusion_board.BoardAlert]] = field(
        default_factory=list
    )

    @property
    def shown(self) -> int:
        """How many rows naming a patient or lead the page shows (audited)."""
        return sum(len(getattr(self, part)) for part in self.parts)


def _day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(location.time_zone)
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def _visits(location: Location, day: date):
    start, end = _day_bounds(location, day)
    return (
        Appointment.objects.filter(
            location=location, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "inquiry", "type")
        .order_by("starts_at", "id")
    )


def today(user, location: Location | None, now: datetime) -> Today:
    """The start page of `user` at `location`: one query per part shown (the
    chairs part: the board's fixed number)."""
    parts = tuple(part for part in PARTS.get(user.role, ()) if can(user, NEEDS[part]))
    day = (
        now.astimezone(ZoneInfo(location.time_zone)).date() if location else now.date()
    )
    result = Today(day=day, location=location, parts=parts)
    places = location_ids_of(user)
    if "chairs" in parts and location is not None:
        # The board's own reading (a fixed number of queries), so the start
        # page and the board never disagree on who is waiting.
        result.chairs = infusion_board.board(location, day, now).alerts[:LIMIT]
    if "arrivals" in parts and location is not None:
        result.arrivals = list(_visits(location, day)[:LIMIT])
    if "mine" in parts and location is not None:
        result.mine = list(
            _visits(location, day).filter(allocations__staff=user).distinct()[:LIMIT]
        )
    if "leads" in parts:
        result.leads = list(
            inquiries_for_user(user)
            .filter(Q(stage=Stage.NEW) | Q(urgent=True))
            .order_by("-urgent", "created_at", "id")[:LIMIT]
        )
    if "tasks" in parts:
        result.tasks = list(
            UrgentTask.objects.filter(
                patient__location_id__in=places, done_at__isnull=True
            )
            .select_related("patient")
            .order_by("created_at", "id")[:LIMIT]
        )
    if "decisions" in parts:
        decided = ScreeningDecision.objects.filter(
            patient=OuterRef("patient"), signed_at__gte=OuterRef("submitted_at")
        )
        result.decisions = list(
            Intake.objects.filter(
                patient__location_id__in=places, status=Intake.Status.SUBMITTED
            )
            .exclude(Exists(decided))
            .select_related("patient")
            .order_by("submitted_at", "id")[:LIMIT]
        )
    return result
