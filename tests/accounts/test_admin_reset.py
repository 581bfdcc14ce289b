"""An administrator never sees an authenticator's secret; setting someone's
password or resetting their second factor makes them enrol again and choose a
new password at their next sign-in, is audited, and tells them by email."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.audit.models import AuditEvent
from ketaclinic.notifications.models import OutboundMessage
from tests.accounts.test_two_factor import code_for
from tests.conftest import PASSWORD, client_for

NEW = "a password the administrator chose"


@pytest.fixture
def provider(world):
    user = world.staff["provider"]
    user.email = "provider@clinic.example"
    user.save()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def test_authenticator_secrets_are_not_in_the_admin(world, provider, settings):
    admin = client_for(world.staff["admin"])
    assert settings.OTP_ADMIN_HIDE_SENSITIVE_DATA is True
    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404
    page = admin.get(reverse("admin:accounts_user_change", args=[provider.pk]))
    assert page.status_code == 200
    key = TOTPDevice.objects.get(user=provider).key
    assert key not in page.text


def set_password(admin: Client, user) -> None:
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])


def test_a_password_set_by_an_administrator_is_renewed_at_next_sign_in(
    world, provider, settings
):
    set_password(client_for(world.staff["admin"]), provider)
    settings.KETACLINIC_2FA = "required"
    provider.refresh_from_db()
    assert provider.check_password(NEW)
    assert not TOTPDevice.objects.filter(user=provider).exists()
    event = AuditEvent.objects.get(actor=world.staff["admin"], action="update")
    assert "Reset the password of provider" in event.summary
    email = OutboundMessage.objects.get(purpose="staff_reset")
    assert email.to == "provider@clinic.example"
    assert "reset the password" in email.body_text

    client = Client()
    client.post(reverse("accounts:login"), {"username": "provider", "password": NEW})
    assert client.get(reverse("patients:list"))["Location"].startswith(
        reverse("accounts:otp")
    )
    client.get(reverse("accounts:otp_enrol"))
    device = TOTPDevice.objects.get(user=provider, confirmed=False)
    client.post(
        reverse("accounts:otp_enrol"), {"password": NEW, "token": code_for(device)}
    )
    # The second factor is new; the password must be too, before anything else.
    response = client.get(reverse("patients:list"))
    assert response["Location"].startswith(reverse("accounts:password_change"))
    page = client.get(reverse("accounts:password_change"))
    assert "An administrator set your password" in page.text
    mine = "my own long passphrase again"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": NEW, "new_password1": mine, "new_password2": mine},
    )
    assert client.get(reverse("patients:list")).status_code == 200


def test_an_administrator_resets_a_second_factor(world, provider):
    admin = client_for(world.staff["admin"])
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [provider.pk]},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.must_enrol_second_factor and provider.must_change_password
    assert not TOTPDevice.objects.filter(user=provider).exists()
    assert OutboundMessage.objects.filter(
        purpose="staff_reset", to=provider.email
    ).exists()
    assert AuditEvent.objects.filter(
        summary__startswith="Reset the second factor of provider"
    ).exists()
    # Even where two-factor sign-in is optional, they must enrol again.
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "provider", "password": PASSWORD}
    )
    assert client.get(reverse("patients:list"))["Location"].startswith(
        reverse("accounts:otp")
    )


def test_an_administrator_changing_their_own_password_is_not_reset(world):
    admin_user = world.staff["admin"]
    set_password(client_for(admin_user), admin_user)
    admin_user.refresh_from_db()
    assert not admin_user.must_change_password
    assert not OutboundMessage.objects.filter(purpose="staff_reset").exists()
