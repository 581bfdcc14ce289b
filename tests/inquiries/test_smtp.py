"""Once, the whole way: the visitor's emails through Django's SMTP backend to
a real SMTP server on loopback (aiosmtpd), sent by the background worker."""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from ketaclinic.notifications.models import OutboundMessage
from tests.inquiries.helpers import form_data
from tests.notifications.helpers import ics_events, run_due_tasks
from tests.notifications.test_smtp import Inbox, start_server


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    server = start_server(inbox, settings)
    yield inbox
    server.stop()


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_the_visitors_emails_reach_a_real_smtp_server(
    client, world, clinic, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [24]
    settings.KETACLINIC_SMS_BACKEND = "memory"
    client.cookies["django_language"] = "es"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/get-started/", form_data())
    run_due_tasks(django_capture_on_commit_callbacks)

    [received] = smtp_server.messages
    assert received["To"] == "rosa@example.com"
    assert received["Subject"] == "Home clinic: reserve su consulta gratuita"
    plain = parsed(received).get_body(preferencelist=("plain",)).get_content()
    html = parsed(received).get_body(preferencelist=("html",)).get_content()
    assert "Reservar mi consulta gratuita" in html
    [link] = re.findall(r"https://\S+/get-started/consultation/\S+", plain)

    path = link.removeprefix(settings.KETACLINIC_BASE_URL)
    page = client.get(path.split("?")[0] + "?mode=video").content.decode()
    first = re.findall(r'name="starts_at" value="([^"]+)"', page)[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path.split("?")[0], {"mode": "video", "starts_at": first})
    run_due_tasks(django_capture_on_commit_callbacks)

    booked = next(
        m for m in smtp_server.messages if "Su consulta gratuita:" in m["Subject"]
    )
    [attachment] = list(parsed(booked).iter_attachments())
    assert attachment.get_filename() == "consultation.ics"
    assert attachment.get_content_type() == "text/calendar"
    [event] = ics_events(attachment.get_content().replace("\n", "\r\n"))
    assert event["DTSTART"].startswith(first[:10].replace("-", ""))
    sent = OutboundMessage.objects.filter(channel="email", to="rosa@example.com")
    assert {m.status for m in sent} == {"sent"}
