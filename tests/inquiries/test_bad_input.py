"""Bad input and abuse: a table of bad values, each with its clear message and
nothing saved; size limits; the per-address rate limit kept in the database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from ketaclinic.inquiries.models import Inquiry, RateCounter
from ketaclinic.notifications.models import OutboundMessage
from tests.inquiries.helpers import form_data

URL = "/get-started/"

BAD = [
    # (field, value, the message shown beside it)
    ("first_name", "", "This field is required."),
    ("first_name", "   ", "This field is required."),
    ("first_name", "12345", "A name needs at least one letter."),
    ("first_name", "R" * 81, "Ensure this value has at most 80 characters"),
    ("last_name", "", "This field is required."),
    ("last_name", "!!!", "A name needs at least one letter."),
    ("last_name", "Parkes\u202esekrap", "invisible control or direction"),
    ("first_name", "Ro\u2066sa", "invisible control or direction"),
    ("first_name", "Rosa \U0001f338", "no emoji or other symbols"),
    ("email", "", "This field is required."),
    ("email", "rosa", "Enter an email address such as name@example.com."),
    ("email", "rosa@", "Enter an email address such as name@example.com."),
    ("email", "rosa@example", "Enter an email address such as name@example.com."),
    ("email", "a" * 250 + "@example.com", "Ensure this value has at most 254"),
    ("phone", "", "This field is required."),
    ("phone", "12", "Enter a phone number we can call, e.g. (303) 555-0142."),
    ("phone", "555-CALL-NOW", "Enter a phone number we can call"),
    ("phone", "(303) 555-01", "Enter a phone number we can call"),
    ("phone", "(303) 555-0142 ext 12", "without an extension"),
    ("phone", "+1 303 555 0142" + " 9" * 10, "Ensure this value has at most 30"),
    ("preferred_contact", "pigeon", "Select a valid choice."),
    ("preferred_time", "midnight", "Select a valid choice."),
    ("conditions", None, "Choose at least one."),
    ("conditions", ["flu"], "Select a valid choice. flu is not one of"),
    ("antidepressants", "7", "Select a valid choice."),
    ("heard_from", "tv", "Select a valid choice."),
    ("message", "x" * 2001, "Ensure this value has at most 2000 characters"),
    ("crisis", None, "Please answer this question."),
    ("crisis", "maybe", "Select a valid choice."),
    ("consent", None, "We can only answer if you agree to this."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_a_bad_value_gets_a_clear_message_and_nothing_is_saved(
    client, world, clinic, field, value, message
):
    response = client.post(URL, form_data(**{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert any(message in error for error in errors[field]), errors[field]
    page = response.content.decode()
    assert "Nothing was sent yet." in page
    assert not Inquiry.objects.exists()
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("(303) 555-0142", "+13035550142"),
        ("303.555.0142", "+13035550142"),
        ("+1 303 555 0142", "+13035550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+52 55 1234 5678", "+525512345678"),
    ],
)
def test_phones_are_read_in_every_common_form(client, world, clinic, phone, e164):
    client.post(URL, form_data(phone=phone))
    assert Inquiry.objects.get().phone == e164


def test_a_post_larger_than_django_allows_is_refused(client, world, clinic, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(URL, form_data(message="x" * 20_000))
    assert response.status_code == 400
    assert not Inquiry.objects.exists()


def test_too_many_forms_from_one_address_are_refused(world, clinic, settings):
    settings.KETACLINIC_INQUIRY_RATE_PER_HOUR = 3
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        response = visitor.post(URL, form_data(email=f"r{n}@example.com"))
        assert response.status_code == 302
    refused = visitor.post(URL, form_data(email="r9@example.com"))
    assert refused.status_code == 429
    assert "Please try again later" in refused.content.decode()
    assert "988" in refused.content.decode()  # crisis help is never withheld
    assert Inquiry.objects.count() == 1  # the three joined by phone; the 4th: none
    # Another address is not affected, and no address is stored in clear.
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.post(URL, form_data()).status_code == 302
    assert not RateCounter.objects.filter(key__contains="203.0.113.7").exists()


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_is_shared_by_every_app_server(world, clinic, settings):
    """Counts live in the database: a post through another connection (as
    from a second app server) sees the posts made through this one."""
    settings.KETACLINIC_INQUIRY_RATE_PER_HOUR = 2
    here = Client(REMOTE_ADDR="203.0.113.9")
    assert here.post(URL, form_data(email="a@example.com")).status_code == 302
    assert here.post(URL, form_data(email="b@example.com")).status_code == 302
    answers = []

    def elsewhere():
        try:
            there = Client(REMOTE_ADDR="203.0.113.9")
            answers.append(there.post(URL, form_data(email="c@example.com")))
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(timeout=60)
    assert [a.status_code for a in answers] == [429]


def test_behind_trusted_proxies_each_visitor_has_their_own_limit(
    world, clinic, settings
):
    """Behind the reverse proxy every request connects from the proxy; the
    limit follows the address the proxy saw, so one visitor's forms never
    block another's."""
    settings.KETACLINIC_INQUIRY_RATE_PER_HOUR = 2
    settings.KETACLINIC_TRUSTED_PROXIES = 1

    def behind_proxy(address: str, forged: str = "") -> Client:
        chain = f"{forged}, {address}" if forged else address
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=chain)

    first = behind_proxy("203.0.113.7")
    for n in range(2):
        assert first.post(URL, form_data(email=f"r{n}@example.com")).status_code == 302
    assert first.post(URL, form_data(email="r3@example.com")).status_code == 429
    # A forged left-hand entry does not give the same visitor a fresh limit.
    forged = behind_proxy("203.0.113.7", forged="192.0.2.99")
    assert forged.post(URL, form_data(email="r4@example.com")).status_code == 429
    # Another visitor behind the same proxy still gets through.
    other = behind_proxy("198.51.100.4")
    response = other.post(URL, form_data(email="x@example.com", phone="3035550100"))
    assert response.status_code == 302


def test_only_accepted_forms_count_toward_the_limit(client, world, clinic, settings):
    settings.KETACLINIC_INQUIRY_RATE_PER_HOUR = 2
    for _ in range(5):
        assert client.post(URL, form_data(email="rosa@")).status_code == 400
        assert client.post(URL, form_data(website="spam")).status_code == 302
    assert client.post(URL, form_data()).status_code == 302
    assert Inquiry.objects.count() == 1


def test_the_refusal_shows_crisis_help_and_the_clinic_phone(world, clinic, settings):
    settings.KETACLINIC_INQUIRY_RATE_PER_HOUR = 1
    world.home.phone = "+13035550100"
    world.home.save()
    visitor = Client(REMOTE_ADDR="203.0.113.8")
    assert visitor.post(URL, form_data()).status_code == 302
    refused = visitor.post(URL, form_data(crisis="yes"))
    assert refused.status_code == 429
    page = refused.content.decode()
    assert 'href="tel:988"' in page
    assert 'href="tel:911"' in page
    assert "(303) 555-0100" in page
