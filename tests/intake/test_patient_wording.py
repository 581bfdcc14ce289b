"""What the patient reads in their intake: the C-SSRS in words addressed to
them, "Check and send" with every answer to check, and the chart's phone and
email offered rather than asked again."""

from __future__ import annotations

import pytest

from ketaclinic.audit.actor import Actor
from ketaclinic.intake import forms as sections
from ketaclinic.intake import services
from ketaclinic.intake.models import Intake
from ketaclinic.intake.questionnaires import instruments_for
from tests.intake.test_intake import patient_browser, post_step, url_of


@pytest.fixture
def intake(world):
    return services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )


def test_the_cssrs_speaks_to_the_patient_not_to_an_interviewer(intake):
    page = patient_browser(intake).get(f"{url_of(intake)}?step=q:cssrs_screener")
    assert page.status_code == 200
    assert "Ask questions" not in page.text
    assert "Answer questions 1 and 2" in page.text


def test_about_you_offers_the_phone_and_email_on_the_chart(world, intake):
    world.patient.phone_extension = "12"
    world.patient.save()
    page = patient_browser(intake).get(f"{url_of(intake)}?step=about")
    form = page.context["form"]
    assert form["phone"].value() == "(303) 555-0142 ext. 12"
    assert form["email"].value() == "ada@example.com"
    # Sent back unchanged, the extension is kept, not dropped or refused.
    response = post_step(
        patient_browser(intake),
        intake,
        "about",
        {
            "treated_for": ["depression"],
            "phone": form["phone"].value(),
            "email": form["email"].value(),
            "details_correct": "yes",
        },
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.answers["about"]["phone"] == "+13035550142"
    assert intake.answers["about"]["phone_extension"] == "12"


def test_check_and_send_shows_every_answer_in_words(intake):
    answers = {key: {} for key in sections.SECTIONS}
    answers["about"] = {
        "treated_for": ["depression", "chronic_pain"],
        "phone": "+13035550142",
        "details_correct": "yes",
    }
    answers["antidepressants"] = [
        {"drug": "sertraline", "dose_mg": "150", "weeks": 8, "outcome": "no_response"}
    ]
    answers["medications"] = {"medicine_1": "Xanax 1 mg", "allergies": "penicillin"}
    answers["escort"] = {"name": "Sam Smith", "phone": "+13035550111"}
    answers["questionnaires"] = dict.fromkeys(
        instruments_for(["depression", "chronic_pain"]), "recorded"
    )
    Intake.objects.filter(pk=intake.pk).update(
        answers=answers, status=Intake.Status.IN_PROGRESS
    )
    page = patient_browser(intake).get(f"{url_of(intake)}?step=review").text
    for shown in (
        "Depression, Chronic pain",
        "(303) 555-0142",
        "sertraline",
        "150",
        "Xanax 1 mg",
        "penicillin",
        "Sam Smith",
        "(303) 555-0111",
        "Answered.",
        "Send my intake",
    ):
        assert shown in page, shown
    for code in ("chronic_pain", "no_response", "+1303"):
        assert code not in page, code


def test_an_escort_phone_with_an_extension_is_refused_in_the_patients_language(
    world,
):
    world.patient.preferred_language = "es"
    world.patient.save()
    intake = services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )
    response = post_step(
        patient_browser(intake),
        intake,
        "escort",
        {"name": "Sam", "relation": "amigo", "phone": "(303) 555-0111 ext 4"},
    )
    assert response.status_code == 200
    assert "sin extensión" in response.text
    intake.refresh_from_db()
    assert "escort" not in intake.answers
