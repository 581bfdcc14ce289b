"""The live board: every chair, every patient's state in words, alerts,
polling that answers 204 while nothing changed, a bounded query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import board as boards
from ketaclinic.infusions.models import Session, VitalReading
from ketaclinic.scheduling.models import Appointment
from tests.conftest import client_for
from tests.infusions.board_helpers import KINDS, fill_board

pytestmark = pytest.mark.django_db

URL = reverse("infusions:board")
POLL = reverse("infusions:board_poll")


def _article(html: str, name: str) -> str:
    """The board's row of the patient named `name`."""
    for article in re.findall(r"<article.*?</article>", html, flags=re.S):
        if name in article:
            return article
    raise AssertionError(f"no row for {name}")


def test_every_state_reads_in_words(world):
    first = fill_board(world, len(KINDS))
    html = client_for(world.staff["nurse"]).get(URL).text
    for kind, appointment in first.items():
        words = boards.STATES[kind][0]
        row = _article(html, appointment.patient.display_name)
        assert f'data-state="{kind}"' in row
        assert words in row, (kind, row)
    held = _article(html, first["held"].patient.display_name)
    assert "172/104 mmHg" in held
    infusing = _article(html, first["infusing"].patient.display_name)
    assert "Running 20 minutes of 40 minutes planned (50 %)" in infusing
    assert "<progress" in infusing and "expected end" in infusing
    paused = _article(html, first["paused"].patient.display_name)
    assert "Paused since" in paused
    recovery = _article(html, first["recovery"].patient.display_name)
    assert re.search(r"Recovery: 2\d minutes left of the minimum", recovery)
    ready = _article(html, first["ready_for_discharge"].patient.display_name)
    assert "Minimum recovery done" in ready
    expected = _article(html, first["expected"].patient.display_name)
    assert reverse("infusions:check_in", args=[first["expected"].uuid]) in expected
    for chair in range(1, len(KINDS) + 1):
        assert f"Chair {chair:02d}" in html


def test_rows_link_to_the_chart_and_mark_allergies_and_urgent_risk(world):
    first = fill_board(world, 3)
    html = client_for(world.staff["nurse"]).get(URL).text
    held = first["held"]
    row = _article(html, held.patient.display_name)
    assert reverse("infusions:session", args=[held.infusion.uuid]) in row
    assert "Allergy: Penicillin 2" in row
    expected = _article(html, first["expected"].patient.display_name)
    assert "Urgent risk task open" in expected  # chair 1 has one
    assert "Urgent risk task open" not in row


def test_alerts_say_what_and_where(world):
    first = fill_board(world, len(KINDS))
    infusing = first["infusing"].infusion
    VitalReading.objects.create(
        session=infusing,
        phase=VitalReading.Phase.INFUSION,
        systolic_mmhg=182,
        diastolic_mmhg=112,
        action="pause",
        findings=[
            {
                "action": "pause",
                "key": "bp",
                "message": "Blood pressure 182/112 mmHg",
                "source": "",
            }
        ],
        charted_at=timezone.now() - timedelta(minutes=1),
        by=world.staff["nurse"],
    )
    html = client_for(world.staff["nurse"]).get(URL).text
    banner = html.split('class="board-alerts', 1)[1].split("</section>", 1)[0]
    assert "Chair 05" in banner and "Reading over a limit: pause" in banner
    assert "Blood pressure 182/112 mmHg" in banner
    assert "Waiting for a provider&#x27;s decision" in banner
    assert "has-alert" in _article(html, infusing.patient.display_name)
    # Recovery's last reading, 3 minutes ago: the next in 15 minutes.
    recovery = _article(html, first["recovery"].patient.display_name)
    assert "Vital signs check overdue" not in recovery
    assert "Next vital signs due" in recovery


def test_a_check_overdue_after_the_interval(world):
    now = timezone.now()
    first = fill_board(world, len(KINDS), now=now)
    session = first["infusing"].infusion
    location = session.location
    day = timezone.localtime(now, location.zone).date()

    def alerts_at(moment):
        board = boards.board(location, day, moment)
        row = next(r for r in board.rows if r.session and r.session.pk == session.pk)
        return [alert.kind for alert in row.alerts]

    # The last reading 3 minutes ago; every 10 minutes while infusing.
    assert alerts_at(now + timedelta(minutes=6)) == []
    assert alerts_at(now + timedelta(minutes=8)) == ["overdue"]


def _shown(html: str) -> str:
    return re.search(r"shown=([0-9a-f]+)", html).group(1)


def test_the_poll_answers_204_until_something_changes(world):
    first = fill_board(world, 4)
    client = client_for(world.staff["nurse"])
    # The board's fingerprint holds the minute: the page and the poll are read
    # in the same one.
    with time_machine.travel(timezone.now(), tick=False):
        page = client.get(URL)
        shown = _shown(page.text)
        seen = AuditEvent.objects.filter(action="search").count()
        unchanged = client.get(POLL, {"shown": shown})
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert AuditEvent.objects.filter(action="search").count() == seen
    Session.objects.filter(pk=first["ready"].infusion.pk).update(
        state=Session.State.INFUSING, started_at=timezone.now(), revision=5
    )
    changed = client.get(POLL, {"shown": shown})
    assert changed.status_code == 200
    assert 'id="board-body"' in changed.text and "<html" not in changed.text
    assert _shown(changed.text) != shown
    assert AuditEvent.objects.filter(action="search").count() == seen + 1
    # An appointment's status counts too.
    again = _shown(changed.text)
    Appointment.objects.filter(pk=first["expected"].pk).update(
        status=Appointment.Status.NO_SHOW
    )
    assert client.get(POLL, {"shown": again}).status_code == 200


def test_the_poll_changes_with_the_minute(world):
    fill_board(world, 2)
    location = world.patient.location
    now = timezone.now()
    day = timezone.localtime(now, location.zone).date()
    assert boards.fingerprint(location, day, now) != boards.fingerprint(
        location, day, now + timedelta(minutes=1)
    )


@pytest.mark.parametrize("chairs", [2, 12])
def test_a_bounded_number_of_queries(world, chairs, django_assert_max_num_queries):
    fill_board(world, chairs)
    client = client_for(world.staff["nurse"])
    client.get(URL)  # the session and the user's first reads
    with django_assert_max_num_queries(16):
        response = client.get(URL)
    assert response.text.count("<article") == chairs
    with django_assert_max_num_queries(15):
        assert client.get(POLL).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(POLL, {"shown": _shown(response.text)}).status_code == 204


def test_other_locations_see_their_own_board(world):
    fill_board(world, 2)
    html = client_for(world.stranger).get(URL).text
    assert "Board0" not in html
    assert "This location has no infusion chairs." in html


def test_another_day_and_a_bad_day(world):
    first = fill_board(world, 2)
    client = client_for(world.staff["nurse"])
    tomorrow = (first["expected"].local_start + timedelta(days=1)).date()
    html = client.get(URL, {"day": tomorrow.isoformat()}).text
    assert "No infusion booked this day." in html
    assert "Check in" not in html
    bad = client.get(URL, {"day": "2026-13-45"})
    assert bad.status_code == 200
    assert "not a day the board shows" in bad.text


def test_check_in_from_the_board(world):
    first = fill_board(world, 1)
    client = client_for(world.staff["nurse"])
    html = client.get(URL).text
    expected = first["expected"]
    assert f"Check in {expected.patient.first_name}" in html
    # The patient needs a plan of their own to be checked in.
    response = client.post(reverse("infusions:check_in", args=[expected.uuid]))
    assert response.status_code == 302
    # The front desk sees the board but does not check in for the infusion.
    desk = client_for(world.staff["front_desk"]).get(URL).text
    assert "Check in " not in desk


def test_the_nurse_starts_the_day_on_the_board_and_finds_it_in_the_menu(world):
    client = client_for(world.staff["nurse"])
    assert client.get("/").url == URL
    assert f'href="{URL}"' in client.get(URL).text
    admin = client_for(world.staff["admin"]).get("/audit/").text
    assert f'href="{URL}"' not in admin


def test_an_open_alert_shows_until_handled_and_moves_the_poll(world):
    from ketaclinic.audit.actor import Actor
    from ketaclinic.infusions import alerts
    from ketaclinic.infusions.models import Alert

    first = fill_board(world, len(KINDS))
    session = first["infusing"].infusion
    client = client_for(world.staff["nurse"])
    shown = _shown(client.get(URL).text)
    alert = Alert.objects.create(
        session=session,
        kind=Alert.Kind.PROVIDER_NEEDED,
        words="Pause: provider to the chair.",
        raised_at=timezone.now(),
    )
    changed = client.get(POLL, {"shown": shown})
    assert changed.status_code == 200
    row = _article(changed.text, session.patient.display_name)
    assert "Provider to the chair: Pause: provider to the chair." in row
    alerts.handle(actor=Actor.system(world.staff["provider"]), alert=alert, note="Seen")
    after = client.get(POLL, {"shown": _shown(changed.text)})
    assert after.status_code == 200
    assert "Provider to the chair" not in _article(
        after.text, session.patient.display_name
    )


def test_a_reading_that_calls_the_provider_is_one_line_until_the_call_is_handled(
    world,
):
    """A pause-level reading raises a provider's call that says the reading:
    the board and the start page show it once; once the call is handled, the
    reading, still the latest, is shown on its own."""
    import uuid

    from ketaclinic.audit.actor import Actor
    from ketaclinic.infusions import alerts, monitoring
    from ketaclinic.infusions.models import Alert

    first = fill_board(world, len(KINDS))
    session = first["infusing"].infusion
    monitoring.record_vitals(
        actor=Actor.system(world.staff["nurse"]),
        session=session,
        client_id=uuid.uuid4(),
        charted_at=timezone.now() - timedelta(minutes=1),
        phase="infusion",
        values={
            "systolic_mmhg": 186,
            "diastolic_mmhg": 100,
            "heart_rate_bpm": 80,
            "spo2_pct": 97,
            "symptoms": [],
        },
    )
    client = client_for(world.staff["nurse"])
    row = _article(client.get(URL).text, session.patient.display_name)
    start_page = client.get(reverse("today")).text
    for html in (row, start_page):
        assert html.count("186/100 mmHg") == 1
        assert "Provider to the chair" in html
        assert "Reading over a limit: pause" not in html
    alerts.handle(
        actor=Actor.system(world.staff["provider"]),
        alert=Alert.objects.get(session=session),
        note="Seen; pump paused.",
    )
    row = _article(client.get(URL).text, session.patient.display_name)
    assert "Provider to the chair" not in row
    assert "Reading over a limit: pause" in row and "186/100 mmHg" in row


def test_a_held_patients_reason_is_said_once(world):
    first = fill_board(world, len(KINDS))
    held = first["held"].infusion
    Session.objects.filter(pk=held.pk).update(
        state_reason="Blood pressure 168/102 mmHg on the re-check"
    )
    row = _article(
        client_for(world.staff["nurse"]).get(URL).text, held.patient.display_name
    )
    assert row.count("Blood pressure 168/102 mmHg on the re-check") == 1
    assert "Waiting for a provider&#x27;s decision: Blood pressure 168/102" in row
