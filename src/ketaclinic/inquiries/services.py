"""Every change of the lead pipeline, inside a transaction with its audit entry.

Consultations are appointments of the scheduling engine: booking, moving and
cancelling one goes through ketaclinic.scheduling.services (no double
booking, reasons, nearest free times), then the lead's stage and messages
follow in a transaction of their own.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinics.models import Location
from ketaclinic.inquiries import notify, queries
from ketaclinic.inquiries.models import (
    ConsultationMode,
    ConsultationNote,
    ContactEntry,
    Inquiry,
    LeadAlert,
    RateCounter,
    SiteContent,
    Stage,
    StageChange,
    Submission,
)
from ketaclinic.intake.services import urgent_task_raise
from ketaclinic.patients import services as patient_services
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling import services as schedule
from ketaclinic.scheduling.models import Appointment

VISITOR = "visitor (get-started form)"
# The urgent task a converted lead's crisis answer leaves on the chart.
CRISIS_LEAD_TASK = (
    "Get-started form of {day}: answered yes to “Are you thinking about harming "
    "yourself right now?”. A clinician assesses suicide risk before treatment."
)
VISITOR_LINK = "visitor (private link)"
BookingRefused = schedule.BookingRefused

# Stages before the consultation: booking, cancelling and a signed note move a
# lead on from these, never back from a later stage.
EARLY = (
    Stage.NEW,
    Stage.CONTACTED,
    Stage.CONSULTATION_BOOKED,
    Stage.CONSULTATION_DONE,
)
# Where a signed consultation note leaves the lead.
OUTCOME_STAGE: dict[str, str] = {
    ConsultationNote.Outcome.PROCEED: Stage.CONSULTATION_DONE,
    ConsultationNote.Outcome.NEEDS_RECORDS: Stage.CONSULTATION_DONE,
    ConsultationNote.Outcome.NOT_CANDIDATE: Stage.NOT_CANDIDATE,
    ConsultationNote.Outcome.REFER_OUT: Stage.CLOSED,
}


class Refused(Exception):
    """A change that cannot be made, with a message for the person who asked."""


# --- The public form ---------------------------------------------------------------


@dataclass(frozen=True)
class FormAnswers:
    location: Location
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164
    preferred_contact: str
    preferred_time: str
    conditions: tuple[str, ...]
    antidepressants_tried: int | None
    heard_from: str
    message: str
    crisis: bool

    def as_json(self) -> dict:
        return {
            "location": self.location.slug,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "preferred_contact": self.preferred_contact,
            "preferred_time": self.preferred_time,
            "conditions": list(self.conditions),
            "antidepressants_tried": self.antidepressants_tried,
            "heard_from": self.heard_from,
            "crisis": self.crisis,
        }


@dataclass(frozen=True)
class SubmitResult:
    inquiry: Inquiry
    submission: Submission
    joined: bool


def _one_submission_at_a_time() -> None:
    """Two forms with the same email at the same moment must make one lead.
    SQLite's write transactions already run one at a time (BEGIN IMMEDIATE);
    on PostgreSQL a transaction-scoped advisory lock serialises submissions."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x1D0_1EAD])


def _stage_to(
    inquiry: Inquiry, stage: str, reason: str, *, user=None, now: datetime
) -> StageChange:
    change = StageChange.objects.create(
        inquiry=inquiry,
        from_stage=inquiry.stage,
        to_stage=stage,
        reason=reason[:200],
        by=user,
    )
    inquiry.stage, inquiry.stage_changed_at = stage, now
    inquiry.save(update_fields=["stage", "stage_changed_at"])
    return change


def inquiry_submit(
    *, actor: Actor, answers: FormAnswers, language: str
) -> SubmitResult:
    """Make a lead from the form, or join the lead with the same email or phone.

    Joining keeps the lead's name, email and phone as they were (a stranger
    who knows a phone number must not redirect a lead's messages) and adds
    this submission, with its message, beside the earlier ones.
    """
    now = timezone.now()
    with transaction.atomic():
        _one_submission_at_a_time()
        inquiry = queries.matching_inquiry(email=answers.email, phone=answers.phone)
        joined = inquiry is not None
        if inquiry is None:
            inquiry = Inquiry.objects.create(
                location=answers.location,
                first_name=answers.first_name,
                last_name=answers.last_name,
                email=answers.email,
                phone=answers.phone,
                preferred_contact=answers.preferred_contact,
                preferred_time=answers.preferred_time,
                conditions=Inquiry.conditions_value(answers.conditions),
                antidepressants_tried=answers.antidepressants_tried,
                heard_from=answers.heard_from,
                language=language,
                consented_at=now,
                crisis=answers.crisis,
                urgent=answers.crisis,
                stage=Stage.NEW,
                stage_changed_at=now,
                created_at=now,
                last_submission_at=now,
            )
            StageChange.objects.create(
                inquiry=inquiry, to_stage=Stage.NEW, reason="Sent the get-started form"
            )
        else:
            inquiry.conditions = Inquiry.conditions_value(
                {*inquiry.condition_codes, *answers.conditions}
            )
            if answers.antidepressants_tried is not None:
                inquiry.antidepressants_tried = answers.antidepressants_tried
            inquiry.preferred_contact = answers.preferred_contact
            inquiry.preferred_time = answers.preferred_time
            inquiry.heard_from = inquiry.heard_from or answers.heard_from
            inquiry.language = language
            inquiry.consented_at = now
            inquiry.crisis = inquiry.crisis or answers.crisis
            inquiry.urgent = inquiry.urgent or answers.crisis
            inquiry.last_submission_at = now
            inquiry.save()
            if inquiry.stage == Stage.CLOSED:
                _stage_to(inquiry, Stage.NEW, "Wrote again after being closed", now=now)
        submission = Submission.objects.create(
            inquiry=inquiry,
            message=answers.message,
            answers=answers.as_json(),
            language=language,
            crisis=answers.crisis,
        )
        if answers.crisis:
            kind = LeadAlert.Kind.URGENT
        else:
            kind = LeadAlert.Kind.AGAIN if joined else LeadAlert.Kind.NEW
        alert = LeadAlert.objects.create(
            inquiry=inquiry, location=inquiry.location, kind=kind
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE if joined else Action.CREATE,
            obj=inquiry,
            username=VISITOR,
            summary=("Wrote again" if joined else "New lead")
            + (" (urgent: crisis answer)" if answers.crisis else ""),
        )
        notify.inquiry_received(inquiry, submission)
        notify.staff_alert(alert)
    return SubmitResult(inquiry, submission, joined)


def _rate_key(actor: Actor, scope: str) -> str:
    address = actor.address or "unknown"
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{scope}:{address}".encode(), hashlib.sha256
    ).hexdigest()


def rate_allow(
    *,
    actor: Actor,
    scope: str,
    limit: int,
    window: timedelta = timedelta(hours=1),
) -> bool:
    """Count one more post from this client address; False past `limit` per
    window. Counted in the database, so every app server counts together."""
    now = timezone.now()
    seconds = int(window.total_seconds())
    start = datetime.fromtimestamp(
        int(now.timestamp()) // seconds * seconds, tz=now.tzinfo
    )
    key = _rate_key(actor, scope)
    with transaction.atomic():
        counter, _ = RateCounter.objects.get_or_create(key=key, window_start=start)
        RateCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)
        count = RateCounter.objects.values_list("count", flat=True).get(pk=counter.pk)
        RateCounter.objects.filter(window_start__lt=start - window).delete()
    return count <= limit


# --- Consultations, booked by the visitor's link or by staff ----------------------


def _consultation_type(inquiry: Inquiry, mode: str):
    types = queries.consultation_types(inquiry.location)
    if mode not in types:
        raise BookingRefused("That kind of consultation cannot be booked here.")
    return types[mode]


def _after_booking(
    *, actor: Actor, inquiry: Inquiry, appointment: Appointment, mode: str, how: str
) -> None:
    inquiry.consultation_mode = mode
    inquiry.save(update_fields=["consultation_mode"])
    if inquiry.stage in (Stage.NEW, Stage.CONTACTED):
        _stage_to(
            inquiry,
            Stage.CONSULTATION_BOOKED,
            f"Consultation booked {how}",
            user=actor.user,
            now=timezone.now(),
        )
    notify.consultation_booked(inquiry, appointment)


def _locked(inquiry: Inquiry) -> Inquiry:
    """The lead, locked for the rest of the transaction: two requests on one
    lead (a double click, two tabs) run one after the other."""
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


def consultation_book(
    *,
    actor: Actor,
    inquiry: Inquiry,
    mode: str,
    starts_at: datetime,
) -> Appointment:
    """Book the lead's free consultation; BookingRefused with the reason and
    the next free times when that time cannot be had. One transaction."""
    if mode not in ConsultationMode.values:
        raise BookingRefused("Choose phone, video or in person.")
    appointment_type = _consultation_type(inquiry, mode)
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if queries.upcoming_consultation(inquiry) is not None:
            raise BookingRefused("A consultation is already booked; change it instead.")
        appointment = schedule.appointment_book(
            actor=actor,
            inquiry=inquiry,
            location=inquiry.location,
            appointment_type=appointment_type,
            starts_at=starts_at,
            notes=f"Free consultation: {ConsultationMode(mode).label}",
        )
        how = "by staff" if actor.user is not None else "through the private link"
        _after_booking(
            actor=actor, inquiry=inquiry, appointment=appointment, mode=mode, how=how
        )
    return appointment


def consultation_change(
    *,
    actor: Actor,
    inquiry: Inquiry,
    appointment: Appointment,
    mode: str,
    starts_at: datetime,
) -> Appointment:
    """A new time (and perhaps a new kind) for a booked consultation. The same
    kind moves the visit; another kind cancels the old one and books anew:
    one transaction, so a refused new time leaves the old visit as it was."""
    who = "staff" if actor.user is not None else "the visitor"
    appointment_type = _consultation_type(inquiry, mode)
    label = ConsultationMode(mode).label
    try:
        with transaction.atomic():
            inquiry = _locked(inquiry)
            if appointment_type.pk == appointment.type_id:
                new = schedule.appointment_move(
                    actor=actor,
                    appointment=appointment,
                    starts_at=starts_at,
                    reason=f"Changed by {who}",
                )
            else:
                # The old visit goes first, so that its time (and the lead, who is
                # never in two visits at once) is free for the new one.
                schedule.appointment_set_status(
                    actor=actor,
                    appointment=appointment,
                    status=Appointment.Status.CANCELLED,
                    reason=f"Changed to {label.lower()} by {who}",
                )
                new = schedule.appointment_book(
                    actor=actor,
                    inquiry=inquiry,
                    location=inquiry.location,
                    appointment_type=appointment_type,
                    starts_at=starts_at,
                    notes=f"Free consultation: {label}",
                )
            inquiry.consultation_mode = mode
            inquiry.save(update_fields=["consultation_mode"])
            notify.consultation_booked(inquiry, new, changed=True)
    except BookingRefused:
        appointment.refresh_from_db()  # the cancel was undone too
        raise
    return new


def consultation_cancel(
    *,
    actor: Actor,
    inquiry: Inquiry,
    appointment: Appointment,
) -> None:
    who = "staff" if actor.user is not None else "the visitor through the private link"
    with transaction.atomic():
        inquiry = _locked(inquiry)
        schedule.appointment_set_status(
            actor=actor,
            appointment=appointment,
            status=Appointment.Status.CANCELLED,
            reason=f"Cancelled by {who}",
        )
        if (
            inquiry.stage == Stage.CONSULTATION_BOOKED
            and queries.upcoming_consultation(inquiry) is None
        ):
            _stage_to(
                inquiry,
                Stage.CONTACTED if inquiry.first_contact_at else Stage.NEW,
                f"Consultation cancelled by {who}",
                user=actor.user,
                now=timezone.now(),
            )
        notify.consultation_cancelled(inquiry, appointment)


# --- The front desk's work on a lead ---------------------------------------------


def _contact_add(
    *, user, inquiry: Inquiry, kind: str, summary: str, message=None
) -> ContactEntry:
    entry = ContactEntry.objects.create(
        inquiry=inquiry, kind=kind, summary=summary[:1000], by=user, message=message
    )
    if kind in ContactEntry.REACHING and inquiry.first_contact_at is None:
        inquiry.first_contact_at = entry.at
        inquiry.save(update_fields=["first_contact_at"])
        if inquiry.stage == Stage.NEW:
            label = ContactEntry.Kind(kind).label.lower()
            _stage_to(
                inquiry,
                Stage.CONTACTED,
                f"First contact ({label})",
                user=user,
                now=entry.at,
            )
    return entry


def contact_record(
    *, actor: Actor, inquiry: Inquiry, kind: str, summary: str
) -> ContactEntry:
    """A call, email, text or note, with who and when. The first call, email
    or text is the lead's first contact (and moves a new lead to contacted)."""
    if not summary.strip():
        raise Refused("Say what was said or done.")
    with transaction.atomic():
        entry = _contact_add(
            user=actor.user, inquiry=inquiry, kind=kind, summary=summary
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=inquiry,
            summary=f"Contact log: {entry.get_kind_display()}",
        )
    return entry


# The front desk's one-click emails: key -> (button label, what the log says).
EMAIL_TEMPLATES: dict[str, tuple[str, str]] = {
    "booking_link": ("Send the booking link", "Sent the consultation booking link"),
    "no_answer": ("We tried to call", "Sent “we tried to call you”"),
    "records": ("Ask for records", "Asked for medical records"),
}


def lead_email_send(*, actor: Actor, inquiry: Inquiry, template: str) -> ContactEntry:
    """Send one of the one-click emails; a second click within a minute sends
    nothing (and the message's key, naming the minute, backs that up)."""
    if template not in EMAIL_TEMPLATES:
        raise Refused("No such email.")
    _, logged = EMAIL_TEMPLATES[template]
    now = timezone.now()
    key = f"lead:{inquiry.uuid}:{template}:{now:%Y%m%d%H%M}"
    with transaction.atomic():
        just_sent = ContactEntry.objects.filter(
            inquiry=inquiry,
            message__purpose=f"lead_{template}",
            at__gte=now - timedelta(minutes=1),
        )
        if just_sent.exists():
            raise Refused("That email was just sent.")
        if template == "booking_link":
            message = notify.booking_link_resend(inquiry, key=key)
        else:
            message = notify.lead_email(inquiry, template, key=key, sender=actor.signer)
        if message is None:
            raise Refused("That email was just sent.")
        entry = _contact_add(
            user=actor.user,
            inquiry=inquiry,
            kind=ContactEntry.Kind.EMAIL,
            summary=f"{logged} to {inquiry.email}",
            message=message,
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=inquiry,
            summary=f"Email to lead: {template}",
        )
    return entry


def stage_set(
    *, actor: Actor, inquiry: Inquiry, stage: str, reason: str
) -> StageChange:
    if stage not in Stage.values:
        raise Refused("No such stage.")
    if not reason.strip():
        raise Refused("Say why the lead moves.")
    with transaction.atomic():
        current = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if current.stage == stage:
            raise Refused(f"The lead is already in “{Stage(stage).label}”.")
        inquiry.stage = current.stage
        change = _stage_to(
            inquiry, stage, reason.strip(), user=actor.user, now=timezone.now()
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=inquiry,
            summary=f"Stage {Stage(change.from_stage).label} → "
            f"{Stage(stage).label}: {reason.strip()}"[:500],
        )
    return change


def urgent_clear(*, actor: Actor, inquiry: Inquiry, reason: str) -> None:
    """Staff have reached an urgent lead: it no longer stands at the top. The
    crisis answer itself stays on the lead."""
    if not reason.strip():
        raise Refused("Say how the urgent lead was handled.")
    with transaction.atomic():
        inquiry.urgent = False
        inquiry.save(update_fields=["urgent"])
        _contact_add(
            user=actor.user,
            inquiry=inquiry,
            kind=ContactEntry.Kind.NOTE,
            summary=f"No longer urgent: {reason.strip()}",
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=inquiry,
            summary="Marked no longer urgent",
        )


def lead_mark_urgent(*, patient, reason: str) -> int:
    """A safety answer of a patient: the leads converted into them stand
    urgent on the board again (inside the caller's transaction)."""
    marked = 0
    for inquiry in Inquiry.objects.select_for_update().filter(
        patient=patient, urgent=False
    ):
        inquiry.urgent = True
        inquiry.save(update_fields=["urgent"])
        _contact_add(
            user=None,
            inquiry=inquiry,
            kind=ContactEntry.Kind.NOTE,
            summary=f"Urgent again: a safety answer on the chart ({reason})"[:1000],
        )
        marked += 1
    return marked


def alert_handle(*, actor: Actor, alert: LeadAlert) -> bool:
    with transaction.atomic():
        handled = LeadAlert.objects.filter(pk=alert.pk, handled_at__isnull=True).update(
            handled_at=timezone.now(), handled_by=actor.user
        )
    return bool(handled)


# --- The provider's consultation note -------------------------------------------------


def _consultation_not_yet(inquiry: Inquiry, appointment: Appointment | None) -> str:
    """Why a note cannot be signed yet: its consultation has not taken place
    ('' when it has, or when the note names no consultation and none is
    still to come)."""
    now = timezone.now()
    if appointment is None:
        visits = queries.consultations(inquiry)
        if any(visit.has_begun(now) for visit in visits):
            return ""
        booked = [visit for visit in visits if visit.holds_time]
        if not booked:
            return ""  # none booked: a consultation held without a booking
        appointment = booked[0]
    if appointment.has_begun(now):
        return ""
    if not appointment.holds_time:
        return (
            f"That consultation was {appointment.get_status_display().lower()}; "
            "choose the one that took place."
        )
    start = appointment.local_start
    return (
        f"The consultation is on {start:%a %b %-d} at {start:%H:%M} and has not "
        "taken place yet. Sign the note once it has begun, or check the lead in "
        "and mark the consultation done if it took place early."
    )


def note_sign(
    *,
    actor: Actor,
    inquiry: Inquiry,
    outcome: str,
    text: str,
    appointment: Appointment | None = None,
    amends: ConsultationNote | None = None,
    reason: str = "",
) -> ConsultationNote:
    """Write and sign the consultation note (providers only). Signed means
    final: a correction is a new signed note that amends this one and says why."""
    if not can(actor.user, Perm.SIGN):
        raise Refused("Only a provider signs a consultation note.")
    if outcome not in ConsultationNote.Outcome.values:
        raise Refused("Choose the outcome.")
    if not text.strip():
        raise Refused("Write the note.")
    not_yet = _consultation_not_yet(inquiry, appointment)
    if not_yet:
        raise Refused(not_yet)
    if amends is not None and not reason.strip():
        raise Refused("Say why the note is amended.")
    with transaction.atomic():
        if amends is not None:
            if amends.inquiry_id != inquiry.pk:
                raise Refused("That note belongs to another lead.")
            if ConsultationNote.objects.filter(amends=amends).exists():
                raise Refused("That note has been amended already; amend the latest.")
        note = ConsultationNote.objects.create(
            inquiry=inquiry,
            appointment=appointment,
            outcome=outcome,
            text=text.strip(),
            signed_by=actor.signer,
            amends=amends,
            amendment_reason=reason.strip() if amends is not None else "",
        )
        target = OUTCOME_STAGE[outcome]
        # An amendment that changes the outcome moves the lead from where the
        # amended note had left it.
        left_by_amended = amends is not None and inquiry.stage == OUTCOME_STAGE.get(
            amends.outcome
        )
        if (inquiry.stage in EARLY or left_by_amended) and inquiry.stage != target:
            verb = "amended" if amends is not None else "signed"
            _stage_to(
                inquiry,
                target,
                f"Consultation note {verb}: {note.get_outcome_display()}",
                user=actor.user,
                now=note.signed_at,
            )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=inquiry.patient,
            obj=note,
            summary=("Amended" if amends else "Signed")
            + f" consultation note: {note.get_outcome_display()}",
        )
    return note


# --- Convert to patient -------------------------------------------------------------


def inquiry_convert(*, actor: Actor, inquiry: Inquiry, **fields) -> Patient:
    """Create the lead's chart, move the lead's consultations onto it and link
    the lead: one transaction. The caller has run the duplicate check."""
    with transaction.atomic():
        current = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if current.patient_id is not None:
            raise Refused("This lead already has a chart.")
        patient = patient_services.patient_create(actor=actor, **fields)
        moved = 0
        for appointment in Appointment.objects.filter(inquiry=current):
            appointment.patient, appointment.inquiry = patient, None
            appointment.save(update_fields=["patient", "inquiry"])
            moved += 1
        current.patient = patient
        current.converted_at = timezone.now()
        current.converted_by = actor.user
        current.save(update_fields=["patient", "converted_at", "converted_by"])
        if current.urgent:
            # The crisis answer follows the patient: an urgent task on the
            # chart (its banner links back to this lead), alerting no one
            # again: the lead's own alert went out when it was answered.
            when = current.last_submission_at.astimezone(current.location.zone)
            urgent_task_raise(
                patient=patient,
                message=CRISIS_LEAD_TASK.format(day=f"{when:%b %-d, %Y}"),
                alert=False,
            )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=patient,
            obj=current,
            summary=f"Chart made from lead {current.uuid}; "
            f"{moved} consultation{'s' if moved != 1 else ''} moved onto it",
        )
    inquiry.refresh_from_db()
    return patient


# --- The public pages' words ---------------------------------------------------------


def site_content_save(*, actor: Actor, content: SiteContent, **fields) -> list[str]:
    changed = [
        name for name, value in fields.items() if getattr(content, name) != value
    ]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(content, name, fields[name])
        content.updated_by = actor.user
        content.save(update_fields=[*changed, "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=content,
            summary=f"Public home page ({content.language}): " + ", ".join(changed),
        )
    return changed


# The order of the journey: a lead only follows the chart forward.
STAGE_ORDER = list(Stage.values)


def stage_follow(*, patient, stage: str, reason: str, user=None) -> int:
    """Move the leads converted into this patient to `stage` when that is further
    along the journey (or when an amended decision turns "not a candidate" into
    "candidate"). Runs inside the caller's transaction."""
    decided = {Stage.CANDIDATE, Stage.NOT_CANDIDATE}
    moved = 0
    for inquiry in Inquiry.objects.select_for_update().filter(patient=patient):
        forward = STAGE_ORDER.index(stage) > STAGE_ORDER.index(inquiry.stage)
        amended = {inquiry.stage, stage} <= decided and stage != inquiry.stage
        if forward or amended:
            _stage_to(inquiry, stage, reason, user=user, now=timezone.now())
            moved += 1
    return moved
