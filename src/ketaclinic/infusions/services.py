"""Every write of the infusion chart: one user action, one transaction.

Each service takes the `Actor` and plain values, checks what it is given,
writes, bumps the session's `revision` (the board and open pages poll it) and
audits, inside one transaction. Refusals are `InfusionRefused`, by field, in
plain words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.infusions.models import Session
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import BookingRefused, appointment_set_status
from ketaclinic.treatment.plans import plan_in_force

NO_PLAN = (
    "This patient has no signed treatment plan in force: a provider must sign "
    "one before the infusion."
)
NOT_TODAY = "Only today's infusion appointments can be checked in."
NOT_AN_INFUSION = "This appointment is not an infusion."


class InfusionRefused(Exception):
    """What cannot be done, by the form field to show it beside (``None``:
    for the whole form)."""

    def __init__(self, errors: Mapping[str | None, str] | str) -> None:
        if isinstance(errors, str):
            errors = {None: errors}
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


def may_chart(actor: Actor) -> User:
    """The nurse or provider who charts (a PermissionError for anyone else)."""
    if actor.user is None or not can(actor.user, Perm.INFUSION_CHART):
        raise PermissionError("Only nurses and providers chart an infusion.")
    return actor.user


def touch(session: Session) -> None:
    """Mark the session changed (inside the caller's transaction)."""
    Session.objects.filter(pk=session.pk).update(revision=F("revision") + 1)
    session.refresh_from_db(fields=["revision", "updated_at"])


def transition(session: Session, state: str, *, actor: Actor, reason: str = "") -> None:
    """Move the session to `state`, or refuse in plain words."""
    if state not in Session.TRANSITIONS.get(session.state, ()):
        raise InfusionRefused(
            f"An infusion that is {session.get_state_display().lower()} cannot "
            f"become {Session.State(state).label.lower()}."
        )
    session.state = state
    session.state_reason = reason
    session.revision += 1
    session.save(update_fields=["state", "state_reason", "revision", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        patient=session.patient,
        obj=session,
        summary=f"Infusion {Session.State(state).label.lower()}",
    )


def check_in(
    *, actor: Actor, appointment: Appointment, now: datetime | None = None
) -> Session:
    """Open the infusion chart of today's infusion appointment (once: a second
    check-in returns the session already open)."""
    user = may_chart(actor)
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        existing = Session.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing
        if appointment.patient is None or appointment.type.kind != "infusion":
            raise InfusionRefused(NOT_AN_INFUSION)
        zone = appointment.location.zone
        day = timezone.localtime(appointment.starts_at, zone).date()
        if day != timezone.localtime(now, zone).date():
            raise InfusionRefused(NOT_TODAY)
        plan = plan_in_force(appointment.patient)
        if plan is None:
            raise InfusionRefused(NO_PLAN)
        session = Session.objects.create(
            appointment=appointment,
            patient=appointment.patient,
            location=appointment.location,
            plan=plan,
            checked_in_at=now,
            checked_in_by=user,
            recovery_minutes=plan.recovery_minutes,
            planned_minutes=plan.minutes,
        )
        if appointment.status != Appointment.Status.CHECKED_IN:
            try:
                appointment_set_status(
                    actor=actor,
                    appointment=appointment,
                    status=Appointment.Status.CHECKED_IN,
                )
            except BookingRefused as refused:
                raise InfusionRefused(str(refused)) from None
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=session,
            summary="Checked in for the infusion",
        )
        return session
