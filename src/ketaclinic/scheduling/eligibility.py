"""Who may be booked for what: the one rule, asked by the booking service
(so pages, the API and the patient's links all get it) and shown by the pages
before a time is chosen.

An infusion needs the patient's current signed screening decision to be
"candidate" (CLINICAL.md framing: the software proposes, a clinician decides
and signs). While a suicide-risk task of the patient is open, booking an
infusion also needs an acknowledgement of each open task with its reason, kept
on the appointment like the named overrides of a decision
(ketaclinic.clinical.overrides). Consultations and follow-ups are not
infusions: they are never refused here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from ketaclinic.clinical import overrides

# The one import of the screening decision and the urgent task in scheduling.
from ketaclinic.intake.models import ScreeningDecision, UrgentTask
from ketaclinic.scheduling.models import AppointmentType

# The longest reason kept for one acknowledgement (the page's field says so).
REASON_CHARS = 1000

NO_DECISION = (
    "An infusion is booked only for a candidate: {name} has no signed screening "
    "decision yet. A provider screens the patient and signs “Candidate” first."
)
NOT_CANDIDATE = (
    "An infusion is booked only for a candidate: the screening decision signed "
    "by {by} on {day} says “{outcome}”."
)


@dataclass(frozen=True)
class BookingCheck:
    """What the rule says of one booking: refused (``refusal``, in plain
    words), or allowed once each of ``to_acknowledge`` has a reason."""

    refusal: str = ""
    to_acknowledge: tuple[overrides.OverrideNeeded, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return not self.refusal


def open_urgent_tasks(patient) -> list[UrgentTask]:
    return list(patient.urgent_tasks.filter(done_at__isnull=True).order_by("pk"))


def urgent_open(patient_field: str = "patient") -> Exists:
    """An annotation: whether the row's patient has an open urgent task (no
    query of its own: it rides on the list's query)."""
    return Exists(
        UrgentTask.objects.filter(
            patient_id=OuterRef(f"{patient_field}_id"), done_at__isnull=True
        )
    )


def current_decision(patient) -> ScreeningDecision | None:
    """The patient's screening decision in force: the latest not amended."""
    return (
        ScreeningDecision.objects.filter(patient=patient, amended_by__isnull=True)
        .select_related("signed_by")
        .order_by("-signed_at", "-pk")
        .first()
    )


def booking_check(patient, appointment_type: AppointmentType) -> BookingCheck:
    """Whether `patient` may be booked for `appointment_type`."""
    if appointment_type.kind != AppointmentType.Kind.INFUSION:
        return BookingCheck()
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


def acknowledgements(
    check: BookingCheck, reasons: Mapping[str, str], *, by: str
) -> tuple[list[dict[str, str]], tuple[overrides.OverrideNeeded, ...]]:
    """The acknowledgements given (as kept on the appointment, with who gave
    them) and those still missing."""
    given, missing = overrides.overrides_given(check.to_acknowledge, reasons)
    return [
        {**item.as_record(), "reason": item.reason[:REASON_CHARS], "by": by}
        for item in given
    ], missing
