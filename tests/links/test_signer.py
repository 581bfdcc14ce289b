"""The one signer of private links: purpose, bound record, version, expiry,
single use, and one problem page for every kind of link."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from ketaclinic.links import tokens as links
from ketaclinic.links.models import UsedLink
from ketaclinic.links.problems import LinkAltered, LinkExpired, LinkUsed
from ketaclinic.links.services import link_spend

KEY = uuid.UUID("12345678-1234-5678-1234-567812345678")
START = datetime(2030, 3, 10, 15, 30, tzinfo=UTC)


def test_a_link_names_its_record_and_its_version():
    token = links.token(links.Purpose.VISIT_CANCEL, KEY, version=START)
    link = links.read(links.Purpose.VISIT_CANCEL, token)
    assert link.uuid() == KEY
    assert link.matches(START)
    assert not link.matches(START + timedelta(minutes=30))
    assert not link.matches(None)


@pytest.mark.parametrize("other", set(links.Purpose) - {links.Purpose.INTAKE})
def test_a_link_of_one_purpose_opens_nothing_of_another(other):
    token = links.token(links.Purpose.INTAKE, KEY)
    with pytest.raises(LinkAltered):
        links.read(other, token)


@pytest.mark.parametrize(
    ("purpose", "setting", "days"),
    [
        (links.Purpose.INTAKE, "KETACLINIC_INTAKE_LINK_DAYS", 14),
        (links.Purpose.QUESTIONNAIRE, "KETACLINIC_INTAKE_LINK_DAYS", 14),
        (links.Purpose.CONSULTATION, "KETACLINIC_INQUIRY_LINK_DAYS", 30),
        (links.Purpose.VISIT_CONFIRM, "KETACLINIC_VISIT_LINK_DAYS", 30),
    ],
)
def test_a_link_expires_after_the_days_of_its_purpose(settings, purpose, setting, days):
    setattr(settings, setting, days)
    version = START if links.RULES[purpose].versioned else None
    token = links.token(purpose, KEY, version=version)
    now = time.time()
    with mock.patch(
        "django.core.signing.time.time", return_value=now + (days - 1) * 86400
    ):
        assert links.read(purpose, token).key == str(KEY)
    with (
        mock.patch(
            "django.core.signing.time.time", return_value=now + (days + 1) * 86400
        ),
        pytest.raises(LinkExpired),
    ):
        links.read(purpose, token)


def test_the_base_url_starts_every_link(settings):
    settings.KETACLINIC_BASE_URL = "https://clinic.example.org"
    assert links.absolute_url("/x/") == "https://clinic.example.org/x/"
    url = links.url(links.Purpose.CONSULTATION, KEY, query={"lang": "es"})
    assert url.startswith("https://clinic.example.org/get-started/consultation/")
    assert url.endswith("/?lang=es")


@pytest.mark.django_db
def test_a_single_use_link_is_used_once_per_part():
    link = links.read(
        links.Purpose.QUESTIONNAIRE, links.token(links.Purpose.QUESTIONNAIRE, KEY)
    )
    with transaction.atomic():
        link_spend(link=link, part="phq9")
    with pytest.raises(LinkUsed), transaction.atomic():
        link_spend(link=link, part="phq9")
    with transaction.atomic():
        link_spend(link=link, part="gad7")
    assert UsedLink.objects.count() == 2


@pytest.mark.django_db
def test_a_use_undone_with_its_action_leaves_the_link_unused():
    link = links.read(
        links.Purpose.QUESTIONNAIRE, links.token(links.Purpose.QUESTIONNAIRE, KEY)
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        link_spend(link=link, part="phq9")
        raise RuntimeError("the action fails after the link was spent")
    assert not UsedLink.objects.exists()


@pytest.mark.parametrize(
    "view",
    [
        "visit:confirm",
        "visit:offer",
        "get_started:consultation",
        "intake_public:intake",
        "intake_public:questionnaire",
    ],
)
@pytest.mark.django_db
def test_every_kind_of_link_has_the_one_problem_page_in_english_and_spanish(view):
    english = Client().get(reverse(view, args=["altered"]))
    assert english.status_code == 400
    assert "links/problem.html" in [t.name for t in english.templates]
    assert "This link does not work" in english.text
    spanish = Client().get(reverse(view, args=["altered"]), HTTP_ACCEPT_LANGUAGE="es")
    assert "Este enlace no funciona" in spanish.text
    assert spanish["Content-Language"] == "es"


def test_the_compiled_spanish_catalog_matches_its_source():
    from pathlib import Path

    from django.utils import translation

    import ketaclinic.links
    from tests.intake.test_spanish import po_entries

    source = Path(ketaclinic.links.__file__).parent / "locale/es/LC_MESSAGES/django.po"
    entries = po_entries(source)
    assert len(entries) > 20
    with translation.override("es"):
        for _context, msgid, _plural, strs in entries:
            assert all(strs), f"untranslated: {msgid!r}"
            assert translation.gettext(msgid) == strs[0], msgid
