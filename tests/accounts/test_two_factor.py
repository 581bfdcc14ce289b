from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.audit.models import AuditEvent
from tests.conftest import PASSWORD


def code_for(device: TOTPDevice) -> str:
    """The code the staff member's authenticator app shows right now."""
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{token:0{device.digits}d}"


@pytest.fixture
def required(settings):
    settings.KETACLINIC_2FA = "required"


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ["provider", "admin"])
def test_it_makes_providers_and_admins_enrol_before_any_page(world, required, role):
    client = signed_in(role)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))
    assert client.get(reverse("accounts:otp")).url == reverse("accounts:otp_enrol")
    api = client.get(reverse("api:patient_search") + "?q=lov")
    assert api.status_code == 401


def test_it_lets_a_nurse_through_without_a_second_factor(world, required):
    client = signed_in("nurse")
    assert client.get(reverse("patients:list")).status_code == 200


def test_enrolment_with_a_right_code_opens_the_chart(world, required):
    client = signed_in("provider")
    page = client.get(reverse("accounts:otp_enrol"))
    assert page.status_code == 200
    assert "<svg" in page.text
    device = TOTPDevice.objects.get(user=world.staff["provider"], confirmed=False)
    response = client.post(
        reverse("accounts:otp_enrol"), {"password": PASSWORD, "token": code_for(device)}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(action="otp_enrolled").exists()


def test_next_sign_in_asks_for_the_code_and_records_a_wrong_one(world, required):
    device = TOTPDevice.objects.create(
        user=world.staff["provider"], name="app", confirmed=True
    )
    client = signed_in("provider")
    assert client.get(reverse("patients:list")).status_code == 302
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = client.post(reverse("accounts:otp"), {"token": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert AuditEvent.objects.filter(action="otp_failed", username="provider").exists()
    assert client.get(reverse("patients:list")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(reverse("accounts:otp"), {"token": code_for(device)})
    assert response.status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200


@pytest.mark.parametrize("token", ["", "12345", "abcdef", "1234567", "12 456"])
def test_it_refuses_malformed_codes_beside_the_field(world, required, token):
    TOTPDevice.objects.create(user=world.staff["provider"], name="app", confirmed=True)
    client = signed_in("provider")
    response = client.post(reverse("accounts:otp"), {"token": token})
    assert response.status_code == 200
    assert 'class="error"' in response.text


def test_optional_mode_offers_but_does_not_force(world):
    client = signed_in("provider")
    assert client.get(reverse("patients:list")).status_code == 200
    assert "Set it up" in client.get(reverse("accounts:account")).text


def test_admin_site_needs_the_second_factor_too(world, required):
    client = signed_in("admin")
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:otp"))


STAFF_PAGES_BEFORE_THE_SECOND_FACTOR = [
    "accounts:password_change",
    "accounts:account",
    "accounts:location_switch",
    "patients:list",
    "audit:log",
    "home",
]


@pytest.mark.parametrize("name", STAFF_PAGES_BEFORE_THE_SECOND_FACTOR)
def test_nothing_but_enrolment_is_reachable_before_the_second_factor(
    world, required, name
):
    client = signed_in("provider")
    for method in (client.get, client.post):
        response = method(reverse(name))
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("accounts:otp"))


def test_the_password_cannot_be_changed_before_the_second_factor(world, required):
    client = signed_in("provider")
    new = "a much longer new passphrase"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))
    world.staff["provider"].refresh_from_db()
    assert world.staff["provider"].check_password(PASSWORD)
    # Enrolment and sign-out stay open.
    assert client.get(reverse("accounts:otp_enrol")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_enrolment_asks_for_the_password_again(world, required):
    client = signed_in("provider")
    client.get(reverse("accounts:otp_enrol"))
    device = TOTPDevice.objects.get(user=world.staff["provider"], confirmed=False)
    for password in ("", "not the password"):
        response = client.post(
            reverse("accounts:otp_enrol"),
            {"password": password, "token": code_for(device)},
        )
        assert response.status_code == 200
        assert 'class="error"' in response.text
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("patients:list")).status_code == 302
    assert AuditEvent.objects.filter(
        action="otp_failed", summary="enrolment: password"
    ).exists()
