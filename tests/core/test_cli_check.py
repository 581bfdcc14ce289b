"""`ketaclinic check`: Django's checks plus the clinic's configuration."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ketaclinic.core.management.commands.check import (
    configuration_checks,
    database_messages,
    deploy_rule_messages,
    var_dir_messages,
)

KETACLINIC = str(Path(sys.executable).parent / "ketaclinic")
CONFIG_PREFIXES = ("KETACLINIC_", "DJANGO_", "DATABASE_URL", "DEBUG", "SECRET_KEY")
CONFIG_NAMES = {"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}


def ketaclinic_check(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(CONFIG_PREFIXES) and name not in CONFIG_NAMES
    }
    env["KETACLINIC_VAR_DIR"] = str(tmp_path / "var")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env.update(variables)
    return subprocess.run(
        [KETACLINIC, "check"], env=env, capture_output=True, text=True, timeout=60
    )


def test_it_passes_on_the_default_development_configuration(tmp_path):
    done = ketaclinic_check(tmp_path)

    assert done.returncode == 0, done.stderr
    # Development is allowed, with a word on what production will need.
    assert "ketaclinic.W101" in done.stderr
    assert "ERRORS" not in done.stderr


def test_it_fails_with_debug_off_and_an_unsafe_configuration(tmp_path):
    done = ketaclinic_check(
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="*",
        KETACLINIC_2FA="optional",
        KETACLINIC_HSTS_SECONDS="0",
    )

    assert done.returncode != 0
    assert "ketaclinic.E104" in done.stderr  # ALLOWED_HOSTS contains '*'
    assert "Set KETACLINIC_2FA=required" in done.stderr
    # Django's deployment checks ran without --deploy.
    assert "security.W004" in done.stderr


@pytest.mark.django_db
def test_it_reports_production_rules_as_errors_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.KETACLINIC_2FA = "optional"

    messages = deploy_rule_messages()

    assert "ketaclinic.E105" in [message.id for message in messages]
    assert all(message.is_serious() for message in messages)


@pytest.mark.django_db
def test_it_reaches_the_database():
    assert database_messages() == []


def test_it_reports_a_var_dir_it_cannot_write_to(settings, tmp_path):
    not_a_directory = tmp_path / "var"
    not_a_directory.write_text("")
    settings.VAR_DIR = not_a_directory

    [message] = var_dir_messages()

    assert message.id == "ketaclinic.E003"
    assert "KETACLINIC_VAR_DIR" in message.hint


@pytest.mark.django_db
def test_it_keeps_its_configuration_checks_out_of_other_commands(settings):
    settings.DEBUG = False  # every production rule is an error now
    settings.SECRET_KEY_FROM_ENV = False

    with pytest.raises(SystemCheckError, match=r"ketaclinic\.E102"):
        call_command("check")

    assert configuration_checks not in registry.get_checks()
