"""The pipeline board: stages with counts, urgent first, filters, ages and the
time to first contact, in a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import services
from ketaclinic.inquiries.models import Inquiry, Stage
from tests.conftest import client_for
from tests.inquiries.helpers import make_lead

BOARD = "/leads/"


def lead(world, n: int, **changes) -> Inquiry:
    changes.setdefault("email", f"lead{n}@example.com")
    changes.setdefault("phone", f"+1303555{100 + n:04d}")
    changes.setdefault("first_name", f"Lead{chr(65 + n % 26)}")
    return make_lead(changes.pop("location", world.home), **changes)


def aged(inquiry: Inquiry, **delta) -> Inquiry:
    moment = timezone.now() - timedelta(**delta)
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=moment)
    inquiry.refresh_from_db()
    return inquiry


def test_every_stage_is_a_column_with_its_count(world, clinic):
    for n in range(3):
        lead(world, n)
    moved = lead(world, 9)
    Inquiry.objects.filter(pk=moved.pk).update(stage=Stage.SCREENING)
    response = client_for(world.staff["front_desk"]).get(BOARD)
    assert response.status_code == 200
    columns = {c.stage: c for c in response.context["columns"]}
    assert list(columns) == list(Stage.values)
    assert columns["new"].count == 3 and len(columns["new"].cards) == 3
    assert columns["screening"].count == 1
    assert response.context["total"] == 4
    page = response.content.decode()
    for label in Stage.labels:
        assert label in page


def test_urgent_leads_stand_first_then_the_longest_waiting(world, clinic):
    older = aged(lead(world, 1, first_name="Older"), hours=30)
    newer = lead(world, 2, first_name="Newer")
    urgent = lead(world, 3, first_name="Urgent", crisis=True)
    response = client_for(world.staff["front_desk"]).get(BOARD)
    new = next(c for c in response.context["columns"] if c.stage == "new")
    assert [card.inquiry for card in new.cards] == [urgent, older, newer]
    assert "Urgent" in response.content.decode()


def test_each_lead_shows_its_age_and_time_to_first_contact(world, clinic):
    answered = aged(lead(world, 1, first_name="Answered"), hours=5)
    aged(lead(world, 2, first_name="Waiting"), hours=2)
    services.contact_record(
        actor=Actor.staff(world.staff["front_desk"]),
        inquiry=answered,
        kind="call",
        summary="Left a voicemail",
    )
    Inquiry.objects.filter(pk=answered.pk).update(
        first_contact_at=answered.created_at + timedelta(minutes=45)
    )
    response = client_for(world.staff["front_desk"]).get(BOARD)
    cards = {
        card.inquiry.first_name: card
        for column in response.context["columns"]
        for card in column.cards
    }
    assert cards["Answered"].first_contact == timedelta(minutes=45)
    assert cards["Waiting"].first_contact is None
    assert cards["Waiting"].waiting >= timedelta(hours=2)
    page = response.content.decode()
    assert "first contact after 45 min" in page
    assert "not contacted yet" in page
    assert "Age 2 h" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("condition=ptsd", {"Ptsd"}),
        ("condition=chronic_pain", {"Pain"}),
        ("urgent=on", {"Crisis"}),
        ("age=day", {"Ptsd", "Pain", "Crisis"}),
        ("age=older", {"Old"}),
        ("age=week", {"Ptsd", "Pain", "Crisis"}),
        ("condition=depression&age=older", {"Old"}),
    ],
)
def test_filters(world, clinic, query, expected):
    lead(world, 1, first_name="Ptsd", conditions=("ptsd",))
    lead(world, 2, first_name="Pain", conditions=("chronic_pain",))
    lead(world, 3, first_name="Crisis", crisis=True)
    aged(lead(world, 4, first_name="Old"), days=40)
    response = client_for(world.staff["front_desk"]).get(f"{BOARD}?{query}")
    shown = {
        card.inquiry.first_name
        for column in response.context["columns"]
        for card in column.cards
    }
    assert shown == expected


def test_the_location_filter_and_scope(world, clinic):
    world.other.active = True
    world.other.save()
    world.staff["manager"].locations.add(world.other)
    lead(world, 1, first_name="Home")
    lead(world, 2, first_name="Away", location=world.other)
    manager = client_for(world.staff["manager"])
    both = manager.get(BOARD).context["total"]
    only = manager.get(f"{BOARD}?location={world.other.pk}").context
    assert both == 2
    assert [c.inquiry.first_name for col in only["columns"] for c in col.cards] == [
        "Away"
    ]
    # Staff see the leads of their own locations only.
    assert client_for(world.staff["front_desk"]).get(BOARD).context["total"] == 1


def board_queries(world) -> int:
    client = client_for(world.staff["front_desk"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BOARD).status_code == 200
    return len(queries)


def test_the_board_costs_the_same_queries_whatever_the_leads(world, clinic):
    """Session, user, locations (gate and middleware), the filter's
    locations, stage counts, the leads (one windowed query), open alerts."""
    lead(world, 1)
    few = board_queries(world)
    for n in range(2, 40):
        made = lead(world, n, crisis=n % 7 == 0)
        Inquiry.objects.filter(pk=made.pk).update(stage=Stage.values[n % 12])
    assert board_queries(world) == few
    assert few <= 8


def test_a_column_shows_at_most_its_cap_and_says_so(world, clinic):
    from ketaclinic.inquiries import queries

    for n in range(5):
        lead(world, n)
    user = world.staff["front_desk"]
    columns = queries.board(user, queries.BoardFilters(), per_stage=3)
    new = next(c for c in columns if c.stage == "new")
    assert new.count == 5 and len(new.cards) == 3
