"""A location's day with chairs and patients in every state of the board."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketaclinic.clinics.models import Resource
from ketaclinic.infusions.models import PumpEvent, Session, VitalReading
from ketaclinic.intake.models import UrgentTask
from ketaclinic.patients.models import Allergy
from ketaclinic.scheduling.models import Appointment
from tests.conftest import make_patient
from tests.notifications.helpers import make_visit
from tests.treatment.helpers import signed_plan

# Each state of the board, and how a session (or its absence) makes it.
KINDS = (
    "expected",
    "checked_in",
    "held",
    "ready",
    "infusing",
    "paused",
    "recovery",
    "ready_for_discharge",
    "discharged",
    "cancelled",
    "no_show",
)


def _today_at(zone, now, minutes_ago: int):
    local = timezone.localtime(now, zone)
    start = local - timedelta(minutes=minutes_ago)
    if start.date() != local.date():  # just after midnight: keep it today
        start = local.replace(hour=0, minute=1)
    return start.replace(second=0, microsecond=0)


def fill_board(world, chairs: int, *, now=None) -> dict[str, Appointment]:
    """`chairs` chairs at world's home, each with one appointment today, the
    states taken in turn from KINDS; returns the first appointment of each."""
    now = now or timezone.now()
    location = world.patient.location
    plan = signed_plan(world)
    nurse = world.staff["nurse"]
    first: dict[str, Appointment] = {}
    for index in range(chairs):
        kind = KINDS[index % len(KINDS)]
        chair = Resource.objects.create(
            location=location, kind=Resource.Kind.CHAIR, name=f"Chair {index + 1:02d}"
        )
        patient = make_patient(
            location, first_name=f"Pat{index}", last_name=f"Board{index}"
        )
        status = {
            "cancelled": Appointment.Status.CANCELLED,
            "no_show": Appointment.Status.NO_SHOW,
            "expected": Appointment.Status.CONFIRMED,
        }.get(kind, Appointment.Status.CHECKED_IN)
        visit = make_visit(
            patient,
            _today_at(location.zone, now, 90),
            resource=chair,
            status=status,
        )
        first.setdefault(kind, visit)
        Allergy.objects.create(patient=patient, substance=f"Penicillin {index}")
        if index % 3 == 0:
            UrgentTask.objects.create(patient=patient, message="Item 9 positive")
        if kind in ("expected", "cancelled", "no_show"):
            continue
        state = {
            "ready_for_discharge": Session.State.RECOVERY,
        }.get(kind, kind)
        session = Session.objects.create(
            appointment=visit,
            patient=patient,
            location=location,
            plan=plan,
            state=state,
            state_reason="Blood pressure 172/104 mmHg over the hold limit"
            if kind == "held"
            else "",
            checked_in_at=visit.starts_at + timedelta(minutes=2),
            checked_in_by=nurse,
            planned_minutes=40,
            recovery_minutes=30,
        )
        if kind in ("infusing", "paused", "recovery", "ready_for_discharge"):
            started = now - timedelta(
                minutes=20 if kind in ("infusing", "paused") else 90
            )
            session.started_at = started
            events = [(PumpEvent.Kind.START, started)]
            if kind == "paused":
                events.append((PumpEvent.Kind.PAUSE, now - timedelta(minutes=5)))
            if kind == "recovery":
                session.stopped_at = now - timedelta(minutes=10)
            if kind == "ready_for_discharge":
                session.stopped_at = now - timedelta(minutes=40)
            if session.stopped_at:
                events.append((PumpEvent.Kind.STOP, session.stopped_at))
            session.save()
            for event_kind, at in events:
                PumpEvent.objects.create(
                    session=session,
                    kind=event_kind,
                    rate_ml_per_h=150 if event_kind == PumpEvent.Kind.START else None,
                    charted_at=at,
                    by=nurse,
                )
            VitalReading.objects.create(
                session=session,
                phase=VitalReading.Phase.INFUSION,
                systolic_mmhg=128,
                diastolic_mmhg=80,
                heart_rate_bpm=72,
                spo2_pct=98,
                charted_at=now - timedelta(minutes=3),
                by=nurse,
            )
        if kind == "discharged":
            session.started_at = now - timedelta(minutes=150)
            session.stopped_at = now - timedelta(minutes=110)
            session.discharged_at = now - timedelta(minutes=70)
            session.save()
    return first
