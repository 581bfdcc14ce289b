"""Monitoring on the session page, through the test client: the flowsheet form,
its messages by field, the pause prompt and alerts, side effects and medicines,
the polled parts, the SVG chart and a bounded number of queries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import monitoring, svg
from ketaclinic.infusions.models import (
    Alert,
    MedicationGiven,
    PumpEvent,
    SideEffect,
    VitalReading,
)
from tests.conftest import PASSWORD, client_for
from tests.infusions.test_monitoring import NORMAL, infusing

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    return infusing(world)


def hhmm(session, minutes_ago: int = 0) -> str:
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    return f"{timezone.localtime(moment, session.location.zone):%H:%M}"


def reading_form(session, **fields) -> dict:
    data = {
        "client_id": str(uuid.uuid4()),
        "charted_time": hhmm(session),
        "phase": "infusion",
        **{k: str(v) for k, v in NORMAL.items()},
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post_reading(client, session, data, **headers):
    return client.post(
        reverse("infusions:vitals_record", args=[session.uuid]), data, **headers
    )


def test_the_page_shows_the_form_with_units_and_a_fresh_client_id(world, session):
    page = client_for(world.staff["nurse"]).get(
        reverse("infusions:session", args=[session.uuid])
    )
    html = page.text
    assert 'inputmode="numeric"' in html and "beats/min" in html and "mmHg" in html
    assert "responds readily to name in a normal tone" in html  # MOAA/S words
    assert 'name="client_id"' in html
    assert "Next vital signs due" in html or "Vital signs overdue" in html
    assert "Standing orders of the plan" in html and "Ondansetron 4 mg IV" in html


def test_a_reading_is_charted_once_even_when_sent_twice(world, session):
    client = client_for(world.staff["nurse"])
    data = reading_form(session, charted_time=hhmm(session, 2))
    first = post_reading(client, session, data)
    assert first.status_code == 302 and first.url.endswith("#flowsheet")
    assert post_reading(client, session, data).status_code == 302
    assert VitalReading.objects.count() == 1
    page = client.get(reverse("infusions:session", args=[session.uuid])).text
    assert "128/78" in page and "Within the plan&#x27;s limits." in page


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"spo2_pct": "120"}, "spo2_pct", "120 %"),
        ({"heart_rate_bpm": "0"}, "heart_rate_bpm", "0 beats/min"),
        ({"systolic_mmhg": "80", "diastolic_mmhg": "95"}, "diastolic_mmhg", "swapped"),
        ({"heart_rate_bpm": "fast"}, "heart_rate_bpm", "whole number"),
        ({"charted_time": "25:99"}, "charted_time", "hours and minutes"),
        ({"moaas": "9"}, "moaas", "valid choice"),
        ({"client_id": "junk"}, None, ""),
    ],
)
def test_bad_readings_come_back_with_the_message_by_the_field(
    world, session, fields, field, words
):
    response = post_reading(
        client_for(world.staff["nurse"]), session, reading_form(session, **fields)
    )
    assert response.status_code == 200
    assert "Nothing was saved" in response.text
    if field:
        form = response.context["vitals_form"]
        assert words in " ".join(form.errors[field])
        assert f'id="id_{field}_error"' in response.text
    assert not VitalReading.objects.exists()


def test_a_time_in_the_future_is_refused_by_the_time_field(world, session):
    data = reading_form(session, charted_time=hhmm(session, -15))
    response = post_reading(client_for(world.staff["nurse"]), session, data)
    assert (
        monitoring.IN_THE_FUTURE
        in response.context["vitals_form"].errors["charted_time"][0]
    )


def test_high_blood_pressure_asks_the_symptom_questions(world, session):
    client = client_for(world.staff["nurse"])
    high = reading_form(session, systolic_mmhg="186", diastolic_mmhg="100")
    response = post_reading(client, session, high)
    assert "ask the patient about each symptom" in response.text
    assert '<details class="symptoms" open>' in response.text
    assert not VitalReading.objects.exists()
    both = high | {"symptoms": ["chest_pain"], "symptoms_none": "on"}
    assert "not both" in post_reading(client, session, both).text
    answered = high | {"symptoms": ["severe_headache"]}
    assert post_reading(client, session, answered).status_code == 302
    assert VitalReading.objects.get().action == "stop"


def test_a_pause_level_reading_prompts_the_pause_and_calls_a_provider(world, session):
    client = client_for(world.staff["nurse"])
    data = reading_form(session, spo2_pct="89", systolic_mmhg="130")
    response = post_reading(client, session, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Pause the pump now." in response.text
    assert "Provider to the chair" in response.text
    assert 'id="flowsheet"' in response.text  # the part, not the page
    assert "<html" not in response.text
    alert = Alert.objects.get()
    url = reverse("infusions:alert_handle", args=[session.uuid, alert.pk])
    provider = client_for(world.staff["provider"])
    empty = provider.post(url, {"note": " "})
    assert empty.status_code == 200 and "This field is required" in empty.text
    assert provider.post(url, {"note": "Oxygen 2 L, SpO2 95 %"}).status_code == 302
    alert.refresh_from_db()
    assert alert.handled_by == world.staff["provider"]
    again = provider.post(url, {"note": "again"}, follow=True)
    assert "already marked handled" in again.text


def test_overdue_vitals_are_shown_loudly(world, session):
    nurse = Actor.system(world.staff["nurse"])
    monitoring.record_vitals(
        actor=nurse,
        session=session,
        client_id=uuid.uuid4(),
        charted_at=timezone.now() - timedelta(minutes=30),
        phase="infusion",
        values=NORMAL,
    )
    page = client_for(world.staff["nurse"]).get(
        reverse("infusions:session", args=[session.uuid])
    )
    assert 'class="due overdue" role="alert"' in page.text
    assert "Vital signs overdue since" in page.text and "20 minutes" in page.text


def test_the_live_part_answers_204_while_nothing_changed(world, session):
    nurse, other = (
        client_for(world.staff["nurse"]),
        client_for(world.staff["provider"]),
    )
    url = reverse("infusions:monitor_live", args=[session.uuid])
    session.refresh_from_db()
    views_before = AuditEvent.objects.filter(action="view").count()
    unchanged = nurse.get(url, {"revision": session.revision})
    assert unchanged.status_code == 204
    assert AuditEvent.objects.filter(action="view").count() == views_before
    # The other nurse charts: the first sees it on the next poll.
    post_reading(other, session, reading_form(session, heart_rate_bpm="77"))
    changed = nurse.get(url, {"revision": session.revision, "part": "flowsheet"})
    assert changed.status_code == 200 and ">77<" in changed.text
    assert f"revision={session.revision + 1}" in changed.text
    assert 'name="systolic_mmhg"' not in changed.text  # the form is left alone
    assert nurse.get(url, {"part": "elsewhere"}).status_code == 404
    stranger = client_for(world.stranger).get(url, {"revision": 0})
    assert stranger.status_code == 404


def test_side_effects_and_medicines_from_the_page(world, session):
    client = client_for(world.staff["nurse"])
    effect_url = reverse("infusions:side_effect_record", args=[session.uuid])
    nausea = {
        "client_id": str(uuid.uuid4()),
        "charted_time": hhmm(session),
        "kind": "nausea",
        "severity": "moderate",
        "notes": "",
    }
    assert client.post(effect_url, nausea).status_code == 302
    assert client.post(effect_url, nausea).status_code == 302
    assert SideEffect.objects.count() == 1
    bad = client.post(
        effect_url, nausea | {"client_id": str(uuid.uuid4()), "kind": "x"}
    )
    assert "valid choice" in " ".join(bad.context["side_effect_form"].errors["kind"])

    medicine_url = reverse("infusions:medication_record", args=[session.uuid])
    dose = {
        "charted_time": hhmm(session, 5),
        "drug": "Ondansetron",
        "dose_mg": "4",
        "route": "IV",
        "indication": "nausea",
    }
    given = client.post(medicine_url, dose | {"client_id": str(uuid.uuid4())})
    assert given.status_code == 302
    second = client.post(
        medicine_url,
        dose | {"client_id": str(uuid.uuid4()), "charted_time": hhmm(session)},
    )
    assert "at least 30 minutes" in " ".join(
        second.context["medication_form"].errors["charted_time"]
    )
    unordered = client.post(
        medicine_url,
        dose | {"client_id": str(uuid.uuid4()), "drug": "lorazepam", "dose_mg": "1"},
    )
    assert "no standing order" in " ".join(
        unordered.context["medication_form"].errors["ordered_by"]
    )
    ordered = client.post(
        medicine_url,
        dose
        | {
            "client_id": str(uuid.uuid4()),
            "drug": "lorazepam",
            "dose_mg": "1",
            "indication": "anxiety",
            "ordered_by": str(world.staff["provider"].pk),
            "order_reason": "Anxious, no midazolam on the shelf",
            "order_secret": PASSWORD,
        },
    )
    assert ordered.status_code == 302
    assert MedicationGiven.objects.count() == 2
    page = client.get(reverse("infusions:session", args=[session.uuid])).text
    assert "Ordered by" in page and "Standing order" in page

    first = MedicationGiven.objects.get(drug="ondansetron")
    effect = client.post(
        reverse("infusions:medication_effect", args=[session.uuid]),
        {
            "client_id": str(uuid.uuid4()),
            "medication": str(first.client_id),
            "effect": "Settled",
        },
    )
    assert effect.status_code == 302
    events = client.get(
        reverse("infusions:monitor_live", args=[session.uuid]), {"part": "events"}
    ).text
    assert "Settled" in events and events.count("Ondansetron") == 1


def test_the_flowsheet_page_runs_in_a_bounded_number_of_queries(
    world, session, django_assert_max_num_queries
):
    nurse = Actor.system(world.staff["nurse"])
    client = client_for(world.staff["nurse"])
    url = reverse("infusions:session", args=[session.uuid])

    def chart(count: int, start: int) -> None:
        for n in range(count):
            monitoring.record_vitals(
                actor=nurse,
                session=session,
                client_id=uuid.uuid4(),
                charted_at=timezone.now() - timedelta(minutes=start - n * 5),
                phase="infusion",
                values=NORMAL | {"heart_rate_bpm": 70 + n},
            )
            monitoring.record_side_effect(
                actor=nurse,
                session=session,
                client_id=uuid.uuid4(),
                charted_at=timezone.now() - timedelta(minutes=start - n * 5),
                kind="nausea",
                severity="mild",
            )

    chart(2, 45)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    chart(8, 35)
    with django_assert_max_num_queries(20) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The chart ---------------------------------------------------------------------


def test_the_svg_chart_marks_the_pump_and_is_described():
    zone = ZoneInfo("America/Denver")
    start = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)

    def reading(minutes, systolic, diastolic, hr, spo2):
        return SimpleNamespace(
            charted_at=start + timedelta(minutes=minutes),
            systolic_mmhg=systolic,
            diastolic_mmhg=diastolic,
            heart_rate_bpm=hr,
            spo2_pct=spo2,
        )

    readings = [
        reading(0, 128, 80, 72, 98),
        reading(10, 150, 90, 88, 96),
        reading(20, None, None, 90, None),
    ]
    events = [
        SimpleNamespace(kind="start", charted_at=start + timedelta(minutes=2)),
        SimpleNamespace(kind="pause", charted_at=start + timedelta(minutes=12)),
        SimpleNamespace(kind="stop", charted_at=start + timedelta(minutes=40)),
    ]
    drawn = svg.vitals_chart(readings, events, zone=zone, title="Ada <& co>")
    assert drawn.startswith("<svg") and drawn.endswith("</svg>")
    assert '<title id="vitals-chart-title">Ada &lt;&amp; co&gt;</title>' in drawn
    assert "Started" in drawn and "Paused" in drawn and "Stopped" in drawn
    assert "09:00: blood pressure 128/80 mmHg, heart rate 72 beats/min" in drawn
    assert "mmHg and beats/min" in drawn and "SpO2 %" in drawn
    assert drawn.count("<rect") == 2 + 2 + 2  # two BP bars, 2 SpO2, 2 in the legend
    assert drawn.count("<circle") == 3 + 1  # three heart rates, one in the legend
    assert "style=" not in drawn  # the page's policy forbids inline styles
    assert svg.vitals_chart([], events, zone=zone) == ""


def test_the_page_draws_the_chart_with_the_pump_events(world, session):
    nurse = Actor.system(world.staff["nurse"])
    PumpEvent.objects.create(
        session=session,
        kind="start",
        charted_at=session.started_at,
        by=world.staff["nurse"],
    )
    monitoring.record_vitals(
        actor=nurse,
        session=session,
        client_id=uuid.uuid4(),
        charted_at=timezone.now(),
        phase="infusion",
        values=NORMAL,
    )
    page = client_for(world.staff["nurse"]).get(
        reverse("infusions:session", args=[session.uuid])
    )
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert "Started at" in page.text


def test_the_monitoring_parts_read_in_plain_words(world, session):
    from tests.core.test_plain_words import CODE, _Page

    nurse = Actor.system(world.staff["nurse"])
    for values, ago in (
        (NORMAL | {"systolic_mmhg": 190, "symptoms": ["visual_change"]}, 20),
        (NORMAL | {"heart_rate_bpm": 130, "dissociation": 15}, 10),
    ):
        monitoring.record_vitals(
            actor=nurse,
            session=session,
            client_id=uuid.uuid4(),
            charted_at=timezone.now() - timedelta(minutes=ago),
            phase="infusion",
            values=values,
        )
    monitoring.record_side_effect(
        actor=nurse,
        session=session,
        client_id=uuid.uuid4(),
        charted_at=timezone.now(),
        kind="emergence",
        severity="severe",
    )
    client = client_for(world.staff["nurse"])
    for url in (
        reverse("infusions:session", args=[session.uuid]),
        reverse("infusions:monitor_live", args=[session.uuid]) + "?part=events",
    ):
        parser = _Page()
        parser.feed(client.get(url).text)
        text = " ".join(parser.text)
        assert CODE.findall(text) == [], url
    assert "Emergence reaction" in text
