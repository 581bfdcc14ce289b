"""A bad reminder or message setting stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"KETACLINIC_REMINDER_OFFSETS_HOURS": "48,a day"}, "REMINDER_OFFSETS"),
        ({"KETACLINIC_REMINDER_OFFSETS_HOURS": "0"}, "REMINDER_OFFSETS"),
        ({"KETACLINIC_BASE_URL": "clinic.example.org"}, "KETACLINIC_BASE_URL"),
        ({"KETACLINIC_SMS_BACKEND": "pigeon"}, "KETACLINIC_SMS_BACKEND"),
        ({"KETACLINIC_SMS_BACKEND": "http"}, "KETACLINIC_SMS_ACCOUNT_SID"),
        ({"KETACLINIC_MESSAGE_ATTEMPTS": "0"}, "KETACLINIC_MESSAGE_ATTEMPTS"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variables, words):
    env = {
        **os.environ,
        "KETACLINIC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-m", "ketaclinic", "help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_offsets_are_read_as_whole_hours_latest_first(tmp_path):
    env = {
        **os.environ,
        "KETACLINIC_VAR_DIR": str(tmp_path),
        "KETACLINIC_REMINDER_OFFSETS_HOURS": "24, 72,24",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.KETACLINIC_REMINDER_OFFSETS_HOURS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "ketaclinic.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[72, 24]"
