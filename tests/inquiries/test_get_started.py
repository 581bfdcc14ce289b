"""The public get-started form: a lead, its messages, alerts and emails."""

from __future__ import annotations

from django.urls import reverse

from ketaclinic.inquiries.models import Inquiry, LeadAlert, StageChange, Submission
from ketaclinic.notifications.models import OutboundMessage
from tests.conftest import client_for
from tests.inquiries.helpers import form_data

URL = "/get-started/"


def test_the_form_makes_a_new_lead_with_its_message(client, world, clinic):
    response = client.post(URL, form_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("get_started:thanks")
    lead = Inquiry.objects.get()
    assert (lead.first_name, lead.last_name) == ("Rosa", "Parkes")
    assert lead.email == "rosa@example.com"
    assert lead.phone == "+13035550177"
    assert lead.condition_codes == ["depression", "anxiety"]
    assert lead.antidepressants_tried == 2
    assert lead.location == world.home
    assert lead.stage == "new" and not lead.urgent
    assert lead.language == "en"
    [submission] = Submission.objects.all()
    assert submission.message == "Three antidepressants have not helped."
    assert StageChange.objects.get().to_stage == "new"
    assert LeadAlert.objects.get().kind == "new"
    to = set(OutboundMessage.objects.values_list("to", "purpose"))
    assert ("rosa@example.com", "inquiry_received") in to


def test_the_thanks_page_says_an_email_is_coming(client, world, clinic):
    response = client.post(URL, form_data(), follow=True)
    assert b"You will get an email" in response.content


def test_a_crisis_answer_shows_help_at_once_and_marks_the_lead_urgent(
    client, world, clinic
):
    response = client.post(URL, form_data(crisis="yes"), follow=True)
    page = response.content.decode()
    assert response.request["QUERY_STRING"] == "crisis=1"
    assert 'id="crisis-help" role="alert">' in page  # shown, not hidden
    assert "tel:988" in page and "tel:911" in page
    lead = Inquiry.objects.get()
    assert lead.urgent and lead.crisis
    assert LeadAlert.objects.get().kind == "urgent"
    received = OutboundMessage.objects.get(purpose="inquiry_received")
    assert "988" in received.body_text.splitlines()[0]


def test_an_invalid_form_with_a_crisis_answer_still_shows_help(client, world, clinic):
    response = client.post(URL, form_data(crisis="yes", email="nope"))
    assert response.status_code == 400
    assert 'id="crisis-help" role="alert">' in response.content.decode()


def test_a_second_form_with_the_same_email_joins_the_lead(client, world, clinic):
    client.post(URL, form_data())
    client.post(
        URL,
        form_data(
            phone="(720) 555-0101",
            message="Also chronic back pain.",
            conditions=["chronic_pain"],
        ),
    )
    lead = Inquiry.objects.get()
    assert [s.message for s in lead.submissions.all()] == [
        "Three antidepressants have not helped.",
        "Also chronic back pain.",
    ]
    assert lead.phone == "+13035550177"  # kept as first given
    assert lead.condition_codes == ["depression", "anxiety", "chronic_pain"]
    assert [a.kind for a in LeadAlert.objects.order_by("id")] == ["new", "again"]


def test_a_second_form_with_the_same_phone_joins_and_mails_the_leads_address(
    client, world, clinic
):
    client.post(URL, form_data())
    client.post(URL, form_data(email="someone.else@example.com", first_name="R"))
    lead = Inquiry.objects.get()
    assert lead.email == "rosa@example.com" and lead.first_name == "Rosa"
    assert lead.submissions.count() == 2
    sent_to = set(
        OutboundMessage.objects.filter(purpose="inquiry_received").values_list(
            "to", flat=True
        )
    )
    assert sent_to == {"rosa@example.com"}


def test_writing_again_reopens_a_closed_lead(client, world, clinic):
    client.post(URL, form_data())
    Inquiry.objects.update(stage="closed")
    client.post(URL, form_data(message="I am ready now."))
    lead = Inquiry.objects.get()
    assert lead.stage == "new"
    assert lead.stage_changes.last().reason == "Wrote again after being closed"


def test_the_honeypot_keeps_nothing_and_looks_like_success(client, world, clinic):
    response = client.post(URL, form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("get_started:thanks")
    assert not Inquiry.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_staff_are_told_of_new_and_urgent_leads(client, world, clinic):
    for role in ("front_desk", "manager", "provider", "nurse"):
        world.staff[role].email = f"{role}@clinic.example"
        world.staff[role].save()
    client.post(URL, form_data())
    new = OutboundMessage.objects.filter(purpose="lead_alert")
    assert set(new.values_list("to", flat=True)) == {
        "front_desk@clinic.example",
        "manager@clinic.example",
    }
    assert all(m.subject == "New lead at Home clinic: Rosa P." for m in new)
    assert all("Three antidepressants" not in m.body_text for m in new)
    sam = form_data(
        email="sam@example.com", phone="+13035550190", first_name="Sam", crisis="yes"
    )
    client.post(URL, sam)
    urgent = OutboundMessage.objects.filter(
        purpose="lead_alert", subject__startswith="URGENT"
    )
    assert set(urgent.values_list("to", flat=True)) == {
        "front_desk@clinic.example",
        "manager@clinic.example",
        "provider@clinic.example",
    }
    page = client_for(world.staff["front_desk"]).get("/leads/alerts/")
    rows = page.content.decode()
    assert rows.index("Urgent: crisis answer") < rows.index("New lead")


def test_an_alert_is_marked_handled(client, world, clinic):
    client.post(URL, form_data())
    alert = LeadAlert.objects.get()
    desk = client_for(world.staff["front_desk"])
    desk.post(f"/leads/alerts/{alert.pk}/handled/")
    alert.refresh_from_db()
    assert alert.handled_by == world.staff["front_desk"]
    assert "Nothing waiting." in desk.get("/leads/alerts/").content.decode()
    stranger = client_for(world.stranger)  # works at the other location
    assert stranger.post(f"/leads/alerts/{alert.pk}/handled/").status_code == 404
