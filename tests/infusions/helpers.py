"""A candidate with a signed plan, an infusion booked today, checked in."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import services
from ketaclinic.infusions.models import Session
from tests.notifications.helpers import make_visit
from tests.treatment.helpers import signed_plan


def today_visit(world, patient=None, *, minutes_from_now: int = 0):
    """An infusion appointment today (in the location's time zone) for a
    patient with a signed plan in force."""
    patient = patient or world.patient
    signed_plan(world, patient=None if patient == world.patient else patient)
    zone = patient.location.zone
    now = timezone.localtime(timezone.now(), zone)
    starts = now + timedelta(minutes=minutes_from_now)
    if starts.date() != now.date():  # late at night: keep it today
        starts = now
    return make_visit(patient, starts.replace(second=0, microsecond=0))


def checked_in(world, patient=None, *, role: str = "nurse") -> Session:
    visit = today_visit(world, patient)
    return services.check_in(actor=Actor.system(world.staff[role]), appointment=visit)
