"""The screening page lays out the dangers of CLINICAL.md 1.4, 1.7 and 8 in plain
words, with suicide findings shown as urgent."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from ketaclinic.clinical.screening import CHECKLIST
from ketaclinic.intake.models import Intake

DANGEROUS_ANSWERS = {
    "about": {"treated_for": ["depression"]},
    "psychiatric": {
        "diagnoses": ["depression", "substance"],
        "hospitalised": "no",
        "suicide_attempt": "yes",
        "suicide_attempt_when": "two years ago",
    },
    "antidepressants": [
        {
            "drug": "sertraline",
            "dose_mg": "150",
            "weeks": 8,
            "outcome": "no_response",
            "current_episode": "yes",
        },
        {
            "drug": "bupropion",
            "dose_mg": "300",
            "weeks": 10,
            "outcome": "partial",
            "current_episode": "unsure",
        },
    ],
    "medical": dict.fromkeys(CHECKLIST, "no")
    | {"schizophrenia": "yes", "mania_current": "yes"},
    "lifestyle": {"substance_use_active": "no", "pregnant": "unsure"},
    "body": {"height_cm": "170", "weight_kg": "70", "systolic": 186, "diastolic": 112},
    "escort": {"name": "Sam"},
}


def screening_page(world, answers):
    Intake.objects.create(
        patient=world.patient, channel="link", answers=answers, status="submitted"
    )
    provider = Client()
    provider.force_login(world.staff["provider"])
    return provider.get(reverse("treatment:screening", args=[world.patient.uuid]))


def finding_item(page, text: str) -> str:
    items = re.findall(r'<li class="finding[^"]*">.*?</li>', page.text, re.S)
    matches = [item for item in items if text in item]
    assert matches, f"no finding with {text!r}"
    return matches[0]


def test_the_screening_page_shows_every_danger_in_plain_words(world):
    page = screening_page(world, DANGEROUS_ANSWERS)
    assert page.status_code == 200
    result = page.context["result"]
    hard_stops = [
        f.code for f in result.findings if f.kind == "absolute_contraindication"
    ]
    assert {
        "schizophrenia",
        "mania_current",
        "pregnancy_not_ruled_out",
        "severe_hypertension",
    } <= set(hard_stops)
    assert "bp_hold" not in [f.code for f in result.findings]
    severe = finding_item(page, "Blood pressure above 180/110 mmHg")
    assert "absolute_contraindication" in severe and "Hard stop" in severe
    assert "defer treatment and refer" in severe
    assert "Do a pregnancy test" in finding_item(page, "Pregnancy not ruled out")
    assert "Criterion not met" in finding_item(page, "treatment-resistant depression")
    assert "(bupropion) count once the patient says" in page.text
    assert "History of a substance use disorder" in page.text


def test_suicide_findings_look_urgent_not_like_any_risk(world):
    page = screening_page(world, DANGEROUS_ANSWERS)
    attempt = finding_item(page, "Past suicide attempt")
    assert 'class="finding risk_flag urgent"' in attempt
    assert "Urgent: suicide risk" in attempt
    assert "the last time: two years ago" in attempt
    history = finding_item(page, "substance use disorder")
    assert "urgent" not in history


def test_a_patient_under_18_is_a_hard_stop(world):
    today = date.today()
    world.patient.date_of_birth = date(today.year - 16, 1, 1)
    world.patient.save()
    page = screening_page(world, DANGEROUS_ANSWERS)
    minor = finding_item(page, "Under 18, the clinic&#x27;s minimum age")
    assert "absolute_contraindication" in minor


def test_a_bpi_mean_is_kept_and_shown_to_a_tenth_half_up(world, as_role):
    from ketaclinic.audit.actor import Actor
    from ketaclinic.intake import services

    answers = {"worst": 1, "least": 1, "average": 1, "now": 2}  # severity 1.25
    response, result = services.questionnaire_record(
        actor=Actor.staff(world.staff["nurse"]),
        patient=world.patient,
        instrument="bpi_sf",
        answers=answers,
        source="staff",
    )
    assert result.total == Decimal("1.25")  # exact, for any judgement
    response.refresh_from_db()
    assert response.total == Decimal("1.3")
    page = as_role("nurse").get(reverse("intake:patient", args=[world.patient.uuid]))
    assert ">1.3<" in page.text


def test_the_clinics_policy_decides_the_screening_page(world, settings):
    from ketaclinic.clinical.screening import ScreeningPolicy

    settings.KETACLINIC_SCREENING_POLICY = ScreeningPolicy(minimum_age_years=50)
    page = screening_page(world, DANGEROUS_ANSWERS)  # the patient is in their 40s
    assert "Under 50, the clinic&#x27;s minimum age" in page.text
