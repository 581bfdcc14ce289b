"""Entries kept on a tablet are recorded once, in their order, at their charted
time, through the same services as the page; an entry the infusion has
outgrown comes back as a conflict for the nurse to decide."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import administration, offline
from ketaclinic.infusions.models import PumpEvent, Session, VitalReading
from tests.conftest import client_for
from tests.infusions.checks_helpers import ready_and_drawn

pytestmark = pytest.mark.django_db


def send(
    client, session, user, kind, values, *, client_id=None, minutes_ago=0, at=None
):
    payload = {
        "client_id": str(client_id or uuid.uuid4()),
        "kind": kind,
        "token": offline.page_token(session, user.pk),
        "charted_at": (
            at or timezone.now() - timedelta(minutes=minutes_ago)
        ).isoformat(),
        "values": values,
    }
    response = client.post(
        reverse("infusions:entries", args=[session.uuid]),
        json.dumps(payload),
        content_type="application/json",
    )
    return response.status_code, response.json()


@pytest.fixture
def infusing(world):
    session = ready_and_drawn(world)
    # Checked in an hour ago (the chart's earlier entries are moved with it).
    Session.objects.filter(pk=session.pk).update(
        checked_in_at=timezone.now() - timedelta(hours=1)
    )
    session.refresh_from_db()
    administration.pump_record(
        actor=Actor.system(world.staff["nurse"]),
        session=session,
        kind="start",
        charted_at=timezone.now() - timedelta(minutes=30),
    )
    session.refresh_from_db()
    assert session.state == Session.State.INFUSING
    return session


VITALS = {
    "systolic_mmhg": "128",
    "diastolic_mmhg": "82",
    "heart_rate_bpm": "76",
    "spo2_pct": "98",
    "resp_rate_per_min": "14",
}


def test_readings_sent_later_keep_their_charted_time_and_are_stored_once(
    world, infusing
):
    nurse = world.staff["nurse"]
    client = client_for(nurse)
    ids = [uuid.uuid4() for _ in range(5)]
    sent = [
        {
            "client_id": str(client_id),
            "kind": "vitals",
            "token": offline.page_token(infusing, nurse.pk),
            "charted_at": (timezone.now() - timedelta(minutes=25 - 5 * n)).isoformat(),
            "values": VITALS,
        }
        for n, client_id in enumerate(ids)
    ]
    url = reverse("infusions:entries", args=[infusing.uuid])

    def post(entry):
        return client.post(url, json.dumps(entry), content_type="application/json")

    assert [post(entry).status_code for entry in sent] == [201] * 5
    # The tablet did not hear the answers and sends everything again.
    assert [post(entry).status_code for entry in sent] == [200] * 5
    stored = list(
        VitalReading.objects.filter(session=infusing, client_id__in=ids).order_by(
            "charted_at"
        )
    )
    assert [r.client_id for r in stored] == ids
    assert all(r.received_at - r.charted_at >= timedelta(minutes=4) for r in stored[:4])
    assert {r.phase for r in stored} == {"infusion"}


def test_a_reading_over_the_limit_sent_later_calls_the_provider(world, infusing):
    nurse = world.staff["nurse"]
    status, body = send(
        client_for(nurse),
        infusing,
        nurse,
        "vitals",
        VITALS | {"systolic_mmhg": "186", "diastolic_mmhg": "112"},
        minutes_ago=3,
    )
    assert status == 201, body
    reading = VitalReading.objects.get(session=infusing, phase="infusion")
    assert reading.action in ("pause", "stop")
    assert infusing.alerts.filter(handled_at=None).exists()


def test_the_same_id_with_other_values_is_refused(world, infusing):
    nurse = world.staff["nurse"]
    client = client_for(nurse)
    client_id = uuid.uuid4()
    assert (
        send(client, infusing, nurse, "vitals", VITALS, client_id=client_id)[0] == 201
    )
    status, body = send(
        client,
        infusing,
        nurse,
        "vitals",
        VITALS | {"heart_rate_bpm": "90"},
        client_id=client_id,
    )
    assert status == 422
    assert "other values" in body["message"]
    assert VitalReading.objects.filter(client_id=client_id).count() == 1


def test_a_pause_of_an_infusion_stopped_meanwhile_is_a_conflict(world, infusing):
    nurse, other = world.staff["nurse"], world.staff["provider"]
    administration.pump_record(
        actor=Actor.system(other),
        session=infusing,
        kind="stop",
        reason="Patient asked to stop",
    )
    status, body = send(
        client_for(nurse),
        infusing,
        nurse,
        "pump",
        {
            "form": "pump-pause",
            "pump-pause-reason": "Nausea",
            "pump-pause-charted_at": "",
        },
        minutes_ago=2,
    )
    assert status == 409
    assert "was not recorded" in body["message"]
    assert not PumpEvent.objects.filter(kind="pause").exists()
    # Readings made meanwhile are still stored.
    assert send(client_for(nurse), infusing, nurse, "vitals", VITALS)[0] == 201


def test_a_stop_sent_twice_is_recorded_once(world, infusing):
    nurse = world.staff["nurse"]
    client = client_for(nurse)
    client_id = uuid.uuid4()
    values = {
        "form": "pump-stop",
        "pump-stop-reason": "Patient asked to stop",
        "pump-stop-charted_at": "",
    }
    at = timezone.now()
    first = send(client, infusing, nurse, "pump", values, client_id=client_id, at=at)
    again = send(client, infusing, nurse, "pump", values, client_id=client_id, at=at)
    assert (first[0], again[0]) == (201, 200), (first, again)
    assert PumpEvent.objects.filter(kind="stop").count() == 1
    infusing.refresh_from_db()
    assert infusing.state == Session.State.RECOVERY
