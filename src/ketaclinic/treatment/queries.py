"""Reads of treatment decisions: a patient's screening (the facts of the
intake run through ketaclinic.clinical.screening) and their signed decisions.

The screening page shows `patient_screening`, and the signing service screens
through it again when the decision is signed: what is signed is what the rules
find at that moment, never what a page sent."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from ketaclinic.clinical import overrides, screening
from ketaclinic.intake import facts
from ketaclinic.intake import queries as intake_queries
from ketaclinic.intake.models import Intake, QuestionnaireResponse, UrgentTask
from ketaclinic.treatment.models import ScreeningDecision


@dataclass(frozen=True)
class PatientScreening:
    """The patient's latest intake and scores, the findings on them (or why
    they cannot be screened), and the urgent tasks still open."""

    intake: Intake | None
    scores: dict[str, QuestionnaireResponse]
    result: screening.Screening | None
    error: str
    open_tasks: list[UrgentTask]

    @property
    def overrides_needed(self) -> tuple[overrides.OverrideNeeded, ...]:
        """What signing "candidate" must override, one by one: each hard stop,
        then each open urgent task."""
        return overrides.overrides_needed(
            overrides.hard_stops_of(self.result.findings) if self.result else (),
            [(task.pk, task.message) for task in self.open_tasks],
        )

    def finding_records(self) -> list[dict]:
        """The findings as kept on a signed decision."""
        if self.result is None:
            return []
        return [
            {
                "kind": f.kind.value,
                "code": f.code,
                "message": f.message,
                "reason": f.reason,
                "source": f.source,
                "urgent": f.urgent,
            }
            for f in self.result.findings
        ]


def patient_screening(
    patient,
    policy: screening.ScreeningPolicy | None = None,
    *,
    lock_tasks: bool = False,
) -> PatientScreening:
    """Screen the patient's latest intake and scores under the clinic's policy
    (``settings.KETACLINIC_SCREENING_POLICY`` unless one is given).
    ``lock_tasks`` locks the open urgent tasks (inside a transaction)."""
    intake = intake_queries.latest_intake(patient)
    scores = intake_queries.latest_scores(patient)
    tasks = intake_queries.open_urgent_tasks(patient)
    if lock_tasks:
        tasks = tasks.select_for_update()
    result: screening.Screening | None = None
    error = ""
    try:
        result = screening.screen(
            facts.intake_facts(patient, intake, scores),
            policy or settings.KETACLINIC_SCREENING_POLICY,
        )
    except (ValueError, TypeError) as problem:
        error = f"The intake answers cannot be screened: {problem}"
    return PatientScreening(intake, scores, result, error, list(tasks))


def decisions_of(patient) -> list[ScreeningDecision]:
    """Every signed decision of the patient, newest first, amended ones too."""
    return list(
        ScreeningDecision.objects.filter(patient=patient).select_related(
            "signed_by", "amends", "amended_by"
        )
    )


def current_of(decisions: list[ScreeningDecision]) -> ScreeningDecision | None:
    """The decision that stands: the newest one not amended."""
    return next((d for d in decisions if not hasattr(d, "amended_by")), None)
