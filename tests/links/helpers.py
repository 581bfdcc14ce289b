"""Opening a private link as its patient does, and many at once."""

from __future__ import annotations

import threading

from django.db import connection
from django.test import Client


def holder(url: str, patient, client: Client | None = None) -> Client:
    """A browser that opened the link `url` and gave `patient`'s date of birth."""
    client = client or Client()
    answer = client.post(url, {"link_birth_date": patient.date_of_birth.isoformat()})
    assert answer.status_code == 302, answer.status_code
    return client


def race(count: int, action) -> list:
    """Run action(i) for i in range(count) in as many threads, released at the
    same moment; each thread has its own database connection. Returns what each
    returned (or the exception it raised), in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = action(i)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def browsers(count: int) -> list[Client]:
    """Separate browsers; a server error is answered, not raised."""
    return [Client(raise_request_exception=False) for _ in range(count)]
