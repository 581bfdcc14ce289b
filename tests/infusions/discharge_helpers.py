"""A session whose pump has stopped: in recovery, with the readings charted
before the infusion and in recovery, and an escort named at check-in."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import services
from ketaclinic.infusions.models import Session, VitalReading
from tests.conftest import PASSWORD
from tests.infusions.helpers import checked_in

# Modified PADSS observations that pass (10 of 10 with steady vital signs).
PASSING = {"activity": 2, "nausea": 2, "pain": 2, "bleeding": 2}

STEADY = {
    "systolic_mmhg": 122,
    "diastolic_mmhg": 78,
    "heart_rate_bpm": 72,
    "spo2_pct": 98,
    "resp_rate_per_min": 14,
    "moaas": 5,
    "dissociation": 0,
}


def reading(session: Session, phase: str, at, by, **values) -> VitalReading:
    return VitalReading.objects.create(
        session=session, phase=phase, charted_at=at, by=by, **{**STEADY, **values}
    )


def in_recovery(
    world,
    patient=None,
    *,
    stopped_minutes_ago: int = 45,
    escort: tuple[str, str, str] = ("Sam Lee", "brother", "+13035550111"),
    recovery_values: dict | None = None,
) -> Session:
    session = checked_in(world, patient)
    nurse = world.staff["nurse"]
    actor = Actor.system(nurse)
    now = timezone.now()
    stopped = now - timedelta(minutes=stopped_minutes_ago)
    started = stopped - timedelta(minutes=40)
    name, relation, phone = escort
    Session.objects.filter(pk=session.pk).update(
        escort_name=name, escort_relation=relation, escort_phone=phone
    )
    session.refresh_from_db()
    reading(session, "baseline", started - timedelta(minutes=10), nurse)
    services.transition(session, Session.State.READY, actor=actor)
    services.transition(session, Session.State.INFUSING, actor=actor)
    services.transition(session, Session.State.RECOVERY, actor=actor)
    Session.objects.filter(pk=session.pk).update(started_at=started, stopped_at=stopped)
    session.refresh_from_db()
    reading(
        session,
        "recovery",
        now - timedelta(minutes=2),
        nurse,
        **(recovery_values or {}),
    )
    return session


def discharged(world, patient=None) -> Session:
    from ketaclinic.infusions import discharge

    session = in_recovery(world, patient)
    discharge.discharge(
        actor=Actor.system(world.staff["nurse"]),
        session=session,
        observations=PASSING,
        escort_seen=True,
    )
    session.refresh_from_db()
    return session


__all__ = ["PASSING", "PASSWORD", "discharged", "in_recovery", "reading"]
