"""Every write of the intake, questionnaires, consents and screening decisions:
in one transaction, with its audit entry; messages go out on commit."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, Role, can
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import overrides, scales
from ketaclinic.clinical.screening import FindingKind
from ketaclinic.intake import translations
from ketaclinic.intake.models import (
    ConsentDocument,
    ConsentNameReview,
    ConsentSignature,
    ConsentVersion,
    Intake,
    QuestionnaireRequest,
    QuestionnaireResponse,
    ScreeningDecision,
    UrgentTask,
)
from ketaclinic.links import tokens as links
from ketaclinic.links.services import link_spend
from ketaclinic.links.tokens import Link
from ketaclinic.patients.text import format_phone, signed_name_matches


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


def _email_patient(patient, *, template: str, context: dict, key: str) -> None:
    from ketaclinic.notifications import services as notifications

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


def _lead_follows(patient, stage: str, reason: str, user) -> None:
    """The pipeline stage of the patient's lead follows the chart."""
    from ketaclinic.inquiries.services import stage_follow

    stage_follow(patient=patient, stage=stage, reason=reason, user=user)


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
        _lead_follows(patient, "intake_sent", "Intake started", actor.user)
        if channel == Intake.Channel.LINK:
            _email_patient(
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
        _lead_follows(intake.patient, "screening", "Intake submitted", None)
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
        _email_patient(
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


def providers_of(patient) -> list[User]:
    return list(
        User.objects.filter(
            locations=patient.location, role=Role.PROVIDER, is_active=True
        ).exclude(email="")
    )


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
    providers of the patient's location, on their worklist and by email.

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
        if result.urgent:
            message = "; ".join(flag.message for flag in result.flags if flag.urgent)
            task = UrgentTask.objects.create(
                patient=patient,
                response=response,
                message=f"{definition.name}: {message}"[:300],
            )
            _alert_providers(patient, task)
    return response, result


def _alert_providers(patient, task: UrgentTask) -> None:
    from ketaclinic.notifications import services as notifications

    worklist = links.absolute_url(reverse("intake:worklist"))
    for provider in providers_of(patient):
        notifications.email_queue(
            to=provider.email,
            template="urgent_task",
            context={
                "provider": provider,
                "mrn": patient.mrn,
                "message": task.message,
                "url": worklist,
            },
            purpose="urgent_task",
            dedupe_key=f"urgent:{task.pk}:{provider.pk}",
            location=patient.location,
        )


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


def latest_versions() -> list[ConsentVersion]:
    latest: dict[int, ConsentVersion] = {}
    for version in ConsentVersion.objects.select_related("document").order_by(
        "document_id", "-number"
    ):
        latest.setdefault(version.document_id, version)
    return list(latest.values())


def consents_missing(patient) -> list[ConsentVersion]:
    """Required documents whose latest version this patient has not signed."""
    return chart_consents(patient)[0]


def chart_consents(patient) -> tuple[list[ConsentVersion], list[ConsentSignature]]:
    """What a chart says of consents, in two queries: the required documents
    whose latest version is not signed, and the signatures under a legal name
    other than the chart's that staff have not reviewed yet."""
    signatures = list(
        ConsentSignature.objects.filter(patient=patient).select_related(
            "version__document", "name_review"
        )
    )
    signed = {signature.version_id for signature in signatures}
    missing = [
        version
        for version in latest_versions()
        if version.document.required and version.pk not in signed
    ]
    to_review = [
        signature
        for signature in signatures
        if signature.different_legal_name and not _reviewed(signature)
    ]
    return missing, to_review


def _reviewed(signature: ConsentSignature) -> bool:
    try:
        return signature.name_review is not None
    except ConsentNameReview.DoesNotExist:
        return False


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


def decision_sign(
    *,
    actor: Actor,
    patient,
    outcome: str,
    rationale: str,
    findings: list[dict],
    indication: str = "",
    needs: str = "",
    amends: ScreeningDecision | None = None,
    override_reasons: Mapping[str, str] | None = None,
    reason: str = "",
) -> ScreeningDecision:
    """The clinician's signed decision; an amendment keeps the original and
    says why (`reason`).

    "Candidate" over an absolute contraindication among ``findings`` or an open
    urgent task of the patient needs a named override with its own reason for
    each (``override_reasons``: key -> reason, keys of
    ``clinical.overrides.overrides_needed``); they are kept on the decision."""
    if not can(actor.user, Perm.SIGN):
        raise IntakeRefused("Only a provider signs a screening decision.")
    if outcome == ScreeningDecision.Outcome.CANDIDATE and not indication:
        raise IntakeRefused("Say for which indication the patient is a candidate.")
    if outcome == ScreeningDecision.Outcome.NEEDS_INFORMATION and not needs.strip():
        raise IntakeRefused("Say what information is needed.")
    if amends is not None and not reason.strip():
        raise IntakeRefused("Say why the decision is amended.")
    with transaction.atomic():
        given: tuple[overrides.Override, ...] = ()
        if outcome == ScreeningDecision.Outcome.CANDIDATE:
            open_tasks = UrgentTask.objects.select_for_update().filter(
                patient=patient, done_at__isnull=True
            )
            needed = overrides.overrides_needed(
                [
                    (f["code"], f["message"])
                    for f in findings
                    if f.get("kind") == FindingKind.ABSOLUTE_CONTRAINDICATION
                ],
                [(task.pk, task.message) for task in open_tasks.order_by("pk")],
            )
            given, missing = overrides.overrides_given(needed, override_reasons or {})
            if missing:
                raise IntakeRefused(
                    "To sign a candidate, give your reason to override each of: "
                    + "; ".join(item.about for item in missing)
                )
        if amends is not None:
            ScreeningDecision.objects.select_for_update().get(pk=amends.pk)
            if ScreeningDecision.objects.filter(amends=amends).exists():
                raise IntakeRefused("That decision was already amended.")
        decision = ScreeningDecision.objects.create(
            patient=patient,
            outcome=outcome,
            indication=indication,
            needs=needs,
            rationale=rationale,
            findings=findings,
            overrides=[override.as_record() for override in given],
            signed_by=actor.signer,
            amends=amends,
            amendment_reason=reason.strip() if amends is not None else "",
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=decision,
            summary=("Amended" if amends else "Signed")
            + f" screening decision: {decision.get_outcome_display()}"
            + (f", overriding {len(given)} hard stop(s) or task(s)" if given else ""),
        )
        stages: dict[str, str] = {
            ScreeningDecision.Outcome.CANDIDATE: "candidate",
            ScreeningDecision.Outcome.NOT_CANDIDATE: "not_candidate",
            ScreeningDecision.Outcome.REFER_OUT: "not_candidate",
        }
        stage = stages.get(outcome)
        if stage:
            _lead_follows(
                patient,
                stage,
                f"Screening: {decision.get_outcome_display()}",
                actor.user,
            )
        _email_patient(
            patient,
            template="screening_outcome",
            context={
                "outcome": decision.outcome,
                "clinic": patient.location.name,
                "phone": format_phone(patient.location.phone),
            },
            key=f"screening:{decision.uuid}",
        )
    return decision
