"""Every write of treatment decisions: in one transaction, with its audit
entry; messages go out on commit."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import overrides, screening
from ketaclinic.intake.services import email_patient, lead_follows
from ketaclinic.patients.text import format_phone
from ketaclinic.treatment.models import ScreeningDecision
from ketaclinic.treatment.queries import patient_screening


class DecisionRefused(Exception):
    """A decision the rules do not allow; the message says why."""


# The lead's pipeline stage that follows each outcome (none: it stays).
LEAD_STAGES: dict[str, str] = {
    ScreeningDecision.Outcome.CANDIDATE: "candidate",
    ScreeningDecision.Outcome.NOT_CANDIDATE: "not_candidate",
    ScreeningDecision.Outcome.REFER_OUT: "not_candidate",
}


def decision_sign(
    *,
    actor: Actor,
    patient,
    outcome: str,
    rationale: str,
    indication: str = "",
    needs: str = "",
    amends: ScreeningDecision | None = None,
    override_reasons: Mapping[str, str] | None = None,
    reason: str = "",
    policy: screening.ScreeningPolicy | None = None,
) -> ScreeningDecision:
    """The clinician's signed decision; an amendment keeps the original and
    says why (`reason`).

    The service screens the patient's latest intake and scores itself, under
    the clinic's policy (`treatment.queries.patient_screening`), and keeps the
    findings on the decision. "Candidate" over an absolute contraindication
    among them, or over an open urgent task of the patient, needs a named
    override with its own reason for each (``override_reasons``: key ->
    reason, keys of ``clinical.overrides.overrides_needed``); they are kept on
    the decision."""
    if not can(actor.user, Perm.SIGN):
        raise DecisionRefused("Only a provider signs a screening decision.")
    if outcome == ScreeningDecision.Outcome.CANDIDATE and not indication:
        raise DecisionRefused("Say for which indication the patient is a candidate.")
    if outcome == ScreeningDecision.Outcome.NEEDS_INFORMATION and not needs.strip():
        raise DecisionRefused("Say what information is needed.")
    if amends is not None and not reason.strip():
        raise DecisionRefused("Say why the decision is amended.")
    with transaction.atomic():
        found = patient_screening(patient, policy, lock_tasks=True)
        if found.result is None:
            raise DecisionRefused(found.error)
        given: tuple[overrides.Override, ...] = ()
        if outcome == ScreeningDecision.Outcome.CANDIDATE:
            given, missing = overrides.overrides_given(
                found.overrides_needed, override_reasons or {}
            )
            if missing:
                raise DecisionRefused(
                    "To sign a candidate, give your reason to override each of: "
                    + "; ".join(item.about for item in missing)
                )
        if amends is not None:
            ScreeningDecision.objects.select_for_update().get(pk=amends.pk)
            if ScreeningDecision.objects.filter(amends=amends).exists():
                raise DecisionRefused("That decision was already amended.")
        decision = ScreeningDecision.objects.create(
            patient=patient,
            outcome=outcome,
            indication=indication,
            needs=needs,
            rationale=rationale,
            findings=found.finding_records(),
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
        stage = LEAD_STAGES.get(outcome)
        if stage:
            lead_follows(
                patient,
                stage,
                f"Screening: {decision.get_outcome_display()}",
                actor.user,
            )
        email_patient(
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
