"""`ketaclinic createstaff`: a staff member from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketaclinic.accounts.models import User
from ketaclinic.core.management.commands import createstaff

GOOD_PASSWORD = "violet kettle harbour nine"


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("KC_NEW_STAFF_PASSWORD", GOOD_PASSWORD)
    return "KC_NEW_STAFF_PASSWORD"


def createstaff_command(*args: str) -> str:
    out = io.StringIO()
    call_command("createstaff", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_creates_a_staff_member_with_role_and_locations(world, password_env):
    output = createstaff_command(
        "--username=rosa",
        "--role=nurse",
        "--location=home",
        "--location=other",
        "--first-name=Rosa",
        "--last-name=Parks",
        "--email=rosa@example.org",
        "--title=RN",
        f"--password-env={password_env}",
    )

    rosa = User.objects.get(username="rosa")
    assert rosa.role == "nurse"
    assert {location.slug for location in rosa.locations.all()} == {"home", "other"}
    assert (rosa.first_name, rosa.last_name, rosa.title) == ("Rosa", "Parks", "RN")
    assert rosa.email == "rosa@example.org"
    assert rosa.check_password(GOOD_PASSWORD)
    assert not rosa.is_superuser
    assert "Created nurse 'rosa' (home, other)." in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username=rosa", "--role=doctor"], "Unknown role 'doctor'; choose one of"),
        (
            ["--username=rosa", "--role=nurse", "--location=mars"],
            "Unknown location 'mars'; known locations: home, other.",
        ),
        (["--username=nurse", "--role=nurse"], "A user named 'nurse' already exists."),
        (["--username=rosa", "--role=nurse", "--email=rosa"], "email: Enter a valid"),
    ],
)
def test_it_refuses_a_bad_request_and_creates_nobody(
    world, password_env, args, message
):
    users_before = User.objects.count()

    with pytest.raises(CommandError, match=message):
        createstaff_command(*args, f"--password-env={password_env}")

    assert User.objects.count() == users_before


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "too common"),
        ("short1!", "too short"),
        ("830127459921", "entirely numeric"),
        ("rosa.whitfield", "too similar"),
    ],
)
def test_it_refuses_a_weak_password_and_creates_nobody(
    world, monkeypatch, password, reason
):
    monkeypatch.setenv("KC_NEW_STAFF_PASSWORD", password)

    with pytest.raises(CommandError, match=f"Password refused: .*{reason}"):
        createstaff_command(
            "--username=rosa.whitfield",
            "--role=nurse",
            "--password-env=KC_NEW_STAFF_PASSWORD",
        )

    assert not User.objects.filter(username="rosa.whitfield").exists()


def test_it_refuses_a_password_variable_that_is_not_set(world, monkeypatch):
    monkeypatch.delenv("KC_UNSET_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="KC_UNSET_PASSWORD is not set"):
        createstaff_command(
            "--username=rosa", "--role=nurse", "--password-env=KC_UNSET_PASSWORD"
        )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_asks_the_password_twice_until_both_match(world, monkeypatch):
    typed = iter([GOOD_PASSWORD, "a typo", GOOD_PASSWORD, GOOD_PASSWORD])
    monkeypatch.setattr(createstaff, "getpass", lambda prompt: next(typed))
    monkeypatch.setattr("sys.stdin", Terminal())

    createstaff_command("--username=rosa", "--role=admin")

    rosa = User.objects.get(username="rosa")
    assert rosa.check_password(GOOD_PASSWORD)
    assert rosa.is_superuser  # administrators reach the Django admin


def test_it_refuses_to_ask_for_a_password_without_a_terminal(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())

    with pytest.raises(CommandError, match="--password-env"):
        createstaff_command("--username=rosa", "--role=nurse")

    assert not User.objects.filter(username="rosa").exists()
