"""Who may be booked for what: the one question, asked by the booking service
(so pages, the API and the patient's links all get it) and by the pages before
a time is chosen.

Scheduling asks; the answer comes from the apps above it that know the
patient's screening decision and open risk tasks (ketaclinic.treatment.eligibility
connects to `booking_rules`). Consultations and follow-ups are not infusions:
they are never refused here. With no rule connected, no infusion is booked
(the question fails closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.dispatch import Signal

from ketaclinic.clinical import overrides
from ketaclinic.scheduling.models import AppointmentType

booking_rules = Signal()
"""Sent with `patient` and `appointment_type` for an infusion; each receiver
answers with a `BookingCheck`."""

# The longest reason kept for one acknowledgement (the page's field says so).
REASON_CHARS = 1000

NO_RULE = (
    "Infusions cannot be booked: the clinic's booking rules are not installed. "
    "Ask the administrator."
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


def urgent_open(patient_field: str = "patient") -> Count:
    """An annotation: how many urgent risk tasks of the row's patient are open
    (no query of its own: it rides on the list's query)."""
    tasks = f"{patient_field}__urgent_tasks"
    return Count(tasks, filter=Q(**{f"{tasks}__done_at__isnull": True}))


def booking_check(patient, appointment_type: AppointmentType) -> BookingCheck:
    """Whether `patient` may be booked for `appointment_type`."""
    if appointment_type.kind != AppointmentType.Kind.INFUSION:
        return BookingCheck()
    answers: list[BookingCheck] = []
    for _receiver, said in booking_rules.send(
        sender=AppointmentType, patient=patient, appointment_type=appointment_type
    ):
        answer: object = said
        if isinstance(answer, BookingCheck):
            answers.append(answer)
    if not answers:
        return BookingCheck(NO_RULE)
    for check in answers:
        if check.refusal:
            return check
    return BookingCheck(
        to_acknowledge=tuple(
            item for answer in answers for item in answer.to_acknowledge
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
