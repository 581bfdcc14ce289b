"""Every write of the intake, questionnaires and consents: in one transaction,
with its audit entry; messages go out on commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import scales
from ketaclinic.intake import translations
from ketaclinic.intake.models import (
    ConsentDocument,
    ConsentNameReview,
    ConsentSignature,
    ConsentVersion,
    Intake,
    QuestionnaireRequest,
    QuestionnaireResponse,
    UrgentTask,
)
from ketaclinic.intake.signals import journey_step, urgent_raised
from ketaclinic.links import tokens as links
from ketaclinic.links.services import link_spend
from ketaclinic.links.tokens import Link
from ketaclinic.notifications import services as notifications
from ketaclinic.patients.text import parse_phone, signed_name_matches


class IntakeRefused(Exception):
    """A change the rules do not allow; the message says why."""


class AlreadyRecorded(IntakeRefused):
    """The intake has this questionnaire already (a second tap, a reload), or
    was sent meanwhile."""


class NameNotOnFile(IntakeRefused):
    """The typed name is not the chart's: the patient may confirm it is their
    legal name."""


NAME_NOT_ON_FILE = (
    "The name you typed is not the name the clinic has on file. Type your full "
    "name as the clinic has it, or, if your legal name is different, tick the box "
    "to confirm it: the clinic will check it."
)


def intake_url(intake: Intake) -> str:
    return links.url(links.Purpose.INTAKE, intake.uuid)


def questionnaire_url(request_row: QuestionnaireRequest) -> str:
    return links.url(links.Purpose.QUESTIONNAIRE, request_row.uuid)


def email_patient(patient, *, template: str, context: dict, key: str) -> None:
    """Queue an email to the patient in their language (English or Spanish)."""
    if not patient.email:
        return
    language = "es" if patient.preferred_language == "es" else "en"
    with translation.override(language):
        notifications.email_queue(
            to=patient.email,
            template=template,
            context={"patient_name": patient.first_name, **context},
            purpose=template,
            dedupe_key=key,
            location=patient.location,
        )


def lead_follows(patient, stage: str, reason: str, user) -> None:
    """The pipeline stage of the patient's lead follows the chart."""
    journey_step.send(
        sender=Intake, patient=patient, stage=stage, reason=reason, user=user
    )


def intake_send(*, actor: Actor, patient, channel: str = Intake.Channel.LINK) -> Intake:
    """Start an intake: by link (emailed to the patient) or by phone (staff fill)."""
    with transaction.atomic():
        intake = Intake.objects.create(
            patient=patient,
            channel=channel,
            sent_by=actor.user,
            filled_by=actor.user if channel == Intake.Channel.PHONE else None,
            language=patient.preferred_language
            if patient.preferred_language in ("en", "es")
            else "en",
        )
        lead_follows(patient, "intake_sent", "Intake started", actor.user)
        if channel == Intake.Channel.LINK:
            email_patient(
                patient,
                template="intake_link",
                context={"url": intake_url(intake), "clinic": patient.location.name},
                key=f"intake:{intake.uuid}",
            )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=intake,
            summary=f"Intake started ({intake.get_channel_display()})",
        )
    return intake


def intake_save(*, actor: Actor, intake: Intake, section: str, data: Any) -> None:
    """Keep one section's answers; what was saved before stays."""
    with transaction.atomic():
        current = Intake.objects.select_for_update().get(pk=intake.pk)
        if current.locked:
            raise IntakeRefused("This intake was submitted and can no longer change.")
        current.answers = {**current.answers, section: data}
        current.status = Intake.Status.IN_PROGRESS
        current.save(update_fields=["answers", "status"])
        intake.answers, intake.status = current.answers, current.status
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=intake.patient,
            obj=intake,
            summary=f"Intake section saved: {section}",
        )


def intake_submit(*, actor: Actor, intake: Intake) -> None:
    with transaction.atomic():
        current = Intake.objects.select_for_update().get(pk=intake.pk)
        if current.locked:
            raise IntakeRefused("This intake was already submitted.")
        current.status = Intake.Status.SUBMITTED
        current.submitted_at = timezone.now()
        current.save(update_fields=["status", "submitted_at"])
        intake.status, intake.submitted_at = current.status, current.submitted_at
        lead_follows(intake.patient, "screening", "Intake submitted", None)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=intake.patient,
            obj=intake,
            summary="Intake submitted",
        )


def questionnaire_request_send(
    *, actor: Actor, patient, instruments: list[str]
) -> QuestionnaireRequest:
    unknown = [code for code in instruments if code not in scales.INSTRUMENTS]
    if unknown or not instruments:
        raise IntakeRefused(f"Unknown questionnaires: {', '.join(unknown) or 'none'}.")
    with transaction.atomic():
        row = QuestionnaireRequest.objects.create(
            patient=patient, instruments=instruments, sent_by=actor.user
        )
        email_patient(
            patient,
            template="questionnaire_link",
            context={
                "url": questionnaire_url(row),
                "clinic": patient.location.name,
                "names": [
                    translations.instrument_name(c, patient.preferred_language)
                    for c in instruments
                ],
            },
            key=f"questionnaire:{row.uuid}",
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=row,
            summary=f"Questionnaires sent: {', '.join(instruments)}",
        )
    return row


@dataclass(frozen=True)
class AlertRecipient:
    """Who hears of a safety answer at once, and how: by email, by text
    message (a number in international form), or both."""

    name: str
    email: str = ""
    phone: str = ""


def _reachable(users) -> list[AlertRecipient]:
    found = [
        AlertRecipient(str(user), user.email, parse_phone(user.phone) or "")
        for user in users
    ]
    return [recipient for recipient in found if recipient.email or recipient.phone]


def urgent_alert_recipients(location) -> list[AlertRecipient]:
    """The providers of the location who can be reached by email or text; when
    none can, the clinic managers; when none of them either, the location's
    own phone, by text message."""
    staff = User.objects.filter(locations=location, is_active=True).order_by("id")
    for role in (Role.PROVIDER, Role.MANAGER):
        reachable = _reachable(staff.filter(role=role))
        if reachable:
            return reachable
    phone = parse_phone(location.phone)
    return [AlertRecipient(location.name, phone=phone)] if phone else []


# The task's words when only the clinic's C-SSRS policy raises it (question 2
# yes alone is low risk on CLINICAL.md 5.1's triage).
CSSRS_Q2_TASK_MESSAGE = (
    "answered yes to “Have you actually had any thoughts of killing yourself?”: "
    "a clinician assesses suicide risk today (the clinic's policy for real "
    "suicidal thoughts)."
)


def raises_task(result: scales.Score) -> bool:
    """Whether a scored questionnaire raises an urgent task, under the clinic's
    policy (KETACLINIC_CSSRS_Q2_TASK)."""
    return scales.raises_task(result, cssrs_q2_task=settings.KETACLINIC_CSSRS_Q2_TASK)


def after_hours_instruction() -> str:
    """What a patient who gave a safety answer reads about help when the clinic
    is closed (KETACLINIC_AFTER_HOURS_INSTRUCTION)."""
    return settings.KETACLINIC_AFTER_HOURS_INSTRUCTION


def urgent_task_raise(
    *,
    patient,
    message: str,
    response: QuestionnaireResponse | None = None,
    alert: bool = True,
) -> UrgentTask:
    """An urgent suicide-risk task, inside the caller's transaction: on the
    worklist and the chart at once, the patient's lead marked urgent on the
    board, and (unless `alert` is off: staff heard of it already) an email and
    a text message to each provider of the location (or the fallback,
    `urgent_alert_recipients`), sent after commit."""
    task = UrgentTask.objects.create(
        patient=patient, response=response, message=message[:300]
    )
    if alert:
        _alert_staff(patient, task)
    _lead_urgent(patient, task.message)
    return task


def questionnaire_record(
    *,
    actor: Actor,
    patient,
    instrument: str,
    answers: dict[str, Any],
    source: str,
    intake: Intake | None = None,
    link: Link | None = None,
) -> tuple[QuestionnaireResponse, scales.Score]:
    """Score and keep every answer. A safety answer raises an urgent task for the
    providers of the patient's location (`urgent_task_raise`).

    Each questionnaire is recorded once per intake (AlreadyRecorded) and once
    per questionnaire link (LinkUsed), checked inside the write-locked
    transaction, so parallel requests cannot record, alert or email twice."""
    definition = scales.INSTRUMENTS[instrument]
    result = scales.score(definition, answers)  # ValueError names the bad item
    with transaction.atomic():
        if link is not None:
            link_spend(link=link, part=instrument)
        if intake is not None:
            current = Intake.objects.select_for_update().get(pk=intake.pk)
            done = current.answers.get("questionnaires", {})
            if instrument in done or current.locked:
                raise AlreadyRecorded("This questionnaire was already recorded.")
        response = QuestionnaireResponse.objects.create(
            patient=patient,
            intake=intake,
            instrument=instrument,
            answers=dict(result.answers),
            total=result.total_shown,  # the answers are kept: exact on rescoring
            band=result.band or "",
            flags=[flag.value for flag in result.flags],
            source=source,
            entered_by=actor.user,
            completed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=response,
            summary=(
                f"{definition.name}: {result.total_shown} {result.band or ''}"
            ).strip(),
        )
        if intake is not None:
            current.answers = {
                **current.answers,
                "questionnaires": {**done, instrument: str(response.uuid)},
            }
            current.status = Intake.Status.IN_PROGRESS
            current.save(update_fields=["answers", "status"])
            intake.answers, intake.status = current.answers, current.status
        if raises_task(result):
            message = "; ".join(flag.message for flag in result.flags if flag.urgent)
            urgent_task_raise(
                patient=patient,
                response=response,
                message=f"{definition.name}: {message or CSSRS_Q2_TASK_MESSAGE}",
            )
    return response, result


def _alert_staff(patient, task: UrgentTask) -> None:
    location = patient.location
    context = {
        "mrn": patient.mrn,
        "message": task.message,
        "clinic": location.name,
        "url": links.absolute_url(reverse("intake:worklist")),
    }
    for recipient in urgent_alert_recipients(location):
        who = {**context, "recipient": recipient}
        if recipient.email:
            notifications.email_queue(
                to=recipient.email,
                template="urgent_task",
                context=who,
                purpose="urgent_task",
                dedupe_key=f"urgent:{task.pk}:{recipient.email}",
                location=location,
            )
        if recipient.phone:
            notifications.sms_queue(
                to=recipient.phone,
                template="urgent_task",
                context=who,
                purpose="urgent_task",
                dedupe_key=f"urgent-sms:{task.pk}:{recipient.phone}",
                location=location,
            )


def _lead_urgent(patient, reason: str) -> None:
    """The patient's lead, if any, stands urgent on the leads board."""
    urgent_raised.send(sender=UrgentTask, patient=patient, reason=reason)


def urgent_task_done(*, actor: Actor, task: UrgentTask, note: str) -> None:
    if not note.strip():
        raise IntakeRefused("Say what was done (e.g. same-day risk assessment).")
    with transaction.atomic():
        updated = UrgentTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_by=actor.user, done_at=timezone.now(), done_note=note[:300]
        )
        if not updated:
            raise IntakeRefused("Someone already closed this task.")
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=task.patient,
            obj=task,
            summary=f"Urgent task done: {note[:200]}",
        )


def consent_publish(*, actor: Actor, document: ConsentDocument, text: str):
    text = text.strip()
    if len(text) < 20:
        raise IntakeRefused("A consent document needs its full text.")
    with transaction.atomic():
        latest = document.versions.select_for_update().first()
        version = ConsentVersion.objects.create(
            document=document,
            number=(latest.number + 1) if latest else 1,
            text=text,
            published_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=version,
            summary=f"Published {version}",
        )
    return version


def consent_sign(
    *,
    actor: Actor,
    patient,
    version: ConsentVersion,
    typed_name: str,
    shown_sha256: str,
    witness=None,
    different_legal_name: bool = False,
) -> ConsentSignature:
    """Sign the exact text shown: its SHA-256 must be that of the version.

    The typed name must be the name on file (case, accents and middle names
    aside), unless the patient confirms that it is their legal name: then it
    is kept for staff to review (`consent_name_review`)."""
    typed_name = " ".join(typed_name.split())
    if len(typed_name) < 2:
        raise IntakeRefused("Type your full name to sign.")
    on_file = f"{patient.first_name} {patient.last_name}"
    matches = signed_name_matches(
        typed_name,
        first_name=patient.first_name,
        last_name=patient.last_name,
        preferred_name=patient.preferred_name,
    )
    if not matches and not different_legal_name:
        raise NameNotOnFile(NAME_NOT_ON_FILE)
    if shown_sha256 != version.sha256 or (
        hashlib.sha256(version.text.encode()).hexdigest() != version.sha256
    ):
        raise IntakeRefused(
            "The document changed while you read it. Please read it again."
        )
    with transaction.atomic():
        signature, created = ConsentSignature.objects.get_or_create(
            patient=patient,
            version=version,
            defaults={
                "typed_name": typed_name[:160],
                "name_on_file": on_file[:160],
                "different_legal_name": not matches,
                "text_sha256": version.sha256,
                "ip": actor.address,
                "witnessed_by": witness,
            },
        )
        if created:
            audit_record(
                actor=actor,
                action=Action.CREATE,
                patient=patient,
                obj=signature,
                summary=f"Signed {version}"
                + (
                    f" as “{signature.typed_name}”, a legal name other than the "
                    "chart's, to review"
                    if signature.different_legal_name
                    else ""
                ),
            )
    return signature


def consent_name_review(
    *, actor: Actor, signature: ConsentSignature, note: str
) -> ConsentNameReview:
    """Staff have checked a signature made under another legal name (and
    corrected the chart where the chart was wrong)."""
    if not signature.different_legal_name:
        raise IntakeRefused("This signature is under the name on file.")
    if not note.strip():
        raise IntakeRefused("Say what was checked.")
    with transaction.atomic():
        review, created = ConsentNameReview.objects.get_or_create(
            signature=signature,
            defaults={"reviewed_by": actor.signer, "note": note.strip()},
        )
        if not created:
            raise IntakeRefused("This signature has been reviewed already.")
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=signature.patient,
            obj=review,
            summary=f"Reviewed the name “{signature.typed_name}” signed on "
            f"{signature.version}: {review.note}",
        )
    return review
