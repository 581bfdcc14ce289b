"""Sending: a message goes out once, whoever runs its task and how often; a
failed try is retried later, then shows as failed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ketaclinic.notifications import senders, services, tasks
from ketaclinic.notifications.models import OutboundMessage
from tests.notifications.helpers import make_due, run_due_tasks

Status = OutboundMessage.Status
SEND_TASK = "ketaclinic.notifications.tasks.message_send"


def queue(key: str = "test:1", **fields) -> OutboundMessage | None:
    values = {
        "channel": "email",
        "to": "ada@example.com",
        "purpose": "test",
        "subject": "Hello",
        "body_text": "Plain text",
        "dedupe_key": key,
    }
    values.update(fields)
    return services.message_queue(**values)


def test_a_message_is_enqueued_only_when_its_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue()
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    task = DBTaskResult.objects.get()
    assert task.task_path == SEND_TASK
    assert task.args_kwargs["args"] == [message.pk]


def test_a_duplicate_key_writes_nothing_and_keeps_the_callers_transaction(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        assert queue() is not None
        assert queue() is None
        # The transaction is still usable after the refused insert.
        assert OutboundMessage.objects.count() == 1
    assert len(callbacks) == 1


def test_the_send_task_sends_an_email_with_text_html_and_attachment(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(
            to="ada@example.com",
            template="waitlist_offer",
            context={
                "patient_name": "Ada",
                "type_name": "Infusion",
                "when": "Monday",
                "location": {"name": "Home clinic", "phone": ""},
                "offer_url": "https://x.example/o/",
            },
            purpose="test",
            dedupe_key="k",
            attachments=[services.Attachment("a.ics", "text/calendar", "BEGIN")],
        )
    run_due_tasks(django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert email.subject == "A time has come free: Infusion, Monday"
    assert "https://x.example/o/" in email.body
    assert email.alternatives[0][1] == "text/html"
    assert email.attachments == [("a.ics", "BEGIN", "text/calendar")]
    assert email.extra_headers["Message-ID"]
    message = OutboundMessage.objects.get()
    assert message.status == Status.SENT
    assert message.provider_id == email.extra_headers["Message-ID"]
    assert message.sent_at is not None


def test_running_the_send_task_twice_sends_once(db, django_capture_on_commit_callbacks):
    message = queue()
    assert tasks.message_send.call(message.pk) == "sent"
    assert tasks.message_send.call(message.pk) == "not queued"
    tasks.message_send.enqueue(message.pk)
    tasks.message_send.enqueue(message.pk)
    run_due_tasks(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


def test_a_cancelled_message_is_not_sent(db):
    message = queue()
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.CANCELLED)
    assert tasks.message_send.call(message.pk) == "not queued"
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_message_send_it_once(monkeypatch):
    """Several threads, each with its own database connection, race to send
    the same messages; each message goes out exactly once."""
    messages = [queue(f"race:{n}") for n in range(5)]
    sent: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def slow_send(message):
        with lock:
            sent.append(message.pk)
        return "id"

    monkeypatch.setitem(tasks.SENDERS, "email", slow_send)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            start.wait()
            for message in messages:
                outcomes.append(tasks.message_send.call(message.pk))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(sent) == sorted(m.pk for m in messages)
    assert outcomes.count("sent") == 5
    assert outcomes.count("not queued") == 15
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}


def failing(error: Exception):
    def send(message):
        raise error

    return send


def test_a_failed_send_is_retried_later_then_shows_as_failed(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_MESSAGE_ATTEMPTS = 3
    monkeypatch.setitem(
        tasks.SENDERS, "email", failing(senders.SendError("Mail server: busy"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()

    before = timezone.now()
    run_due_tasks(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 1)
    assert message.last_error == "Mail server: busy"
    # The next try waits a minute, then four.
    retry = DBTaskResult.objects.ready().filter(task_path=SEND_TASK)
    assert not retry.exists()
    waiting = DBTaskResult.objects.filter(status="READY", task_path=SEND_TASK).get()
    assert waiting.run_after - before >= timedelta(minutes=1)
    assert message.next_attempt_at == waiting.run_after

    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 2)
    waiting = DBTaskResult.objects.filter(status="READY", task_path=SEND_TASK).get()
    assert waiting.run_after - timezone.now() > timedelta(minutes=3)

    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert message.last_error == "Mail server: busy"
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert mail.outbox == []


def test_a_refused_address_fails_at_once(db, monkeypatch):
    monkeypatch.setitem(
        tasks.SENDERS,
        "email",
        failing(senders.PermanentSendError("The mail server refused x@y.")),
    )
    message = queue()
    assert tasks.message_send.call(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)


def test_an_unexpected_error_is_recorded_with_its_kind(db, monkeypatch):
    monkeypatch.setitem(tasks.SENDERS, "email", failing(KeyError("filename")))
    message = queue()
    assert tasks.message_send.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.last_error == "KeyError: 'filename'"


def test_a_recovered_message_keeps_its_earlier_error_for_the_record(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(tasks.SENDERS, "email", failing(senders.SendError("busy")))
    message = queue()
    assert tasks.message_send.call(message.pk) == "retry"
    monkeypatch.setitem(tasks.SENDERS, "email", senders.send_email)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        Status.SENT,
        2,
        "busy",
    )


def test_retry_delays_grow():
    assert [tasks.retry_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=4),
        timedelta(minutes=16),
        timedelta(minutes=64),
    ]
