"""A clinic manager settles an entry another nurse left waiting on a tablet:
discarded with a reason into the audit trail, never sent under either name."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.permissions import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import offline
from ketaclinic.infusions.models import VitalReading
from tests.conftest import client_for, make_staff
from tests.infusions.helpers import checked_in

pytestmark = pytest.mark.django_db

REASON = "Charted on paper by the nurse, who has left for the day"


def post(client, session, payload, name="infusions:entries_discard"):
    response = client.post(
        reverse(name, args=[session.uuid]),
        json.dumps(payload),
        content_type="application/json",
    )
    body = response.json() if "json" in response["Content-Type"] else {}
    return response.status_code, body


def left_entry(session, nurse, **changes):
    """What the tablet sends back of a nurse's waiting reading."""
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "vitals",
        "token": offline.page_token(session, nurse.pk),
        "charted_at": timezone.now().isoformat(),
        "values": {
            "systolic_mmhg": "131",
            "diastolic_mmhg": "80",
            "heart_rate_bpm": "72",
            "spo2_percent": "98",
            "sedation": "5",
        },
        "summary": "Systolic pressure 131 mmHg, Heart rate 72 /min",
        "reason": REASON,
    }
    return {**entry, **changes}


def discards():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DISCARD)


@pytest.fixture
def session(world):
    return checked_in(world)


def test_a_manager_discards_a_nurses_entry_with_a_reason(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    status, body = post(client_for(manager), session, left_entry(session, nurse))
    assert status == 201, body
    assert "audit log" in body["message"]
    assert not VitalReading.objects.exists()
    event = discards().get()
    assert event.actor == manager
    assert event.patient == session.patient
    assert str(nurse) in event.summary
    assert "Vital signs" in event.summary
    assert REASON in event.summary
    assert "Systolic pressure 131" in event.summary


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"reason": "   "}, "Say why"),
        ({"reason": "x" * 301}, "under 300"),
        ({"token": "forged"}, "changed on the tablet"),
        ({"client_id": "nope"}, "no valid id"),
        ({"kind": "launch_rockets"}, "cannot be sent from a tablet"),
        ({"charted_at": "2026-11-27T10:00:00"}, "no charted time"),
    ],
)
def test_a_discard_without_reason_or_of_a_damaged_entry_is_refused(
    world, session, change, words
):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    entry = left_entry(session, nurse, **change)
    status, body = post(client_for(manager), session, entry)
    assert status == 422
    assert words in body["message"]
    assert not discards().exists()


def test_an_entry_of_another_infusion_is_not_discarded_here(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    token = signing.dumps({"s": str(uuid.uuid4()), "u": nurse.pk}, salt=offline.SALT)
    status, body = post(
        client_for(manager), session, left_entry(session, nurse, token=token)
    )
    assert status == 422
    assert "another infusion" in body["message"]
    assert not discards().exists()


def test_an_entry_already_in_the_chart_is_not_discarded(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    entry = left_entry(session, nurse)
    status, _ = post(client_for(nurse), session, entry, name="infusions:entries")
    assert status == 201
    status, body = post(client_for(manager), session, entry)
    assert status == 200
    assert "already in the chart" in body["message"]
    assert VitalReading.objects.get().by == nurse
    assert not discards().exists()


def test_a_manager_cannot_send_a_nurses_entry(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    status, _ = post(
        client_for(manager), session, left_entry(session, nurse), "infusions:entries"
    )
    assert status == 403
    assert not VitalReading.objects.exists()


def test_only_a_manager_discards(world, session):
    nurse = world.staff["nurse"]
    colleague = make_staff("colleague", Role.NURSE, world.home)
    for who in (nurse, colleague, world.staff["provider"]):
        status, _ = post(client_for(who), session, left_entry(session, nurse))
        assert status == 403
    assert not discards().exists()


def test_a_manager_elsewhere_cannot_discard(world, session):
    nurse = world.staff["nurse"]
    elsewhere = make_staff("far_manager", Role.MANAGER, world.other)
    status, body = post(client_for(elsewhere), session, left_entry(session, nurse))
    assert status == 422
    assert "may not settle" in body["message"]
    assert not discards().exists()
