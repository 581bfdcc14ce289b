"""Reads of the intake that pages share: a patient's latest intake and scores,
their consents, open urgent tasks, and the worklist."""

from __future__ import annotations

from django.db.models import QuerySet

from ketaclinic.accounts.locations import location_ids_of
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
from ketaclinic.prepared import prepared_objects


def latest_intake(patient) -> Intake | None:
    return patient.intakes.order_by("-created_at").first()


def latest_scores(patient) -> dict[str, QuestionnaireResponse]:
    """The newest response of each instrument, by instrument code."""
    latest: dict[str, QuestionnaireResponse] = {}
    for response in QuestionnaireResponse.objects.filter(patient=patient).order_by(
        "-completed_at"
    ):
        latest.setdefault(response.instrument, response)
    return latest


def recent_intakes(patient) -> QuerySet[Intake]:
    return patient.intakes.select_related("sent_by", "filled_by")[:10]


def recent_responses(patient) -> QuerySet[QuestionnaireResponse]:
    return patient.questionnaires.all()[:50]


def open_urgent_tasks(patient) -> QuerySet[UrgentTask]:
    """The patient's urgent tasks not yet done, oldest first."""
    return UrgentTask.objects.filter(patient=patient, done_at__isnull=True).order_by(
        "pk"
    )


def worklist(user) -> QuerySet[UrgentTask]:
    """Urgent tasks of the user's locations: open first, oldest first."""
    return (
        UrgentTask.objects.filter(patient__location_id__in=location_ids_of(user))
        .select_related("patient", "done_by")
        .order_by("done_at", "created_at")[:200]
    )


def instruments_answered(row: QuestionnaireRequest) -> set[str]:
    """The instruments of a questionnaire link answered since it was sent."""
    return set(
        QuestionnaireResponse.objects.filter(
            patient=row.patient,
            instrument__in=row.instruments,
            completed_at__gte=row.created_at,
        ).values_list("instrument", flat=True)
    )


def consent_documents() -> QuerySet[ConsentDocument]:
    return ConsentDocument.objects.prefetch_related("versions")


def signatures_of(patient) -> QuerySet[ConsentSignature]:
    return (
        ConsentSignature.objects.filter(patient=patient)
        .select_related("version__document", "name_review__reviewed_by")
        .order_by("-signed_at")
    )


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
    signatures = prepared_objects(("chart_signatures",), _signatures, patient.pk)
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


def _signatures(patient_id: int) -> QuerySet[ConsentSignature]:
    return ConsentSignature.objects.filter(patient_id=patient_id).select_related(
        "version__document", "name_review"
    )


def _reviewed(signature: ConsentSignature) -> bool:
    try:
        return signature.name_review is not None
    except ConsentNameReview.DoesNotExist:
        return False


def screening_decisions(patient) -> QuerySet:
    """The patient's latest signed screening decisions, newest first. They live
    in ketaclinic.treatment, a layer above: read through the patient."""
    return patient.screenings.select_related("signed_by", "amends")[:10]
