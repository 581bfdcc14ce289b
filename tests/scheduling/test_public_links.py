"""The pages patients open from their reminders: confirm with the pre-visit
questions, cancel, take a waitlist offer; and every bad link gets a plain
page that changes nothing and reveals nothing."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.links import tokens as links
from ketaclinic.scheduling.models import Appointment, WaitlistEntry
from tests.notifications.helpers import (
    infusion_type,
    make_visit,
    open_all_week,
    soon,
)

Status = Appointment.Status
GOOD_ANSWERS = {
    "q-escort_name": "Sam Smith",
    "q-escort_phone": "(303) 555-0111",
    "q-stop_eating": "6:30 AM",
}


@pytest.fixture
def visit(world):
    return make_visit(world.patient, soon(days=3))


def visit_token(appointment, purpose: str) -> str:
    return links.token(
        links.Purpose(purpose), appointment.uuid, version=appointment.starts_at
    )


def confirm_url(appointment) -> str:
    return reverse("visit:confirm", args=[visit_token(appointment, "confirm")])


def cancel_url(appointment) -> str:
    return reverse("visit:cancel", args=[visit_token(appointment, "cancel")])


def unchanged(appointment, status=Status.BOOKED) -> bool:
    fresh = Appointment.objects.get(pk=appointment.pk)
    return fresh.status == status and fresh.answers == appointment.answers


# --- Confirm ---------------------------------------------------------------------


def test_the_confirm_page_shows_the_visit_its_instructions_and_questions(visit):
    response = Client().get(confirm_url(visit))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ketamine infusion" in page
    assert "Home clinic" in page
    assert "No driving or heavy machinery for 24 hours." in page
    assert "Your escort&#x27;s name" in page
    assert 'type="tel"' in page and 'type="time"' in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert unchanged(visit)  # opening the link changes nothing


def test_confirming_stores_the_answers_and_confirms_the_visit(visit):
    url = confirm_url(visit)
    response = Client().post(url, GOOD_ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == f"{url}?done=1"
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED
    assert visit.answers == {
        "escort_name": "Sam Smith",
        "escort_phone": "+13035550111",
        "stop_eating": "06:30",
    }
    events = AuditEvent.objects.filter(object_id=str(visit.pk))
    assert events.filter(
        username="patient (private link)", channel="patient_link"
    ).exists()
    assert any("Confirmed" in event.summary for event in events)

    page = Client().get(f"{url}?done=1").content.decode()
    assert "Thank you: your visit is confirmed." in page
    assert 'value="Sam Smith"' in page
    assert 'value="(303) 555-0111"' in page


def test_bad_answers_are_asked_again_beside_their_field(visit):
    answers = {**GOOD_ANSWERS, "q-escort_phone": "call my mum", "q-stop_eating": ""}
    response = Client().post(confirm_url(visit), answers)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_q-escort_phone_error"' in page
    assert "Enter a phone number we can call" in page
    assert 'id="id_q-stop_eating_error"' in page
    assert 'value="Sam Smith"' in page  # what was right is kept
    assert "Nothing was saved" in page
    assert unchanged(visit)


def test_a_nonsense_time_is_refused(visit):
    response = Client().post(
        confirm_url(visit), {**GOOD_ANSWERS, "q-stop_eating": "25:99"}
    )
    assert "Enter a time such as 07:30" in response.content.decode()
    assert unchanged(visit)


def test_a_confirmed_visit_can_change_its_answers(visit):
    Client().post(confirm_url(visit), GOOD_ANSWERS)
    visit.refresh_from_db()
    response = Client().post(
        confirm_url(visit), {**GOOD_ANSWERS, "q-escort_name": "Jo Smith"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED
    assert visit.answers["escort_name"] == "Jo Smith"


def test_a_type_without_questions_confirms_with_one_button(world):
    kind = infusion_type(code="consult", kind="consultation", questions=[])
    visit = make_visit(world.patient, soon(days=3), kind=kind)
    assert Client().post(confirm_url(visit), {}).status_code == 302
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED


def test_malformed_questions_in_the_configuration_are_skipped(world):
    kind = infusion_type(
        code="odd",
        questions=[{"label": "no key"}, "text", {"key": "a b", "label": "x"}, 3],
    )
    visit = make_visit(world.patient, soon(days=3), kind=kind)
    assert Client().get(confirm_url(visit)).status_code == 200
    assert Client().post(confirm_url(visit), {}).status_code == 302


# --- Cancel ----------------------------------------------------------------------


def test_opening_the_cancel_link_asks_first_and_changes_nothing(visit):
    response = Client().get(cancel_url(visit))
    assert response.status_code == 200
    assert "Cancel your visit?" in response.content.decode()
    assert unchanged(visit)


def test_cancelling_through_the_link_cancels_with_its_reason(world):
    chair = open_all_week(world.home)
    visit = make_visit(world.patient, soon(days=3), resource=chair)
    url = cancel_url(visit)
    response = Client().post(url)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Status.CANCELLED
    assert visit.status_reason == "cancelled by patient via link"
    assert not visit.allocations.filter(active=True).exists()
    page = Client().get(url)
    assert page.status_code == 200
    assert "Your visit is cancelled" in page.content.decode()
    assert Client().post(url).status_code == 200  # a second click is harmless


def test_a_checked_in_visit_cannot_be_cancelled_online(world):
    visit = make_visit(world.patient, soon(days=3), status=Status.CHECKED_IN)
    response = Client().post(cancel_url(visit))
    assert response.status_code == 410
    assert unchanged(visit, Status.CHECKED_IN)


# --- Bad links ---------------------------------------------------------------------


def assert_plain_problem(response, status: int, words: str) -> None:
    assert response.status_code == status
    # The header is the clinic's public name, the same for every visitor.
    page = response.content.decode().split("</header>", 1)[1]
    assert words in page
    for secret in ("Ada", "Lovelace", "Ketamine infusion", "Home clinic", "escort"):
        assert secret not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_gets_a_plain_page_and_changes_nothing(visit, method):
    long_ago = time.time() - 31 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        url = confirm_url(visit)
    response = getattr(Client(), method)(url, GOOD_ANSWERS)
    assert_plain_problem(response, 410, "This link has expired")
    assert unchanged(visit)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_altered_link_gets_a_plain_page_and_changes_nothing(visit, method):
    token = visit_token(visit, "cancel")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = getattr(Client(), method)(reverse("visit:cancel", args=[altered]))
    assert_plain_problem(response, 400, "This link does not work")
    assert unchanged(visit)


def test_a_link_bent_to_another_visit_does_not_work(world, visit):
    other = make_visit(world.patient, soon(days=4))
    token = visit_token(visit, "cancel").replace(str(visit.uuid), str(other.uuid))
    response = Client().post(reverse("visit:cancel", args=[token]))
    assert_plain_problem(response, 400, "This link does not work")
    assert unchanged(visit) and unchanged(other)


def test_a_confirm_link_cannot_cancel(visit):
    token = visit_token(visit, "confirm")
    response = Client().post(reverse("visit:cancel", args=[token]))
    assert_plain_problem(response, 400, "This link does not work")
    assert unchanged(visit)


def test_a_link_from_before_the_visit_moved_no_longer_acts(visit):
    url = cancel_url(visit)
    Appointment.objects.filter(pk=visit.pk).update(
        starts_at=visit.starts_at + timedelta(hours=2),
        ends_at=visit.ends_at + timedelta(hours=2),
    )
    response = Client().post(url)
    assert_plain_problem(response, 410, "Your visit has changed")
    assert unchanged(visit)


def test_a_cancelled_visit_cannot_be_confirmed(visit):
    url = confirm_url(visit)
    Appointment.objects.filter(pk=visit.pk).update(status=Status.CANCELLED)
    response = Client().post(url, GOOD_ANSWERS)
    assert_plain_problem(response, 410, "This visit was cancelled")
    assert unchanged(visit, Status.CANCELLED)


def test_a_past_visit_cannot_be_changed(world):
    visit = make_visit(world.patient, soon(days=-1))
    assert_plain_problem(Client().post(cancel_url(visit)), 410, "no longer be changed")
    assert unchanged(visit)


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "::",
        "a:b:c",
        "%00",
        "not-a-uuid.123:1abc:sig",
        "é" * 300,
        "12345678-1234-5678-1234-567812345678.99999999999999999999:1:x",
    ],
)
@pytest.mark.parametrize("name", ["visit:confirm", "visit:cancel", "visit:offer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_token_makes_a_server_error(db, token, name, method):
    response = getattr(Client(), method)(reverse(name, args=[token]))
    assert response.status_code == 400


def test_a_signed_value_that_is_not_a_visit_is_refused(db):
    token = links.token(links.Purpose.VISIT_CONFIRM, "not-a-uuid", version=soon(days=1))
    response = Client().get(reverse("visit:confirm", args=[token]))
    assert response.status_code == 400


# --- Waitlist offer ------------------------------------------------------------------


@pytest.fixture
def offer(world):
    open_all_week(world.home)
    return WaitlistEntry.objects.create(
        patient=world.patient,
        location=world.home,
        type=infusion_type(),
        earliest=soon(1).date(),
        latest=soon(10).date(),
        status=WaitlistEntry.Status.OFFERED,
        offered_start=soon(4),
    )


def offer_url(entry) -> str:
    return reverse(
        "visit:offer",
        args=[
            links.token(
                links.Purpose.WAITLIST_OFFER, entry.pk, version=entry.offered_start
            )
        ],
    )


def test_the_offer_page_shows_the_time_and_books_it(offer):
    url = offer_url(offer)
    page = Client().get(url)
    assert page.status_code == 200
    assert "Book this time" in page.content.decode()
    assert not Appointment.objects.exists()

    response = Client().post(url)
    assert response.status_code == 302
    visit = Appointment.objects.get()
    assert response["Location"] == f"{url}?booked={visit.uuid}"
    assert (visit.patient, visit.starts_at) == (offer.patient, offer.offered_start)
    offer.refresh_from_db()
    assert offer.status == WaitlistEntry.Status.BOOKED
    done = Client().get(response["Location"])
    assert done.status_code == 200
    assert "You are booked" in done.content.decode()
    # The offer is taken: the link books nothing more.
    assert Client().post(url).status_code == 410
    assert Appointment.objects.count() == 1


def test_a_taken_offer_shows_the_free_times_kindly_and_books_one(world, offer):
    chair = world.home.resources.get()
    make_visit(world.foreign_patient, offer.offered_start, resource=chair)
    url = offer_url(offer)
    response = Client().post(url)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Sorry: that time could not be booked." in page
    assert page.count('name="starts_at"') >= 1
    offer.refresh_from_db()
    assert offer.status == WaitlistEntry.Status.OFFERED  # still theirs to use

    choice = response.context["alternatives"][0][0]
    booked = Client().post(url, {"starts_at": choice})
    assert booked.status_code == 302
    visit = Appointment.objects.get(patient=world.patient)
    assert visit.starts_at.isoformat() == choice


@pytest.mark.parametrize("choice", ["soon", "2020-01-01T10:00:00+00:00", "2030-01-01"])
def test_a_made_up_time_is_refused(offer, choice):
    response = Client().post(offer_url(offer), {"starts_at": choice})
    assert response.status_code == 400
    assert not Appointment.objects.exists()
    offer.refresh_from_db()
    assert offer.status == WaitlistEntry.Status.OFFERED


def test_an_offer_no_longer_open_gets_a_plain_page(offer):
    url = offer_url(offer)
    WaitlistEntry.objects.filter(pk=offer.pk).update(status="waiting")
    assert_plain_problem(Client().post(url), 410, "no longer on offer")
    assert not Appointment.objects.exists()


def test_an_offer_link_for_an_earlier_offer_does_not_book(offer):
    url = offer_url(offer)
    WaitlistEntry.objects.filter(pk=offer.pk).update(
        offered_start=offer.offered_start + timedelta(days=1)
    )
    assert_plain_problem(Client().post(url), 410, "no longer on offer")
    assert not Appointment.objects.exists()


def test_a_booked_page_shows_nothing_for_another_patients_visit(world, offer):
    url = offer_url(offer)
    Client().post(url)
    stranger_visit = make_visit(world.foreign_patient, soon(days=6))
    response = Client().get(f"{url}?booked={stranger_visit.uuid}")
    assert_plain_problem(response, 410, "no longer on offer")
