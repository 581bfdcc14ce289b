"""Lockout by username and address, by address, and by username; the page a
locked-out person sees; a manager unlocks staff of their locations."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from tests.conftest import PASSWORD, client_for


def sign_in(username: str, password: str, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        reverse("accounts:login"), {"username": username, "password": password}
    )


def fail(username: str, times: int, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        sign_in(username, "wrong password", address)


def test_a_stranger_elsewhere_does_not_lock_a_colleague_out(world, settings):
    fail("nurse", settings.AXES_FAILURE_LIMIT, address="198.51.100.66")
    assert sign_in("nurse", PASSWORD, "198.51.100.66").status_code == 429
    # At the clinic's own address the nurse still signs in.
    assert sign_in("nurse", PASSWORD, "203.0.113.10").status_code == 302


def test_guessing_across_many_usernames_is_paused_by_address(world, settings):
    settings.KETACLINIC_LOCKOUT_ADDRESS_ATTEMPTS = 6
    for n in range(6):
        sign_in(f"guess{n}", "wrong password", "198.51.100.66")
    assert sign_in("provider", PASSWORD, "198.51.100.66").status_code == 429
    assert sign_in("provider", PASSWORD, "203.0.113.10").status_code == 302


def test_guessing_one_account_from_many_addresses_is_paused(world, settings):
    settings.KETACLINIC_LOCKOUT_ACCOUNT_ATTEMPTS = 6
    for n in range(6):
        sign_in("manager", "wrong password", f"198.51.100.{n + 1}")
    assert sign_in("manager", PASSWORD, "203.0.113.10").status_code == 429


def test_the_lockout_page_says_how_long_in_plain_words(world, settings):
    fail("nurse", settings.AXES_FAILURE_LIMIT)
    page = sign_in("nurse", PASSWORD)
    assert page.status_code == 429
    assert "Try again in 15 minutes." in page.text
    assert "PT15M" not in page.text
    assert "ask a clinic manager" in page.text
    assert f'href="{reverse("accounts:login")}"' in page.text


def test_a_manager_unlocks_a_locked_out_colleague(world, settings):
    fail("nurse", settings.AXES_FAILURE_LIMIT)
    fail("stranger", settings.AXES_FAILURE_LIMIT)  # another location's nurse
    manager = client_for(world.staff["manager"])
    page = manager.get(reverse("accounts:lockouts"))
    assert page.status_code == 200
    assert "Nurse" in page.text and "stranger" not in page.text
    refused = manager.post(reverse("accounts:lockouts"), {"username": "stranger"})
    assert refused.status_code == 302
    assert sign_in("stranger", PASSWORD).status_code == 429
    manager.post(reverse("accounts:lockouts"), {"username": "nurse"})
    assert sign_in("nurse", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(summary="Unlocked the sign-in of nurse")
    assert event.actor == world.staff["manager"]
    assert "Nobody at your locations" in manager.get(reverse("accounts:lockouts")).text


def test_only_managers_and_administrators_unlock(world):
    for role in ("front_desk", "nurse", "provider"):
        response = client_for(world.staff[role]).get(reverse("accounts:lockouts"))
        assert response.status_code == 403
