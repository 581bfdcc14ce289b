"""Nurses press "Start" on the same infusion at the same moment, through real
HTTP requests to a live server: the infusion starts once, every request is
answered without a server error. Runs on SQLite and, with DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from ketaclinic.infusions.models import PumpEvent, Session
from tests.conftest import make_staff
from tests.infusions.checks_helpers import ready_and_drawn
from tests.scheduling.test_contention import post, session_cookie

REQUESTS = 6


@pytest.mark.django_db(transaction=True)
def test_simultaneous_starts_start_the_infusion_once(world, live_server):
    session = ready_and_drawn(world)
    nurses = [world.staff["nurse"]] + [
        make_staff(f"chair{n}", "nurse", world.home) for n in range(REQUESTS - 1)
    ]
    cookies = [session_cookie(nurse) for nurse in nurses]
    url = live_server.url + reverse("infusions:dose_record", args=[session.uuid])
    barrier = threading.Barrier(REQUESTS)
    answers: list[int] = []

    def press(cookie: str) -> None:
        barrier.wait()
        answers.append(post(url, {"form": "pump-start"}, cookie))

    threads = [threading.Thread(target=press, args=(c,)) for c in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # The start answers with a redirect to the page; each refusal shows the
    # page again with its message (200).
    assert sorted(answers) == [200] * (REQUESTS - 1) + [302], answers
    assert PumpEvent.objects.filter(session=session, kind="start").count() == 1
    session.refresh_from_db()
    assert session.state == Session.State.INFUSING
