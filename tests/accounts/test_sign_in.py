from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from tests.conftest import PASSWORD, client_for

Action = AuditEvent.Action


def sign_in(client: Client, username: str, password: str):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}
    )


def test_it_signs_in_and_lands_on_todays_infusion_board(world):
    client = Client()
    response = sign_in(client, "nurse", PASSWORD)
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse(
        "infusions:board"
    )
    assert AuditEvent.objects.filter(action=Action.SIGN_IN, username="nurse").exists()


def test_it_records_a_failed_sign_in_with_the_name_tried(world):
    client = Client()
    response = sign_in(client, "nurse", "wrong password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert AuditEvent.objects.filter(
        action=Action.SIGN_IN_FAILED, username="nurse"
    ).exists()
    sign_in(client, "nobody-like-this", "x")
    assert AuditEvent.objects.filter(
        action=Action.SIGN_IN_FAILED, username="nobody-like-this"
    ).exists()


def test_it_locks_the_account_after_repeated_failures(world, settings):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    for _ in range(limit):
        sign_in(client, "nurse", "wrong password")
    response = sign_in(client, "nurse", PASSWORD)  # even the right password
    assert response.status_code == 429
    assert "Sign-in paused" in response.text
    assert AuditEvent.objects.filter(
        action=Action.LOCKED_OUT, username="nurse"
    ).exists()
    # Another account from the same address is not locked out.
    assert sign_in(Client(), "provider", PASSWORD).status_code == 302


def test_it_signs_out_and_records_it(world):
    client = client_for(world.staff["nurse"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("patients:list")).status_code == 302
    assert AuditEvent.objects.filter(action=Action.SIGN_OUT, username="nurse").exists()


def test_it_changes_the_password(world):
    client = client_for(world.staff["nurse"])
    new = "a much longer new passphrase"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    world.staff["nurse"].refresh_from_db()
    assert world.staff["nurse"].check_password(new)
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGED).exists()


@pytest.mark.parametrize("weak", ["short", "password1234", "123456789012"])
def test_it_refuses_a_weak_new_password(world, weak):
    client = client_for(world.staff["nurse"])
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert 'class="error"' in response.text
    world.staff["nurse"].refresh_from_db()
    assert world.staff["nurse"].check_password(PASSWORD)


def test_passwords_are_hashed_with_argon2():
    from django.conf import settings

    # The test world uses a fast hasher; the product's first choice is argon2.
    from ketaclinic import settings as product

    assert product.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "accounts.User"
