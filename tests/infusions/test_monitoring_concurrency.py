"""Entries of the chart are stored once, whatever repeats them: a double tap,
a tablet retrying, two nurses at once, a queue sent again. Real threads, each
with its own database connection; runs on SQLite and, with DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import monitoring
from ketaclinic.infusions.models import (
    Alert,
    MedicationGiven,
    Session,
    SideEffect,
    VitalReading,
)
from ketaclinic.infusions.services import InfusionRefused
from tests.infusions.test_monitoring import NORMAL, infusing
from tests.links.helpers import race

PARALLEL = 6


@pytest.mark.django_db(transaction=True)
def test_the_same_reading_sent_at_once_is_stored_once(world):
    session = infusing(world)
    nurse = Actor.system(world.staff["nurse"])
    client_id, at = uuid.uuid4(), timezone.now()
    high = NORMAL | {"systolic_mmhg": 190, "diastolic_mmhg": 100}

    answers = race(
        PARALLEL,
        lambda i: monitoring.record_vitals(
            actor=nurse,
            session=session,
            client_id=client_id,
            charted_at=at,
            phase="infusion",
            values=high,
        ),
    )

    assert all(isinstance(a, VitalReading) for a in answers), answers
    assert len({a.pk for a in answers}) == 1
    assert VitalReading.objects.count() == 1
    assert Alert.objects.count() == 1  # raised once, with the one reading
    session.refresh_from_db()
    assert session.revision == 1


@pytest.mark.django_db(transaction=True)
def test_two_nurses_charting_at_once_lose_nothing(world):
    session = infusing(world)
    actors = [Actor.system(world.staff["nurse"]), Actor.system(world.staff["provider"])]
    at = timezone.now()

    answers = race(
        PARALLEL,
        lambda i: monitoring.record_vitals(
            actor=actors[i % 2],
            session=session,
            client_id=uuid.uuid4(),
            charted_at=at - timedelta(minutes=i),
            phase="infusion",
            values=NORMAL | {"heart_rate_bpm": 70 + i},
        ),
    )

    assert all(isinstance(a, VitalReading) for a in answers), answers
    assert VitalReading.objects.count() == PARALLEL
    session.refresh_from_db()
    assert session.revision == PARALLEL


@pytest.mark.django_db(transaction=True)
def test_two_doses_given_at_once_respect_the_session_maximum(world):
    """Ondansetron: at most 8 mg in one session; four nurses give 4 mg each
    at once (different entries): two are stored, the others refused."""
    session = infusing(world, minutes_ago=240)
    nurse = Actor.system(world.staff["nurse"])
    now = timezone.now()

    answers = race(
        4,
        lambda i: monitoring.record_medication(
            actor=nurse,
            session=session,
            client_id=uuid.uuid4(),
            charted_at=now - timedelta(minutes=40 * i),
            drug="ondansetron",
            dose_mg="4",
            route="IV",
            indication="nausea",
        ),
    )

    stored = [a for a in answers if isinstance(a, MedicationGiven)]
    refusals = [a for a in answers if isinstance(a, InfusionRefused)]
    assert len(stored) == 2 and len(refusals) == 2, answers
    assert all("most in one session" in r.errors["dose_mg"] for r in refusals)
    assert MedicationGiven.objects.count() == 2


# --- Any interleaving and repetition of the same submissions ----------------------

KINDS = ("vitals", "side_effect")


def submit(actor, session, kind: str, client_id, at, n: int):
    if kind == "vitals":
        return monitoring.record_vitals(
            actor=actor,
            session=session,
            client_id=client_id,
            charted_at=at,
            phase="infusion",
            values=NORMAL | {"heart_rate_bpm": 60 + n},
        )
    return monitoring.record_side_effect(
        actor=actor,
        session=session,
        client_id=client_id,
        charted_at=at,
        kind="nausea",
        severity="mild",
        notes=f"entry {n}",
    )


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=5),
    data=st.data(),
)
def test_any_interleaving_of_the_same_submissions_stores_each_once(
    world_session, kinds, data
):
    session, actor = world_session
    now = timezone.now()
    entries = [
        (kind, uuid.uuid4(), now - timedelta(minutes=n, seconds=7), n)
        for n, kind in enumerate(kinds)
    ]
    # Each entry sent at least once, in any order, any number of times.
    order = data.draw(
        st.lists(st.integers(0, len(entries) - 1), max_size=15).map(
            lambda extra: list(range(len(entries))) + extra
        )
    )
    order = data.draw(st.permutations(order))
    stored: dict[uuid.UUID, int] = {}
    for index in order:
        kind, client_id, at, n = entries[index]
        entry = submit(actor, session, kind, client_id, at, n)
        assert stored.setdefault(client_id, entry.pk) == entry.pk
    ids = [client_id for _, client_id, _, _ in entries]
    assert (
        VitalReading.objects.filter(client_id__in=ids).count()
        + SideEffect.objects.filter(client_id__in=ids).count()
    ) == len(entries)
    for kind, client_id, _, n in entries:
        if kind == "vitals":
            assert (
                VitalReading.objects.get(client_id=client_id).heart_rate_bpm == 60 + n
            )
        else:
            assert SideEffect.objects.get(client_id=client_id).notes == f"entry {n}"


@pytest.fixture
def world_session(world) -> tuple[Session, Actor]:
    return infusing(world, minutes_ago=240), Actor.system(world.staff["nurse"])


@pytest.mark.django_db(transaction=True)
def test_a_reading_posted_by_parallel_requests_is_stored_once(world):
    """A double tap and a retrying tablet: the same form posted at once."""
    from django.urls import reverse

    from tests.conftest import client_for
    from tests.infusions.test_monitoring_pages import reading_form

    session = infusing(world)
    data = reading_form(session, systolic_mmhg="182", symptoms_none="on")
    clients = [client_for(world.staff["nurse"]) for _ in range(PARALLEL)]
    for client in clients:
        client.raise_request_exception = False
    url = reverse("infusions:vitals_record", args=[session.uuid])

    answers = race(PARALLEL, lambda i: clients[i].post(url, data))

    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses == [302] * PARALLEL, statuses
    assert VitalReading.objects.count() == 1
    assert Alert.objects.count() == 1
