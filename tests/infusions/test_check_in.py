"""Checking in opens one infusion chart for today's infusion, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import services
from ketaclinic.infusions.models import Check, Session
from tests.conftest import client_for
from tests.infusions.helpers import checked_in, today_visit
from tests.notifications.helpers import make_visit, soon

pytestmark = pytest.mark.django_db


def test_check_in_opens_the_chart_with_the_plan_in_force(world):
    session = checked_in(world)
    assert session.state == Session.State.CHECKED_IN
    assert session.plan.patient == world.patient
    assert session.recovery_minutes >= 30
    session.appointment.refresh_from_db()
    assert session.appointment.status == "checked_in"


def test_a_second_check_in_returns_the_same_chart(world):
    visit = today_visit(world)
    actor = Actor.system(world.staff["nurse"])
    first = services.check_in(actor=actor, appointment=visit)
    second = services.check_in(actor=actor, appointment=visit)
    assert first.pk == second.pk
    assert Session.objects.count() == 1


def test_no_plan_no_check_in(world):
    visit = make_visit(world.patient, timezone.now())
    with pytest.raises(services.InfusionRefused, match="treatment plan"):
        services.check_in(actor=Actor.system(world.staff["nurse"]), appointment=visit)
    assert not Session.objects.exists()


def test_only_today(world):
    today_visit(world)
    later = make_visit(world.patient, soon(days=3))
    with pytest.raises(services.InfusionRefused, match="today"):
        services.check_in(actor=Actor.system(world.staff["nurse"]), appointment=later)


def test_front_desk_does_not_chart(world):
    visit = today_visit(world)
    with pytest.raises(PermissionError):
        services.check_in(
            actor=Actor.system(world.staff["front_desk"]), appointment=visit
        )


def test_the_page_is_audited_and_other_locations_see_nothing(world):
    session = checked_in(world)
    url = reverse("infusions:session", args=[session.uuid])
    response = client_for(world.staff["nurse"]).get(url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="view", patient=world.patient, summary="Infusion chart"
    ).exists()
    assert client_for(world.stranger).get(url).status_code == 404


def test_check_in_from_the_page(world):
    visit = today_visit(world)
    client = client_for(world.staff["nurse"])
    response = client.post(reverse("infusions:check_in", args=[visit.uuid]))
    session = Session.objects.get()
    assert response.url == reverse("infusions:session", args=[session.uuid])


def test_charted_entries_are_never_edited(world):
    session = checked_in(world)
    entry = Check.objects.create(
        session=session,
        key=Check.Key.ESCORT,
        outcome=Check.Outcome.PASSED,
        charted_at=timezone.now() - timedelta(minutes=1),
        by=world.staff["nurse"],
    )
    entry.words = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        Check.objects.filter(pk=entry.pk).update(words="x")
    # The database refuses raw SQL too.
    table = connection.ops.quote_name(Check._meta.db_table)
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET words = 'x' WHERE id = %s", [entry.pk])  # noqa: S608
