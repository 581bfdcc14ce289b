"""A lead's page: its messages, the contact log with who and when, one-click
emails through the notifications pipeline, stage changes with reasons."""

from __future__ import annotations

import pytest

from ketaclinic.audit.models import AuditEvent
from ketaclinic.inquiries.models import ContactEntry, Stage, StageChange
from ketaclinic.notifications.models import OutboundMessage
from tests.conftest import client_for
from tests.inquiries.helpers import make_lead


@pytest.fixture
def lead(world, clinic):
    return make_lead(world.home, message="I have tried three medicines.")


def page_of(client, lead) -> str:
    response = client.get(f"/leads/{lead.uuid}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_lead_and_is_audited(world, lead):
    page = page_of(client_for(world.staff["front_desk"]), lead)
    assert "Rosa Parkes" in page
    assert "I have tried three medicines." in page
    assert "(303) 555-0177" in page
    assert "not yet" in page  # no first contact
    event = AuditEvent.objects.filter(action="view").latest("at")
    assert event.object_type == "inquiries.Inquiry"
    assert event.actor == world.staff["front_desk"]


def test_a_lead_elsewhere_is_not_found(world, lead):
    assert client_for(world.stranger).get(f"/leads/{lead.uuid}/").status_code == 404


def test_the_first_call_is_the_first_contact_and_moves_a_new_lead_on(world, lead):
    desk = client_for(world.staff["front_desk"])
    response = desk.post(
        f"/leads/{lead.uuid}/contact/",
        {"kind": "call", "summary": "Spoke with Rosa; sending the link."},
    )
    assert response.status_code == 302
    entry = ContactEntry.objects.get()
    assert entry.by == world.staff["front_desk"]
    lead.refresh_from_db()
    assert lead.first_contact_at == entry.at
    assert lead.stage == Stage.CONTACTED
    change = StageChange.objects.latest("id")
    assert change.reason == "First contact (call)"
    page = page_of(desk, lead)
    assert "Spoke with Rosa; sending the link." in page
    assert "Front_Desk" in page  # who


def test_a_note_is_not_a_contact(world, lead):
    client_for(world.staff["nurse"]).post(
        f"/leads/{lead.uuid}/contact/", {"kind": "note", "summary": "Seems urgent"}
    )
    lead.refresh_from_db()
    assert lead.first_contact_at is None and lead.stage == Stage.NEW


def test_an_empty_log_entry_is_refused(world, lead):
    desk = client_for(world.staff["front_desk"])
    response = desk.post(
        f"/leads/{lead.uuid}/contact/", {"kind": "call", "summary": ""}, follow=True
    )
    assert "Say what kind of contact" in response.content.decode()
    assert not ContactEntry.objects.exists()


@pytest.mark.parametrize(
    ("template", "subject"),
    [
        ("booking_link", "your link to book a free consultation"),
        ("no_answer", "we tried to call you"),
        ("records", "your medical records"),
    ],
)
def test_one_click_emails_go_through_notifications_and_the_log(
    world, lead, template, subject
):
    desk = client_for(world.staff["front_desk"])
    response = desk.post(f"/leads/{lead.uuid}/email/{template}/", follow=True)
    assert "Email queued to rosa@example.com" in response.content.decode()
    message = OutboundMessage.objects.get(purpose=f"lead_{template}")
    assert message.to == "rosa@example.com"
    assert subject in message.subject
    entry = ContactEntry.objects.get()
    assert entry.kind == "email" and entry.message == message
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    # A double click in the same minute sends nothing more.
    again = desk.post(f"/leads/{lead.uuid}/email/{template}/", follow=True)
    assert "That email was just sent." in again.content.decode()
    assert OutboundMessage.objects.filter(purpose=f"lead_{template}").count() == 1


def test_an_unknown_email_template_is_refused(world, lead):
    desk = client_for(world.staff["front_desk"])
    response = desk.post(f"/leads/{lead.uuid}/email/spam/", follow=True)
    assert "No such email." in response.content.decode()


def test_a_stage_change_needs_a_reason_and_is_kept(world, lead):
    desk = client_for(world.staff["front_desk"])
    refused = desk.post(
        f"/leads/{lead.uuid}/stage/", {"stage": "closed", "reason": ""}, follow=True
    )
    assert "Choose a stage and say why." in refused.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Stage.NEW
    desk.post(
        f"/leads/{lead.uuid}/stage/",
        {"stage": "closed", "reason": "Chose another clinic"},
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.CLOSED
    change = StageChange.objects.latest("id")
    assert (change.from_stage, change.to_stage) == ("new", "closed")
    assert change.by == world.staff["front_desk"]
    assert "Chose another clinic" in page_of(desk, lead)
    same = desk.post(
        f"/leads/{lead.uuid}/stage/",
        {"stage": "closed", "reason": "again"},
        follow=True,
    )
    assert "already in “Closed”" in same.content.decode()


def test_an_urgent_lead_is_marked_handled_with_how(world, clinic):
    lead = make_lead(world.home, crisis=True)
    desk = client_for(world.staff["front_desk"])
    page = page_of(desk, lead)
    assert "Answered yes to" in page
    desk.post(f"/leads/{lead.uuid}/urgent/", {"reason": "Called; safe with family"})
    lead.refresh_from_db()
    assert not lead.urgent and lead.crisis  # the answer itself stays
    assert "No longer urgent: Called; safe with family" in page_of(desk, lead)


@pytest.mark.parametrize(
    ("method", "tail"),
    [
        ("get", ""),
        ("post", "contact/"),
        ("post", "email/no_answer/"),
        ("post", "stage/"),
        ("post", "urgent/"),
        ("get", "convert/"),
        ("get", "book/"),
    ],
)
def test_every_lead_page_of_another_location_is_not_found(world, lead, method, tail):
    """The nurse of another location gets the 404 of a missing lead."""
    client = client_for(world.stranger)
    response = getattr(client, method)(f"/leads/{lead.uuid}/{tail}")
    assert response.status_code == 404
    assert not ContactEntry.objects.exists()
    assert not OutboundMessage.objects.filter(purpose="lead_no_answer").exists()
