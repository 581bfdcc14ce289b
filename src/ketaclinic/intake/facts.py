"""Gather: from a patient's intake and questionnaires to screening facts
(ketaclinic.clinical.screening). The signing of a screening decision
(ketaclinic.treatment) screens these facts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone

from ketaclinic.clinical import medicines, scales, screening
from ketaclinic.intake.models import Intake


def _yes(value) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _age(patient) -> int:
    today = timezone.localdate()
    born = patient.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def intake_facts(patient, intake: Intake | None, scores: dict) -> screening.IntakeFacts:
    answers = intake.answers if intake is not None else {}
    about = answers.get("about", {})
    psychiatric = answers.get("psychiatric", {})
    medical = answers.get("medical", {})
    medications = answers.get("medications")
    lifestyle = answers.get("lifestyle", {})
    body = answers.get("body", {})
    trials = []
    for trial in answers.get("antidepressants", []) or []:
        try:
            trials.append(
                screening.AntidepressantTrial(
                    drug=trial["drug"],
                    max_daily_dose_mg=_decimal(trial.get("dose_mg")),
                    weeks=trial.get("weeks"),
                    outcome=trial.get("outcome", "unknown"),
                    current_episode=_yes(trial.get("current_episode")),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue  # a malformed row is a missing fact, seen below
    phq9 = scores.get("phq9")
    cssrs = scores.get("cssrs_screener")
    diagnoses = set(psychiatric.get("diagnoses", []))
    return screening.IntakeFacts(
        age_years=_age(patient),
        indications=frozenset(about.get("treated_for", [])) & screening.INDICATIONS,
        trials=tuple(trials),
        conditions=frozenset(
            k for k, v in medical.items() if v == "yes" and k in screening.CHECKLIST
        ),
        conditions_denied=frozenset(
            k for k, v in medical.items() if v == "no" and k in screening.CHECKLIST
        ),
        medications=tuple(
            line.strip()
            for line in medications.get("medications", "").splitlines()
            if line.strip() and not medicines.is_none_written(line)
        )
        if medications is not None
        else None,
        substance_use_active=_yes(lifestyle.get("substance_use_active")),
        # "Does not apply" is an answer: not pregnant, not breastfeeding.
        pregnant=_yes(
            {"na": "no"}.get(lifestyle.get("pregnant"), lifestyle.get("pregnant"))
        ),
        pregnancy_unsure=lifestyle.get("pregnant") == "unsure",
        breastfeeding=_yes(
            {"na": "no"}.get(
                lifestyle.get("breastfeeding"), lifestyle.get("breastfeeding")
            )
        ),
        systolic_bp_mm_hg=body.get("systolic"),
        diastolic_bp_mm_hg=body.get("diastolic"),
        psychosis_history=("psychosis" in diagnoses) if psychiatric else None,
        bipolar=("bipolar" in diagnoses) if psychiatric else None,
        substance_use_history=("substance" in diagnoses) if psychiatric else None,
        suicide_attempt=_yes(psychiatric.get("suicide_attempt")),
        suicide_attempt_when=str(psychiatric.get("suicide_attempt_when") or ""),
        phq9_item9=(phq9.answers.get("q9") if phq9 else None),
        cssrs_risk=scales.CssrsRisk(cssrs.band) if cssrs and cssrs.band else None,
        escort_named=bool(answers.get("escort", {}).get("name")) if intake else None,
    )
