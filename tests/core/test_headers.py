"""Production hardening every page carries: a strict Content-Security-Policy
(and templates that need nothing it forbids), and no caching of anything a
signed-in person or a private link sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

import ketaclinic
from ketaclinic.audit.actor import Actor
from ketaclinic.intake import links as intake_links
from ketaclinic.intake import services as intake_services

SOURCE = Path(ketaclinic.__file__).parent
# Emails are read in mail programs, not under the site's policy.
PAGES = [
    path
    for path in SOURCE.rglob("templates/**/*.html")
    if "/notifications/email/" not in path.as_posix()
]
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "javascript: link": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize("template", PAGES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_template_needs_what_the_policy_forbids(template):
    text = template.read_text()
    for what, pattern in FORBIDDEN.items():
        assert not pattern.search(text), f"{what} in {template}"


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_pages_carry_a_strict_policy(world, as_role):
    for response in (
        Client().get("/"),
        Client().get(reverse("accounts:login")),
        as_role("nurse").get(reverse("scheduling:day")),
    ):
        policy = policy_of(response)
        assert policy["script-src"] == "script-src 'self'"
        assert policy["default-src"] == "default-src 'self'"
        assert policy["object-src"] == "object-src 'none'"
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert "unsafe" not in response["Content-Security-Policy"]


def test_the_calendar_places_its_blocks_in_a_style_with_the_pages_nonce(world, as_role):
    response = as_role("nurse").get(reverse("scheduling:day"))
    nonce = re.search(r"'nonce-([^']+)'", policy_of(response)["style-src"])[1]
    assert f'<style nonce="{nonce}">' in response.text
    other = as_role("nurse").get(reverse("scheduling:day"))
    assert nonce not in other["Content-Security-Policy"]  # new for every page


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_nothing_a_signed_in_person_sees_is_cached(world, as_role):
    nurse = as_role("nurse")
    for url in (
        reverse("patients:list"),
        reverse("patients:chart", args=[world.patient.uuid]),
        reverse("scheduling:week"),
        reverse("api:patient_search") + "?q=lov",
        reverse("api:patient_detail", args=[world.patient.uuid]),
    ):
        assert_not_stored(nurse.get(url))
    assert_not_stored(as_role("manager").get(reverse("audit:export")))


def test_private_link_pages_are_not_cached(world):
    intake = intake_services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=world.patient
    )
    token = intake_links.make_token(intake_links.Purpose.INTAKE, intake.uuid)
    assert_not_stored(Client().get(reverse("intake_public:intake", args=[token])))


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite files only",
)
def test_the_sqlite_database_is_for_its_owner_only(db):
    connection.ensure_connection()
    database = Path(connection.settings_dict["NAME"])
    assert database.stat().st_mode & 0o077 == 0
    assert settings.VAR_DIR.stat().st_mode & 0o777 == 0o700
