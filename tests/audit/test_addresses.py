"""The client's address, read past the configured number of trusted proxies,
is the one the audit trail, the sign-in lockout and the rate limits use."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from ketaclinic.audit.actor import client_address
from ketaclinic.audit.models import AuditEvent


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "", "203.0.113.7"),
        (0, "10.0.0.2", "203.0.113.7", "10.0.0.2"),  # header not trusted
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "192.0.2.1, 203.0.113.7", "203.0.113.7"),  # forged left
        (2, "10.0.0.3", "192.0.2.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "10.0.0.3", "203.0.113.7", "203.0.113.7"),  # fewer entries
        (1, "10.0.0.2", "", "10.0.0.2"),  # no header
        (1, "10.0.0.2", "not an address", "10.0.0.2"),
        (1, "10.0.0.2", " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_it_reads_the_client_past_the_trusted_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.KETACLINIC_TRUSTED_PROXIES = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_address(request) == expected


def test_the_audit_trail_records_the_client_behind_the_proxy(world, settings):
    settings.KETACLINIC_TRUSTED_PROXIES = 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    client.post(reverse("accounts:login"), {"username": "nurse", "password": "x"})
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.ip == "203.0.113.7"
