"""`ketaclinic worker` runs the django-tasks database worker under our name."""

from __future__ import annotations

import io
import subprocess
import sys
from unittest import mock

from django.core.management import call_command
from django_tasks_db.management.commands import db_worker

from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.notifications.services import message_queue


def test_the_worker_sends_what_is_due_and_exits_with_batch(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            channel="email",
            to="ada@example.com",
            purpose="test",
            subject="Hi",
            body_text="Hi",
            dedupe_key="worker",
        )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command(
            "worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval=0",
            stdout=io.StringIO(),
        )
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert len(mailoutbox) == 1


def test_the_worker_command_lists_the_db_worker_options():
    result = subprocess.run(
        [sys.executable, "-m", "ketaclinic", "worker", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "reminders" in result.stdout
    for option in ("--batch", "--queue-name", "--interval", "--max-tasks"):
        assert option in result.stdout
