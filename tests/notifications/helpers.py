"""Building visits with the ORM and running the background tasks in tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from unittest import mock

from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ketaclinic.clinics.models import OpeningHours, Resource
from ketaclinic.scheduling.models import (
    Allocation,
    Appointment,
    AppointmentPhase,
    AppointmentType,
)

INFUSION_QUESTIONS = [
    {"key": "escort_name", "label": "Your escort's name", "kind": "text"},
    {"key": "escort_phone", "label": "Your escort's phone", "kind": "phone"},
    {"key": "stop_eating", "label": "When will you stop eating?", "kind": "time"},
]
INFUSION_INSTRUCTIONS = (
    "No solid food for 6 hours before; clear liquids until 2 hours before.\n"
    "Bring your escort: an adult who takes you home.\n"
    "No driving or heavy machinery for 24 hours."
)


def infusion_type(**fields) -> AppointmentType:
    defaults = {
        "code": "infusion",
        "name": "Ketamine infusion",
        "kind": AppointmentType.Kind.INFUSION,
        "instructions": INFUSION_INSTRUCTIONS,
        "questions": INFUSION_QUESTIONS,
        "min_notice_hours": 0,
    }
    defaults.update(fields)
    kind = AppointmentType.objects.create(**defaults)
    AppointmentPhase.objects.create(
        type=kind, order=1, name="Infusion", minutes=60, needs_chair=True
    )
    AppointmentPhase.objects.create(
        type=kind, order=2, name="Recovery", minutes=30, needs_chair=True
    )
    return kind


def open_all_week(location) -> Resource:
    """Opening hours every day, all day, and one chair: anything fits once."""
    for weekday in range(7):
        OpeningHours.objects.create(
            location=location, weekday=weekday, opens=time(0, 0), closes=time(23, 59)
        )
    return Resource.objects.create(
        location=location, kind=Resource.Kind.CHAIR, name="Chair 1"
    )


def soon(days: int = 5, hour: int = 16) -> datetime:
    """A whole hour some days ahead, in UTC."""
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, 0), UTC)


def make_visit(
    patient,
    starts_at: datetime,
    *,
    kind: AppointmentType | None = None,
    staff=None,
    resource=None,
    status: str = Appointment.Status.BOOKED,
) -> Appointment:
    kind = kind or AppointmentType.objects.filter(code="infusion").first()
    kind = kind or infusion_type()
    appointment = Appointment.objects.create(
        patient=patient,
        location=patient.location,
        type=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        status=status,
    )
    active = status in Appointment.HOLDING
    if staff is not None:
        Allocation.objects.create(
            appointment=appointment,
            phase="Infusion",
            staff=staff,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=60),
            active=active,
        )
    if resource is not None:
        Allocation.objects.create(
            appointment=appointment,
            phase="Infusion",
            resource=resource,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=90),
            active=active,
        )
    return appointment


def make_due(**filters) -> int:
    """Let time pass: every waiting task becomes due now."""
    return DBTaskResult.objects.filter(status="READY", **filters).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


def run_worker() -> None:
    """`ketaclinic worker --batch`, inside the test's transaction."""
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker drops connections that are in a transaction; the test's is.
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


def run_due_tasks(capture_on_commit) -> None:
    """Run what is due, and what that enqueues on commit, until nothing is left.

    `capture_on_commit` is pytest-django's django_capture_on_commit_callbacks.
    """
    for _ in range(20):
        with capture_on_commit(execute=True) as callbacks:
            due = DBTaskResult.objects.ready().exists()
            if due:
                run_worker()
        if not due and not callbacks:
            break
    failed = DBTaskResult.objects.failed().first()
    assert failed is None, failed.traceback


def ics_events(text: str) -> list[dict[str, str]]:
    """Unfold RFC 5545 text and read its VEVENTs as {property: value}."""
    assert "\n" not in text.replace("\r\n", ""), "lines must end in CRLF"
    lines = text.replace("\r\n ", "").split("\r\n")
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return events


def unescape(value: str) -> str:
    """TEXT value -> text, in one pass (RFC 5545 3.3.11)."""
    plain = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}
    return re.sub(r"\\([nN,;\\])", lambda m: plain[m.group(1)], value)
