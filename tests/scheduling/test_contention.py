"""Twenty front-desk staff book twenty patients into the same time at once,
through real HTTP requests to a live server: with six chairs (and nurse seats
for six) free, exactly six are booked, each on its own chair, and the other
fourteen are refused with the next free times, never a server error.

On PostgreSQL the losers of the race for the first chair used to be refused
although other chairs were free; now a booking that loses a chair takes the
next free one of the same time. Runs on SQLite and, with DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from ketaclinic.clinics.models import Resource
from ketaclinic.scheduling.models import Allocation, Appointment
from tests.conftest import make_patient, make_staff
from tests.scheduling.factories import open_clinic, works

BOOKINGS = 20
CHAIRS = 6
CSRF = "k" * 32  # an unmasked CSRF secret, sent as cookie and header alike


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def post(url: str, data: dict, session_key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (http to the live server)
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={CSRF}",
            "X-CSRFToken": CSRF,
        },
        method="POST",
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_fill_every_free_chair(world, live_server):
    types = open_clinic(world.home, chairs=CHAIRS, rooms=0)
    infusion = types["infusion-depression"]
    nurses = [make_staff(f"seat{n}", "nurse", world.home) for n in range(CHAIRS // 2)]
    for nurse in nurses:
        works(nurse, world.home, at_once=2)
    patients = [
        make_patient(world.home, mrn=f"C{n:07d}", email=f"p{n}@example.com")
        for n in range(BOOKINGS)
    ]
    clerks = [make_staff(f"desk{n}", "front_desk", world.home) for n in range(BOOKINGS)]
    sessions = [session_cookie(clerk) for clerk in clerks]
    day = timezone.localdate() + timedelta(days=3)
    start = datetime.combine(day, time(10), world.home.zone)
    local = f"{start:%Y-%m-%dT%H:%M}"
    barrier = threading.Barrier(BOOKINGS)
    answers: list[int] = []

    def book(patient, session_key):
        barrier.wait()
        url = f"{live_server.url}/schedule/book/{patient.uuid}/"
        answers.append(
            post(url, {"type": infusion.pk, "starts_at": local}, session_key)
        )

    threads = [
        threading.Thread(target=book, args=pair)
        for pair in zip(patients, sessions, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(answers) == [302] * CHAIRS + [409] * (BOOKINGS - CHAIRS), answers
    booked = Appointment.objects.filter(starts_at=start)
    assert booked.count() == CHAIRS
    chairs = Allocation.objects.filter(
        appointment__in=booked, active=True, resource__kind=Resource.Kind.CHAIR
    ).values_list("appointment_id", "resource_id")
    # Each visit holds one chair throughout its phases; no chair is shared.
    assert len({resource for _a, resource in chairs}) == CHAIRS
    assert len(set(chairs)) == CHAIRS
