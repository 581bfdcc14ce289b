"""A queued entry that cannot be trusted is refused with a reason the nurse
reads, and nothing is stored."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.infusions import offline
from ketaclinic.infusions.models import VitalReading
from tests.conftest import client_for
from tests.infusions.helpers import checked_in

pytestmark = pytest.mark.django_db


def post(client, session, payload):
    response = client.post(
        reverse("infusions:entries", args=[session.uuid]),
        json.dumps(payload),
        content_type="application/json",
    )
    return response.status_code, response.json()


def payload(session, user, **changes):
    base = {
        "client_id": str(uuid.uuid4()),
        "kind": "vitals",
        "token": offline.page_token(session, user.pk),
        "charted_at": timezone.now().isoformat(),
        "values": {"systolic_mmhg": "120", "diastolic_mmhg": "80"},
    }
    return {**base, **changes}


@pytest.fixture
def session(world):
    return checked_in(world)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"token": "forged"}, "changed on the tablet"),
        ({"client_id": "not-an-id"}, "no valid id"),
        ({"kind": "launch_rockets"}, "cannot be sent from a tablet"),
        ({"values": ["120", "80"]}, "values are damaged"),
        ({"values": {"systolic_mmhg": {"x": 1}}}, "values are damaged"),
        ({"charted_at": "yesterday-ish"}, "no charted time"),
        ({"charted_at": "2026-11-27T10:00:00"}, "no charted time"),  # no zone
    ],
)
def test_damaged_or_tampered_entries_are_refused(world, session, change, words):
    nurse = world.staff["nurse"]
    if change.get("kind") != "launch_rockets":
        offline.RECORDERS.setdefault("vitals", ("Vital signs", _never))
    status, body = post(client_for(nurse), session, payload(session, nurse, **change))
    assert status == 422
    assert words in body["message"]
    assert not VitalReading.objects.exists()


def _never(*args):
    raise AssertionError("a refused entry reached its recorder")


@pytest.fixture(autouse=True)
def _registry():
    saved = dict(offline.RECORDERS)
    yield
    offline.RECORDERS.clear()
    offline.RECORDERS.update(saved)


def test_a_time_in_the_future_or_too_long_ago_is_refused(world, session, settings):
    offline.RECORDERS["vitals"] = ("Vital signs", _never)
    nurse = world.staff["nurse"]
    client = client_for(nurse)
    future = timezone.now() + timedelta(minutes=30)
    status, body = post(
        client, session, payload(session, nurse, charted_at=future.isoformat())
    )
    assert (status, "in the future" in body["message"]) == (422, True)
    old = timezone.now() - timedelta(hours=settings.KETACLINIC_OFFLINE_KEEP_HOURS + 1)
    status, body = post(
        client, session, payload(session, nurse, charted_at=old.isoformat())
    )
    assert (status, "hours ago" in body["message"]) == (422, True)


def test_another_nurses_entries_are_not_sent_as_mine(world, session):
    offline.RECORDERS["vitals"] = ("Vital signs", _never)
    provider = world.staff["provider"]
    made_by_nurse = payload(session, world.staff["nurse"])
    status, body = post(client_for(provider), session, made_by_nurse)
    assert status == 422
    assert "another nurse" in body["message"]


def test_an_entry_of_another_infusion_is_refused(world, session):
    from tests.conftest import make_patient
    from tests.infusions.helpers import checked_in as check_in_other

    offline.RECORDERS["vitals"] = ("Vital signs", _never)
    nurse = world.staff["nurse"]
    other = check_in_other(world, make_patient(world.home, first_name="Ada"))
    status, body = post(client_for(nurse), session, payload(other, nurse))
    assert status == 422
    assert "another infusion" in body["message"]


def test_a_nurse_of_another_location_may_not_send(world, session):
    status, body = post(
        client_for(world.stranger), session, payload(session, world.stranger)
    )
    assert status == 422
    assert "may not chart" in body["message"]


def test_the_worker_is_served_for_the_chart_scope(client):
    response = client.get(reverse("infusions:offline_worker"))
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/infusions/"
    assert response["Content-Type"].startswith("text/javascript")
    assert "/static/infusions/offline.js" in response.content.decode()


def test_the_chart_page_binds_its_entries_to_the_session_and_nurse(world, session):
    page = client_for(world.staff["nurse"]).get(
        reverse("infusions:session", args=[session.uuid])
    )
    html = page.content.decode()
    assert "data-offline-chart" in html
    token = html.split('data-token="')[1].split('"')[0]
    from django.core import signing

    assert signing.loads(token, salt=offline.SALT) == {
        "s": str(session.uuid),
        "u": world.staff["nurse"].pk,
    }
