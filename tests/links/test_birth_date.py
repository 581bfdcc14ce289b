"""Security: a private link that shows health information (intake,
questionnaires) opens only after the patient's date of birth, in that browser
session only; wrong answers are counted in the database and lock the link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake import services
from ketaclinic.intake.models import Intake, QuestionnaireRequest
from ketaclinic.links import tokens as links
from ketaclinic.links.models import BirthDateGuard
from tests.links.helpers import holder
from tests.notifications.helpers import make_visit, soon

RIGHT = {"link_birth_date": "1980-05-17"}  # world.patient's
WRONG = {"link_birth_date": "1980-05-18"}


@pytest.fixture
def intake_url(world):
    intake = services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=world.patient
    )
    return reverse(
        "intake_public:intake", args=[links.token(links.Purpose.INTAKE, intake.uuid)]
    )


@pytest.fixture
def questionnaire_url(world):
    row = QuestionnaireRequest.objects.create(
        patient=world.patient, instruments=["phq9"]
    )
    token = links.token(links.Purpose.QUESTIONNAIRE, row.uuid)
    return reverse("intake_public:questionnaire", args=[token])


def shows_nothing_of_the_patient(text: str) -> bool:
    return not any(
        secret in text
        for secret in (
            "Ada",
            "Lovelace",
            "1980-05-17",
            "Home clinic",
            "About you",
            "PHQ-9",
        )
    )


@pytest.mark.parametrize("which", ["intake_url", "questionnaire_url"])
def test_a_health_link_asks_for_the_date_of_birth_first(request, which):
    url = request.getfixturevalue(which)
    page = Client().get(url)
    assert page.status_code == 200
    assert "Please confirm it is you" in page.text
    assert shows_nothing_of_the_patient(page.text)
    assert not AuditEvent.objects.filter(summary="Intake link opened").exists()


@pytest.mark.parametrize("which", ["intake_url", "questionnaire_url"])
def test_the_right_date_opens_it_in_this_browser_session_only(request, which):
    url = request.getfixturevalue(which)
    browser = Client()
    answered = browser.post(url, RIGHT)
    assert answered.status_code == 302 and answered["Location"] == url
    assert "Please confirm it is you" not in browser.get(url).text
    assert "Please confirm it is you" not in browser.get(url).text  # remembered
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # ends with the browser
    assert "Please confirm it is you" in Client().get(url).text  # another browser


def test_a_typed_date_is_read_in_the_pages_language(world, intake_url):
    assert (
        Client().post(intake_url, {"link_birth_date": "05/17/1980"}).status_code == 302
    )


def test_a_wrong_date_says_so_next_to_the_field_and_opens_nothing(intake_url):
    page = Client().post(intake_url, WRONG)
    assert page.status_code == 400
    assert "That is not the date of birth we have" in page.text
    assert shows_nothing_of_the_patient(page.text)


def test_a_step_sent_without_the_date_of_birth_changes_nothing(world, intake_url):
    response = Client().post(
        f"{intake_url}?step=about",
        {
            "treated_for": ["depression"],
            "phone": "303-555-0142",
            "details_correct": "yes",
        },
    )
    assert response.status_code == 403
    assert Intake.objects.get().answers == {}


def test_five_wrong_dates_lock_the_link_for_every_browser(world, intake_url):
    # Each guess from a new browser: the count is the link's, kept in the database.
    for _ in range(settings.KETACLINIC_LINK_BIRTH_DATE_ATTEMPTS - 1):
        assert Client().post(intake_url, WRONG).status_code == 400
    locked = Client().post(intake_url, WRONG)
    assert locked.status_code == 429
    assert "This link is locked for now" in locked.text
    assert shows_nothing_of_the_patient(locked.text)
    tries = AuditEvent.objects.filter(patient=world.patient, summary__contains="birth")
    assert tries.filter(action="denied").count() == 4
    assert tries.filter(action="locked_out").count() == 1
    assert Client().post(intake_url, RIGHT).status_code == 429  # even the right one
    assert Client().get(intake_url).status_code == 429
    # After the lock has run out, the right date opens it.
    BirthDateGuard.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    holder(intake_url, world.patient)


def test_a_right_date_clears_the_wrong_ones_before_it(world, intake_url):
    for _ in range(settings.KETACLINIC_LINK_BIRTH_DATE_ATTEMPTS - 1):
        Client().post(intake_url, WRONG)
    holder(intake_url, world.patient)
    assert Client().post(intake_url, WRONG).status_code == 400  # not locked


def test_booking_and_visit_links_show_no_health_information_and_do_not_ask(world):
    visit = make_visit(world.patient, soon(days=3))
    token = links.token(
        links.Purpose.VISIT_CONFIRM, visit.uuid, version=visit.starts_at
    )
    page = Client().get(reverse("visit:confirm", args=[token]))
    assert page.status_code == 200 and "Please confirm it is you" not in page.text


def test_the_session_gets_a_new_key_once_the_date_of_birth_is_right(intake_url):
    browser = Client()
    browser.get(intake_url)
    browser.session.save()
    before = browser.session.session_key
    browser.post(intake_url, RIGHT)
    assert browser.session.session_key != before
