"""Once, the whole way: a reminder through Django's SMTP backend to a real SMTP
server listening on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from ketaclinic.notifications import services, tasks
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.scheduling import notify
from tests.notifications.helpers import (
    ics_events,
    make_due,
    make_visit,
    run_due_tasks,
    soon,
)


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__(email.message.EmailMessage)
        self.messages: list[email.message.EmailMessage] = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


class RefuseRecipients:
    async def handle_RCPT(self, server, session, envelope, address, options):
        return "550 5.1.1 No such user"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(handler, settings) -> Controller:
    """An SMTP server on a free loopback port, and Django's mail pointed at it."""
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "clinic@ketaclinic.example"
    return server


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    server = start_server(inbox, settings)
    yield inbox
    server.stop()


def test_a_reminder_reaches_a_real_smtp_server(
    world, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [24]
    settings.KETACLINIC_SMS_BACKEND = "memory"
    visit = make_visit(world.patient, soon(days=3))
    notify.appointment_booked(visit)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)

    [received] = smtp_server.messages
    assert received["To"] == "ada@example.com"
    assert received["From"] == "clinic@ketaclinic.example"
    assert "Ketamine infusion" in received["Subject"]
    parsed = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    plain = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "No driving or heavy machinery for 24 hours" in plain
    assert "Confirm my visit" in html
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "visit.ics"
    # On the wire every line ends in CRLF; the parsed part gives them as "\n".
    [event] = ics_events(attachment.get_content().replace("\n", "\r\n"))
    assert event["DTSTART"] == visit.starts_at.strftime("%Y%m%dT%H%M%SZ")
    message = OutboundMessage.objects.get(channel="email")
    assert message.status == "sent"
    assert received["Message-ID"] == message.provider_id


def test_a_recipient_the_server_refuses_fails_at_once(
    db, settings, django_capture_on_commit_callbacks
):
    server = start_server(RefuseRecipients(), settings)
    try:
        message = services.message_queue(
            channel="email",
            to="nobody@example.com",
            purpose="test",
            subject="Hi",
            body_text="Hi",
            dedupe_key="refused",
        )
        assert tasks.message_send.call(message.pk) == "failed"
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.last_error == "The mail server refused nobody@example.com."
