"""Each role lands where its day starts: the front desk on today's arrivals and
new leads, a nurse on today's chairs, a provider on the urgent tasks and the
intakes waiting for a decision, a manager on the clinic's day."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake import services as intake_services
from ketaclinic.intake.models import UrgentTask
from tests.conftest import PASSWORD, make_patient
from tests.inquiries.helpers import make_lead
from tests.notifications.helpers import make_visit


def _today_at(location, hour: int) -> datetime:
    zone = ZoneInfo(location.time_zone)
    return datetime.combine(timezone.now().astimezone(zone).date(), time(hour), zone)


@pytest.fixture
def day(world):
    """A visit today, a new lead, an open urgent task, a submitted intake."""
    make_visit(world.patient, _today_at(world.home, 10), staff=world.staff["provider"])
    make_lead(world.home, first_name="Rosa", last_name="Parkes")
    waiting = make_patient(world.home, mrn="W0000001", last_name="Waiting")
    intake = intake_services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=waiting
    )
    intake_services.intake_submit(actor=Actor.system(), intake=intake)
    UrgentTask.objects.create(patient=world.patient, message="Assess suicide risk")
    return world


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        ("front_desk", "/today/"),
        ("nurse", "/infusions/board/"),
        ("provider", "/today/"),
        ("manager", "/today/"),
        ("admin", "/audit/"),
    ],
)
def test_after_sign_in_each_role_lands_where_its_day_starts(
    client, world, role, lands_on
):
    response = client.post(
        reverse("accounts:login"),
        {"username": world.staff[role].username, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


def _page(as_role, role: str) -> str:
    response = as_role(role).get(reverse("today"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_front_desk_sees_todays_arrivals_and_new_leads(day, as_role):
    page = _page(as_role, "front_desk")
    assert "Arrivals today (1)" in page and "Ada Lovelace" in page
    assert "New leads (1)" in page and "Rosa Parkes" in page
    # Clinical lists are not the front desk's.
    assert "Assess suicide risk" not in page and "Waiting" not in page


def test_a_provider_sees_urgent_tasks_decisions_and_own_visits(day, as_role):
    page = _page(as_role, "provider")
    assert "Assess suicide risk" in page
    assert "waiting for a screening decision (1)" in page and "Ada Waiting" in page
    assert "Your visits today (1)" in page
    assert "New leads" not in page


def test_a_manager_sees_the_clinics_day(day, as_role):
    page = _page(as_role, "manager")
    for part in ("Arrivals today (1)", "New leads (1)", "Assess suicide risk"):
        assert part in page
    assert "waiting for a screening decision (1)" in page


def test_a_decided_intake_no_longer_waits(day, as_role):
    from ketaclinic.treatment.models import ScreeningDecision

    waiting = day.home.patients.get(last_name="Waiting")
    ScreeningDecision.objects.create(
        patient=waiting,
        outcome=ScreeningDecision.Outcome.values[0],
        rationale="Seen.",
        signed_by=day.staff["provider"],
    )
    assert "waiting for a screening decision (0)" in _page(as_role, "provider")


def test_the_start_page_is_one_audit_entry_and_bounded_queries(day, as_role):
    client = as_role("manager")
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("today"))
    assert AuditEvent.objects.count() == before + 1
    assert "Start page" in AuditEvent.objects.latest("id").summary
    for n in range(6):
        patient = make_patient(day.home, mrn=f"M{n:07d}", last_name=f"More{n}")
        make_visit(patient, _today_at(day.home, 12 + n))
        make_lead(day.home, email=f"lead{n}@example.com", phone=f"+1303555020{n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("today")).content.decode()
    assert "More5" in page
    # session, user, locations, four parts, the board's reading of the chairs
    # (7), the chained audit entry (3)
    assert len(many.captured_queries) == len(few.captured_queries) <= 19


def test_a_provider_sees_who_waits_at_the_chairs_first(world, as_role):
    """A patient held for a provider's decision is on the provider's start
    page, with the board's words and a link to the session, before anything
    else; once the hold is lifted it is gone."""
    from ketaclinic.infusions.models import Session
    from tests.infusions.helpers import checked_in

    session = checked_in(world)
    assert "Waiting at the chairs (0)" in _page(as_role, "provider")
    Session.objects.filter(pk=session.pk).update(
        state=Session.State.HELD, state_reason="Blood pressure 172/104 mmHg"
    )
    page = _page(as_role, "provider")
    assert "Waiting at the chairs (1)" in page
    assert page.index("Waiting at the chairs") < page.index("Open urgent tasks")
    assert "Waiting for a provider&#x27;s decision: Blood pressure 172/104 mmHg" in page
    assert reverse("infusions:session", args=[session.uuid]) in page
    assert "Waiting at the chairs (1)" in _page(as_role, "manager")
    assert "Waiting at the chairs" not in _page(as_role, "front_desk")
    Session.objects.filter(pk=session.pk).update(
        state=Session.State.READY, state_reason=""
    )
    assert "Waiting at the chairs (0)" in _page(as_role, "provider")
