"""Opening a private link as its patient does."""

from __future__ import annotations

from django.test import Client


def holder(url: str, patient, client: Client | None = None) -> Client:
    """A browser that opened the link `url` and gave `patient`'s date of birth."""
    client = client or Client()
    answer = client.post(url, {"link_birth_date": patient.date_of_birth.isoformat()})
    assert answer.status_code == 302, answer.status_code
    return client
