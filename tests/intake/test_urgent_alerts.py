"""A safety answer reaches staff at once: the worklist, the chart's banner,
the lead on the board, an email and a text message to each provider (or the
fallback when no provider can be reached), and the patient reads the clinic's
after-hours instruction. A C-SSRS "yes" to real suicidal thoughts (question 2)
alone raises a task when the clinic's policy says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.intake.models import QuestionnaireRequest, UrgentTask
from ketaclinic.links import tokens as links
from ketaclinic.notifications import tasks
from ketaclinic.notifications.models import OutboundMessage
from tests.conftest import make_staff
from tests.inquiries.helpers import make_lead
from tests.links.helpers import holder
from tests.notifications.test_sms_http import provider as sms_provider  # noqa: F401

PHQ9_ITEM9 = {f"q{n}": 1 for n in range(1, 10)} | {"difficulty": 1}
# Real suicidal thoughts, no method, intent, plan or behaviour: low risk.
CSSRS_Q2_ONLY = {"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}


def answer(world, instrument: str, answers: dict):
    """The patient answers a questionnaire sent to them, through its link."""
    row = QuestionnaireRequest.objects.create(
        patient=world.patient, instruments=[instrument]
    )
    url = reverse(
        "intake_public:questionnaire",
        args=[links.token(links.Purpose.QUESTIONNAIRE, row.uuid)],
    )
    return holder(url, world.patient).post(url, answers)


def reachable(user, *, email: str = "", phone: str = "") -> None:
    user.email, user.phone = email, phone
    user.save(update_fields=["email", "phone"])


def alerts(channel: str) -> list[str]:
    return sorted(
        OutboundMessage.objects.filter(
            purpose="urgent_task", channel=channel
        ).values_list("to", flat=True)
    )


def test_a_provider_with_a_number_gets_a_text_sent_by_the_worker(
    world,
    sms_provider,  # noqa: F811
):
    reachable(
        world.staff["provider"], email="provider@clinic.example", phone="303 555 0177"
    )
    answer(world, "phq9", PHQ9_ITEM9)
    assert alerts("email") == ["provider@clinic.example"]
    [text] = OutboundMessage.objects.filter(purpose="urgent_task", channel="sms")
    assert text.to == "+13035550177"
    assert world.patient.mrn in text.body_text
    assert "same-day suicide-risk assessment" in text.body_text
    assert world.patient.last_name not in text.body_text  # no name in a text
    assert tasks.message_send.call(text.pk) == "sent"
    [request] = sms_provider.requests
    assert request["form"]["To"] == ["+13035550177"]
    assert world.patient.mrn in request["form"]["Body"][0]


def test_without_a_reachable_provider_the_manager_is_alerted(world):
    reachable(world.staff["provider"])  # neither email nor phone
    reachable(world.staff["manager"], email="manager@clinic.example", phone="")
    answer(world, "phq9", PHQ9_ITEM9)
    assert alerts("email") == ["manager@clinic.example"]
    assert alerts("sms") == []


def test_without_provider_or_manager_the_locations_phone_gets_the_text(world):
    reachable(world.staff["provider"])
    reachable(world.staff["manager"])
    world.home.phone = "(303) 555-0100"
    world.home.save(update_fields=["phone"])
    answer(world, "phq9", PHQ9_ITEM9)
    assert alerts("email") == []
    assert alerts("sms") == ["+13035550100"]


def test_an_inactive_provider_is_not_counted_as_reached(world):
    reachable(world.staff["provider"], email="provider@clinic.example")
    world.staff["provider"].is_active = False
    world.staff["provider"].save(update_fields=["is_active"])
    reachable(world.staff["manager"], phone="+13035550188")
    answer(world, "phq9", PHQ9_ITEM9)
    assert alerts("email") == [] and alerts("sms") == ["+13035550188"]


def test_the_patient_reads_the_after_hours_instruction(world, settings):
    shown = answer(world, "phq9", PHQ9_ITEM9)
    assert "When the clinic is closed:" in shown.text
    assert "call or text 988" in shown.text and "call 911" in shown.text
    settings.KETACLINIC_AFTER_HOURS_INSTRUCTION = (
        "After 6 pm, call the on-call provider at (303) 555-0199."
    )
    shown = answer(world, "phq9", PHQ9_ITEM9)
    assert "After 6 pm, call the on-call provider at (303) 555-0199." in shown.text


def test_a_cssrs_yes_to_real_suicidal_thoughts_alone_raises_a_task(world):
    shown = answer(world, "cssrs_screener", CSSRS_Q2_ONLY)
    task = UrgentTask.objects.get(patient=world.patient)
    assert "thoughts of killing yourself" in task.message
    assert "Help is available right now" in shown.text


def test_the_clinic_may_leave_a_cssrs_q2_alone_for_the_visit(world, settings):
    settings.KETACLINIC_CSSRS_Q2_TASK = False
    shown = answer(world, "cssrs_screener", CSSRS_Q2_ONLY)
    assert not UrgentTask.objects.exists()
    assert "Help is available right now" not in shown.text


def test_the_task_shows_on_the_worklist_chart_and_the_leads_board(world, as_role):
    lead = make_lead(world.home)
    lead.patient, lead.urgent = world.patient, False
    lead.save(update_fields=["patient", "urgent"])
    answer(world, "phq9", PHQ9_ITEM9)
    nurse = as_role("nurse")
    assert world.patient.last_name in nurse.get(reverse("intake:worklist")).text
    chart = nurse.get(reverse("patients:chart", args=[world.patient.uuid])).text
    assert 'data-testid="urgent-banner"' in chart
    assert "PHQ-9" in chart
    lead.refresh_from_db()
    assert lead.urgent
    board = as_role("front_desk").get(reverse("inquiries:board")).text
    card = board.split(lead.last_name)[0].rsplit('<li class="lead-card', 1)[1]
    assert "urgent" in card and "Urgent" in card


@pytest.mark.parametrize(
    ("role", "answers_shown"), [("front_desk", False), ("nurse", True)]
)
def test_the_front_desk_sees_the_banner_without_the_answers(
    world, as_role, role, answers_shown
):
    UrgentTask.objects.create(patient=world.patient, message="PHQ-9: item 9 is 2")
    chart = as_role(role).get(reverse("patients:chart", args=[world.patient.uuid]))
    assert "Urgent: open suicide-risk task." in chart.text
    assert ("item 9 is 2" in chart.text) is answers_shown


def test_a_fallback_needs_someone_reachable(world):
    """No provider, manager or location phone: the task still stands on the
    worklist; no message is written to no one."""
    reachable(world.staff["provider"])
    reachable(world.staff["manager"])
    make_staff("absent", "provider")  # at no location
    answer(world, "phq9", PHQ9_ITEM9)
    assert UrgentTask.objects.filter(patient=world.patient).count() == 1
    assert not OutboundMessage.objects.filter(purpose="urgent_task").exists()
