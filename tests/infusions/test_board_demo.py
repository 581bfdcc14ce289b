"""The demo clinic's infusion day: every state on the board, and months of
past infusions charted through to a co-signed note."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Location
from ketaclinic.core.demo import load_demo
from ketaclinic.infusions import board as boards
from ketaclinic.infusions.demo import TODAY
from ketaclinic.infusions.models import (
    Discharge,
    DrugDraw,
    PumpEvent,
    Session,
    SessionNote,
    VitalReading,
    Waste,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    load_demo(password=settings.KETACLINIC_DEMO_PASSWORD)
    return Location.objects.get()


def _early(location) -> bool:
    """In the first hours after midnight the day is drawn together: the
    minimum recovery of 30 minutes has not yet passed for anyone."""
    now = timezone.now().astimezone(location.zone)
    return now - datetime.combine(now.date(), time.min, location.zone) < timedelta(
        hours=4, minutes=30
    )


def test_today_has_a_patient_in_every_state(demo, settings):
    client = client_for(User.objects.get(username="nurse"))
    response = client.get(reverse("infusions:board"))
    assert response.status_code == 200
    html = response.text
    shown = {kind for kind in boards.STATES if f'data-state="{kind}"' in html}
    wanted = set(TODAY)
    if _early(demo):
        wanted = (wanted - {"ready_for_discharge"}) | {"recovery"}
    assert wanted <= shown, wanted - shown
    for kind in wanted:
        assert boards.STATES[kind][0] in html
    # Alerts from across the room: a reading over a limit, for which a
    # provider is called to the chair (one line says both), and a held patient.
    assert "Provider to the chair" in html and "Blood pressure 186/" in html
    assert "Waiting for a provider" in html
    # Check-in works for the expected patient: their plan is in force.
    board = boards.board(demo, timezone.now().astimezone(demo.zone).date())
    expected = next(row for row in board.rows if row.state == "expected")
    answer = client.post(
        reverse("infusions:check_in", args=[expected.appointment.uuid])
    )
    session = Session.objects.get(appointment=expected.appointment)
    assert answer.url == reverse("infusions:session", args=[session.uuid])


def test_months_of_past_infusions_each_charted_to_a_cosigned_note(demo):
    today = timezone.now().astimezone(demo.zone).date()
    midnight = datetime.combine(today, time.min, demo.zone)
    past = Session.objects.filter(checked_in_at__lt=midnight)
    assert past.count() >= 50
    first = past.aggregate(first=Min("checked_in_at"))["first"]
    assert first < timezone.now() - timedelta(days=120)
    assert set(past.values_list("state", flat=True)) == {"discharged"}
    counted = past.annotate(
        n_readings=Count("vitals", distinct=True),
        n_pumps=Count("pump_events", distinct=True),
        n_draws=Count("draws", distinct=True),
    )
    for session in counted:
        assert session.n_readings >= 5
        assert session.n_pumps == 2
        assert session.n_draws == 1
    ids = list(past.values_list("pk", flat=True))
    assert Discharge.objects.filter(session_id__in=ids).count() == len(ids)
    notes = SessionNote.objects.filter(session_id__in=ids)
    assert notes.count() == len(ids)
    assert notes.filter(cosignature__isnull=False).count() == len(ids)
    # Times are the charted ones, not the time the demo was loaded.
    assert notes.filter(signed_at__lt=midnight).count() == len(ids)
    assert (
        VitalReading.objects.filter(
            session_id__in=ids, received_at__lt=midnight
        ).count()
        == VitalReading.objects.filter(session_id__in=ids).count()
    )
    assert Waste.objects.filter(draw__session_id__in=ids).exists()
    assert DrugDraw.objects.filter(session_id__in=ids, witness__isnull=False).exists()
    # Nothing of today is charted in the future.
    now = timezone.now()
    assert not VitalReading.objects.filter(charted_at__gt=now).exists()
    assert not PumpEvent.objects.filter(charted_at__gt=now).exists()


def test_loading_the_demo_again_adds_no_infusion(demo, settings):
    before = Session.objects.count()
    load_demo(password=settings.KETACLINIC_DEMO_PASSWORD)
    assert Session.objects.count() == before
