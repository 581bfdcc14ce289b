from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.intake import queries, services
from ketaclinic.intake.models import (
    ConsentDocument,
    ConsentSignature,
    Intake,
    QuestionnaireRequest,
    QuestionnaireResponse,
    UrgentTask,
)
from ketaclinic.links import tokens as links
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.treatment import services as treatment
from ketaclinic.treatment.models import ScreeningDecision
from tests.links.helpers import holder

PHQ9_ITEM9_POSITIVE = {f"q{n}": 1 for n in range(1, 10)} | {"difficulty": 1}


@pytest.fixture
def intake(world):
    world.staff["provider"].email = "provider@clinic.example"
    world.staff["provider"].save()
    return services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )


def url_of(intake: Intake) -> str:
    return reverse(
        "intake_public:intake",
        args=[links.token(links.Purpose.INTAKE, intake.uuid)],
    )


def patient_browser(intake: Intake) -> Client:
    """A browser in which the patient opened the intake link (date of birth given)."""
    return holder(url_of(intake), intake.patient)


def post_step(client, intake, step, data):
    return client.post(f"{url_of(intake)}?step={step}", data)


def test_sending_the_intake_emails_a_private_link(world, intake):
    message = OutboundMessage.objects.get(purpose="intake_link")
    assert message.to == world.patient.email
    token = message.body_text.split("/my-intake/")[1].split("/")[0]
    assert links.read(links.Purpose.INTAKE, token).uuid() == intake.uuid


def test_answers_are_kept_as_the_patient_goes_and_resume(world, intake):
    client = patient_browser(intake)
    response = post_step(
        client,
        intake,
        "about",
        {
            "treated_for": ["depression"],
            "phone": "303-555-0142",
            "details_correct": "yes",
        },
    )
    assert response.status_code == 302 and "step=psychiatric" in response["Location"]
    page = patient_browser(intake).get(
        f"{url_of(intake)}?step=about"
    )  # later, another device
    assert page.context["form"].initial["treated_for"] == ["depression"]
    assert re.search(r'value="depression"[^>]*checked', page.text)
    intake.refresh_from_db()
    assert intake.answers["about"]["phone"] == "+13035550142"
    assert intake.status == Intake.Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("about", {"phone": "12"}, "Enter a valid phone number"),
        (
            "about",
            {
                "treated_for": ["anxiety"],
                "phone": "3035550142",
                "details_correct": "no",
            },
            "Please tell us what to correct",
        ),
        (
            "antidepressants",
            {
                "trial-TOTAL_FORMS": "1",
                "trial-INITIAL_FORMS": "0",
                "trial-0-drug": "sertraline",
                "trial-0-dose_mg": "",
                "trial-0-weeks": "0",
                "trial-0-outcome": "no_response",
                "trial-0-current_episode": "yes",
            },
            "Ensure this value is greater than or equal to 1",
        ),
        (
            "antidepressants",
            {
                "trial-TOTAL_FORMS": "1",
                "trial-INITIAL_FORMS": "0",
                "trial-0-drug": "sertraline",
                "trial-0-dose_mg": "",
                "trial-0-weeks": "8",
                "trial-0-outcome": "no_response",
                "trial-0-current_episode": "yes",
            },
            "This field is required",
        ),
        ("body", {"height_cm": "175", "weight_kg": "2000"}, "Weight must be between"),
        (
            "body",
            {
                "height_cm": "175",
                "weight_kg": "70",
                "systolic": "80",
                "diastolic": "120",
            },
            "upper number must be the larger",
        ),
        ("escort", {"name": "Sam", "relation": "friend", "phone": "x"}, "valid phone"),
    ],
)
def test_bad_answers_are_explained_beside_the_field_and_nothing_is_lost(
    world, intake, step, data, message
):
    services.intake_save(
        actor=Actor.system(), intake=intake, section="treatments", data={"x": 1}
    )
    response = post_step(patient_browser(intake), intake, step, data)
    assert response.status_code == 200
    assert message in response.text
    intake.refresh_from_db()
    assert step not in intake.answers
    assert intake.answers["treatments"] == {"x": 1}


def test_phq9_item9_shows_crisis_resources_and_raises_an_urgent_task(world, intake):
    response = post_step(patient_browser(intake), intake, "q:phq9", PHQ9_ITEM9_POSITIVE)
    assert response.status_code == 200
    assert "988" in response.text and "911" in response.text
    saved = QuestionnaireResponse.objects.get(patient=world.patient, instrument="phq9")
    assert saved.answers["q9"] == 1 and saved.total == 9
    task = UrgentTask.objects.get(patient=world.patient)
    assert task.response == saved
    alert = OutboundMessage.objects.get(purpose="urgent_task")
    assert alert.to == "provider@clinic.example"
    assert world.patient.mrn in alert.subject
    # The provider sees it on the worklist and closes it with a note.
    client = Client()
    client.force_login(world.staff["provider"])
    assert world.patient.last_name in client.get(reverse("intake:worklist")).text
    refused = client.post(reverse("intake:task_done", args=[task.pk]), {"note": ""})
    assert refused.status_code == 302
    task.refresh_from_db()
    assert task.done_at is None
    client.post(reverse("intake:task_done", args=[task.pk]), {"note": "called, safe"})
    task.refresh_from_db()
    assert task.done_by == world.staff["provider"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({f"q{n}": 0 for n in range(1, 9)}, "This field is required"),
        ({f"q{n}": 0 for n in range(1, 10)} | {"q3": 7}, "Select a valid choice"),
    ],
)
def test_a_questionnaire_with_a_bad_answer_saves_nothing(
    world, intake, answers, message
):
    response = post_step(patient_browser(intake), intake, "q:phq9", answers)
    assert response.status_code == 200
    assert message in response.text
    assert not QuestionnaireResponse.objects.exists()


def test_questionnaires_sent_on_their_own(world, as_role):
    as_role("nurse").post(
        reverse("intake:questionnaires_send", args=[world.patient.uuid]),
        {"instrument": ["gad7", "pain_nrs"]},
    )
    row = QuestionnaireRequest.objects.get()
    url = reverse(
        "intake_public:questionnaire",
        args=[links.token(links.Purpose.QUESTIONNAIRE, row.uuid)],
    )
    client = holder(url, world.patient)
    assert "GAD-7" in client.get(url).text
    client.post(url, {f"q{n}": 2 for n in range(1, 8)})
    assert "pain" in client.get(url).text.lower()
    client.post(url, {"pain": 6})
    assert "Thank you" in client.get(url).text
    scores = {r.instrument: r for r in QuestionnaireResponse.objects.all()}
    assert scores["gad7"].total == 14 and scores["gad7"].band.lower() == "moderate"
    assert scores["pain_nrs"].total == 6


def test_links_that_are_altered_foreign_or_expired_show_a_clear_page(world, intake):
    token = links.token(links.Purpose.INTAKE, intake.uuid)
    client = Client()
    altered = client.get(reverse("intake_public:intake", args=[token[:-2] + "xx"]))
    assert altered.status_code == 400 and "does not work" in altered.text
    row = QuestionnaireRequest.objects.create(
        patient=world.patient, instruments=["phq9"]
    )
    other_purpose = links.token(links.Purpose.QUESTIONNAIRE, row.uuid)
    assert (
        client.get(reverse("intake_public:intake", args=[other_purpose])).status_code
        == 400
    )
    old = signing.TimestampSigner(salt="ketaclinic.intake.links.intake")
    old.timestamp = lambda: signing.b62_encode(int(time.time()) - 60 * 86400)
    expired = client.get(
        reverse("intake_public:intake", args=[old.sign(str(intake.uuid))])
    )
    assert expired.status_code == 410 and "expired" in expired.text
    assert world.patient.last_name not in expired.text + altered.text


def publish(world, text="I understand that IV ketamine for depression is off-label."):
    document, _ = ConsentDocument.objects.get_or_create(
        code="informed", defaults={"title": "Informed consent"}
    )
    return services.consent_publish(
        actor=Actor.staff(world.staff["manager"]), document=document, text=text
    )


def test_consent_is_signed_against_the_exact_text_and_a_new_version_asks_again(
    world, intake
):
    v1 = publish(world)
    client = patient_browser(intake)
    page = client.get(f"{url_of(intake)}?step=consents")
    assert v1.sha256 in page.text
    wrong = post_step(
        client,
        intake,
        "consents",
        {"version": v1.pk, "sha256": "0" * 64, "typed_name": "Ada Lovelace"},
    )
    assert "changed while you read it" in wrong.text
    assert not ConsentSignature.objects.exists()
    post_step(
        client,
        intake,
        "consents",
        {"version": v1.pk, "sha256": v1.sha256, "typed_name": "Ada Lovelace"},
    )
    signature = ConsentSignature.objects.get()
    assert signature.text_sha256 == v1.sha256 and signature.ip == "127.0.0.1"
    assert queries.consents_missing(world.patient) == []
    with pytest.raises(PermissionError):
        signature.save()
    v2 = publish(world, text=v1.text + " Version two adds the financial policy.")
    assert queries.consents_missing(world.patient) == [v2]


def test_submitting_locks_the_intake(world, intake):
    intake.answers = {}
    services.intake_submit(actor=Actor.system(), intake=intake)
    with pytest.raises(services.IntakeRefused):
        services.intake_save(
            actor=Actor.system(), intake=intake, section="about", data={}
        )
    page = patient_browser(intake).get(url_of(intake))
    assert "your intake is sent" in page.text


def test_review_refuses_to_submit_an_unfinished_intake(world, intake):
    response = post_step(patient_browser(intake), intake, "review", {})
    assert response.status_code == 200
    assert "Please finish these steps first" in response.text
    intake.refresh_from_db()
    assert intake.status != Intake.Status.SUBMITTED


def test_phone_intake_is_recorded_as_filled_by_staff(world, as_role):
    client = as_role("nurse")
    response = client.post(
        reverse("intake:send", args=[world.patient.uuid]), {"channel": "phone"}
    )
    intake = Intake.objects.get()
    assert response["Location"] == reverse("intake:fill", args=[intake.uuid])
    assert intake.filled_by == world.staff["nurse"]
    page = client.get(reverse("intake:fill", args=[intake.uuid]))
    assert "on the patient's behalf" in page.text


TRD_ANSWERS = {
    "about": {"treated_for": ["depression"], "phone": "+13035550142"},
    "antidepressants": [
        {
            "drug": "sertraline",
            "dose_mg": "100",
            "weeks": 8,
            "outcome": "no_response",
            "current_episode": "yes",
        },
        {
            "drug": "bupropion",
            "dose_mg": "300",
            "weeks": 10,
            "outcome": "partial",
            "current_episode": "yes",
        },
    ],
}


def test_the_provider_sees_findings_and_signs_a_decision_then_amends_it(world):
    Intake.objects.create(
        patient=world.patient, channel="link", answers=TRD_ANSWERS, status="submitted"
    )
    provider = Client()
    provider.force_login(world.staff["provider"])
    url = reverse("treatment:screening", args=[world.patient.uuid])
    page = provider.get(url)
    assert page.status_code == 200
    result = page.context["result"]
    assert len(result.adequate_trials) == 2
    assert "CLINICAL.md" in page.text
    provider.post(url, {"outcome": "candidate", "indication": "", "rationale": "ok"})
    assert not ScreeningDecision.objects.exists()  # a candidate needs an indication
    provider.post(
        url, {"outcome": "candidate", "indication": "depression", "rationale": "TRD"}
    )
    first = ScreeningDecision.objects.get()
    assert first.signed_by == world.staff["provider"] and first.findings
    assert OutboundMessage.objects.filter(purpose="screening_outcome").exists()
    with pytest.raises(PermissionError):
        first.save()
    amend = {"outcome": "needs_information", "needs": "ECG", "rationale": "BP"}
    refused = provider.post(url, {**amend, "amend": "1"})
    assert refused.context["form"].errors["reason"]
    assert ScreeningDecision.objects.count() == 1
    provider.post(
        url,
        {
            "outcome": "needs_information",
            "needs": "ECG",
            "rationale": "BP",
            "amend": "1",
            "reason": "ECG not yet seen",
        },
    )
    second = ScreeningDecision.objects.exclude(pk=first.pk).get()
    assert second.amends == first
    assert second.amendment_reason == "ECG not yet seen"
    assert ScreeningDecision.objects.count() == 2  # the original is kept


def test_a_nurse_sees_the_screening_but_cannot_sign(world, as_role):
    client = as_role("nurse")
    url = reverse("treatment:screening", args=[world.patient.uuid])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"outcome": "candidate", "indication": "depression", "rationale": "x"}
    )
    assert response.status_code == 403
    assert not ScreeningDecision.objects.exists()


def test_the_front_desk_sends_the_intake_link_from_the_chart(world, as_role):
    client = as_role("front_desk")
    chart = client.get(reverse("patients:chart", args=[world.patient.uuid]))
    assert reverse("intake:send", args=[world.patient.uuid]) in chart.text
    response = client.post(reverse("intake:send", args=[world.patient.uuid]))
    assert response["Location"] == reverse("patients:chart", args=[world.patient.uuid])
    assert Intake.objects.get().channel == Intake.Channel.LINK


def test_a_resent_questionnaire_is_not_recorded_or_alerted_twice(world, intake):
    client = patient_browser(intake)
    post_step(client, intake, "q:phq9", PHQ9_ITEM9_POSITIVE)
    again = post_step(client, intake, "q:phq9", PHQ9_ITEM9_POSITIVE)  # Back, resend
    assert again.status_code == 302
    assert QuestionnaireResponse.objects.count() == 1
    assert UrgentTask.objects.count() == 1
    assert OutboundMessage.objects.filter(purpose="urgent_task").count() == 1


def test_does_not_apply_is_an_answer_about_pregnancy(world):
    from ketaclinic.intake.facts import intake_facts

    answered = Intake.objects.create(
        patient=world.patient,
        channel="link",
        answers={
            "lifestyle": {
                "pregnant": "na",
                "breastfeeding": "na",
                "substance_use_active": "no",
            }
        },
    )
    facts = intake_facts(world.patient, answered, {})
    assert facts.pregnant is False and facts.breastfeeding is False


def test_antidepressants_can_be_added_one_box_at_a_time(world, intake):
    response = post_step(
        patient_browser(intake),
        intake,
        "antidepressants",
        {
            "trial-TOTAL_FORMS": "1",
            "trial-INITIAL_FORMS": "0",
            "trial-0-drug": "sertraline",
            "trial-0-dose_mg": "100",
            "trial-0-weeks": "8",
            "trial-0-outcome": "no_response",
            "trial-0-current_episode": "yes",
            "add_another": "",
        },
    )
    assert response["Location"].endswith("?step=antidepressants")
    page = patient_browser(intake).get(f"{url_of(intake)}?step=antidepressants")
    assert page.context["form"].total_form_count() == 2


def test_the_lead_follows_the_intake_and_the_decision(world):
    from ketaclinic.inquiries.models import Inquiry
    from tests.inquiries.helpers import make_lead

    lead = make_lead(world.home)
    Inquiry.objects.filter(pk=lead.pk).update(
        stage="consultation_done", patient=world.patient
    )
    started = services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )
    lead.refresh_from_db()
    assert lead.stage == "intake_sent"
    services.intake_submit(actor=Actor.system(), intake=started)
    lead.refresh_from_db()
    assert lead.stage == "screening"
    treatment.decision_sign(
        actor=Actor.staff(world.staff["provider"]),
        patient=world.patient,
        outcome="candidate",
        indication="depression",
        rationale="TRD",
    )
    lead.refresh_from_db()
    assert lead.stage == "candidate"


def test_the_chart_says_which_consents_are_missing(world, as_role):
    version = publish(world)
    chart = reverse("patients:chart", args=[world.patient.uuid])
    assert "Informed consent (v1)" in as_role("nurse").get(chart).text
    services.consent_sign(
        actor=Actor.system(),
        patient=world.patient,
        version=version,
        typed_name="Ada Lovelace",
        shown_sha256=version.sha256,
    )
    assert "Consents to sign" not in as_role("nurse").get(chart).text
