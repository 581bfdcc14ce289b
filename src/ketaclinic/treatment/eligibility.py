"""Who may be booked for an infusion, answered for the scheduling engine.

An infusion needs the patient's current signed screening decision to be
"candidate" (the software proposes, a clinician decides and signs). While a
suicide-risk task of the patient is open, booking an infusion also needs an
acknowledgement of each open task with its reason, kept on the appointment like
the named overrides of a decision (ketaclinic.clinical.overrides).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ketaclinic.clinical import overrides
from ketaclinic.intake.models import UrgentTask
from ketaclinic.scheduling.eligibility import BookingCheck, booking_rules
from ketaclinic.treatment.models import ScreeningDecision

NO_DECISION = (
    "An infusion is booked only for a candidate: {name} has no signed screening "
    "decision yet. A provider screens the patient and signs “Candidate” first."
)
NOT_CANDIDATE = (
    "An infusion is booked only for a candidate: the screening decision signed "
    "by {by} on {day} says “{outcome}”."
)


def open_urgent_tasks(patient) -> list[UrgentTask]:
    return list(patient.urgent_tasks.filter(done_at__isnull=True).order_by("pk"))


def current_decision(patient) -> ScreeningDecision | None:
    """The patient's screening decision in force: the latest not amended."""
    return (
        ScreeningDecision.objects.filter(patient=patient, amended_by__isnull=True)
        .select_related("signed_by")
        .order_by("-signed_at", "-pk")
        .first()
    )


@receiver(booking_rules)
def candidate_with_risk_acknowledged(
    sender: Any, *, patient: Any, appointment_type: Any, **kwargs: Any
) -> BookingCheck:
    decision = current_decision(patient)
    if decision is None:
        return BookingCheck(NO_DECISION.format(name=patient.display_name))
    if decision.outcome != ScreeningDecision.Outcome.CANDIDATE:
        day = decision.signed_at.astimezone(patient.location.zone)
        return BookingCheck(
            NOT_CANDIDATE.format(
                by=decision.signed_by,
                day=f"{day:%b %-d, %Y}",
                outcome=decision.get_outcome_display(),
            )
        )
    tasks = open_urgent_tasks(patient)
    return BookingCheck(
        to_acknowledge=overrides.overrides_needed(
            (), [(task.pk, task.message) for task in tasks]
        )
    )
