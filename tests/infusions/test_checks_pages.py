"""The checklist and dose-and-pump parts of the session page, through the
test client (htmx posts answer with the part again)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.infusions import administration, signals
from ketaclinic.infusions.models import (
    Check,
    DoubleCheckFirst,
    DrugDraw,
    PumpEvent,
    Session,
)
from tests.conftest import PASSWORD, client_for
from tests.infusions.checks_helpers import (
    all_checked,
    double_checked,
    ready_and_drawn,
    second_nurse,
)
from tests.infusions.helpers import checked_in

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def post(client, session, name, data, **extra):
    return client.post(reverse(f"infusions:{name}", args=[session.uuid]), data, **extra)


def test_the_page_shows_the_checklist_and_the_nurses_forms(world):
    session = checked_in(world)
    page = client_for(world.staff["nurse"]).get(
        reverse("infusions:session", args=[session.uuid])
    )
    html = page.content.decode()
    assert "Before the infusion" in html
    assert "Hours since solid food" in html
    assert 'name="escort-escort_name"' in html
    assert 'inputmode="decimal"' in html


def test_the_front_desk_sees_the_checklist_without_forms(world):
    session = checked_in(world)
    html = (
        client_for(world.staff["front_desk"])
        .get(reverse("infusions:checks", args=[session.uuid]))
        .content.decode()
    )
    assert "Before the infusion" in html
    assert "escort-escort_name" not in html


def test_the_escort_is_prefilled_from_the_reminder(world):
    session = checked_in(world)
    appointment = session.appointment
    appointment.answers = {"escort_name": "Sam Answer", "escort_phone": "+13035550111"}
    appointment.save(update_fields=["answers"])
    html = (
        client_for(world.staff["nurse"])
        .get(reverse("infusions:checks", args=[session.uuid]))
        .content.decode()
    )
    assert 'value="Sam Answer"' in html


def test_an_escort_posted_with_htmx_answers_with_the_part(world):
    session = checked_in(world)
    response = post(
        client_for(world.staff["nurse"]),
        session,
        "check_record",
        {
            "form": "escort",
            "escort-escort_name": "Kim",
            "escort-escort_relation": "Sister",
            "escort-escort_phone": "(303) 555-0101",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="infusion-checks"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert response["HX-Trigger"] == "infusion-dose-changed"  # the dose part follows
    session.refresh_from_db()
    assert session.escort_name == "Kim"


def test_a_refused_entry_shows_its_message_beside_the_field(world):
    session = checked_in(world)
    response = post(
        client_for(world.staff["nurse"]),
        session,
        "check_record",
        {"form": "weight", "weight-weight": "80", "weight-unit": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_weight-unit_error"' in html or "Choose kg or lb." in html
    assert "Choose kg or lb." in html
    assert "HX-Trigger" not in response
    assert not Check.objects.filter(key="weight").exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"form": "nonsense"},
        {"form": "fasting", "fasting-solids_hours": "x" * 5000},
        {"form": "questionnaire", "questionnaire-q1": "99"},
        {"form": "escort", "escort-client_id": "not-a-uuid", "escort-escort_name": "K"},
    ],
)
def test_no_input_makes_a_server_error(world, data):
    session = checked_in(world)
    client = client_for(world.staff["nurse"])
    assert post(client, session, "check_record", data).status_code == 200
    assert post(client, session, "check_record", data, **HTMX).status_code == 200
    assert post(client, session, "dose_record", data, **HTMX).status_code == 200


def test_a_provider_overrides_a_hold_from_the_page(world):
    session = checked_in(world)
    nurse = client_for(world.staff["nurse"])
    post(
        nurse,
        session,
        "check_record",
        {"form": "fasting", "fasting-solids_hours": "3", "fasting-clear_hours": "3"},
    )
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    provider = client_for(world.staff["provider"])
    page = provider.get(reverse("infusions:checks", args=[session.uuid]))
    assert "Proceed anyway" in page.content.decode()
    wrong = post(
        provider,
        session,
        "hold_decide",
        {
            "form": "decision-fasting_solids",
            "decision-fasting_solids-about": "fasting_solids",
            "decision-fasting_solids-decision": "override",
            "decision-fasting_solids-reason": "Small breakfast.",
            "decision-fasting_solids-secret": "wrong",
        },
        **HTMX,
    )
    assert "not your password" in wrong.content.decode()
    post(
        provider,
        session,
        "hold_decide",
        {
            "form": "decision-fasting_solids",
            "decision-fasting_solids-about": "fasting_solids",
            "decision-fasting_solids-decision": "override",
            "decision-fasting_solids-reason": "Small breakfast.",
            "decision-fasting_solids-secret": PASSWORD,
        },
        **HTMX,
    )
    session.refresh_from_db()
    assert session.state == Session.State.CHECKED_IN


def test_a_nurse_cannot_post_a_decision(world):
    session = checked_in(world)
    response = post(
        client_for(world.staff["nurse"]), session, "hold_decide", {"form": "x"}
    )
    assert response.status_code == 403


def test_the_page_never_shows_the_first_entry_to_anyone(world):
    session = all_checked(world)
    nurse = client_for(world.staff["nurse"])
    response = post(
        nurse,
        session,
        "dose_record",
        {"form": "first", "first-rate": "123.4", "first-volume": "87.6"},
        **HTMX,
    )
    assert DoubleCheckFirst.objects.filter(session=session).exists()
    second = client_for(second_nurse(world))
    for client in (nurse, second):
        for url in ("infusions:dose", "infusions:session"):
            html = client.get(reverse(url, args=[session.uuid])).content.decode()
            assert "123.4" not in html and "87.6" not in html
            assert "a second nurse or provider" in html
    assert "123.4" not in response.content.decode()


def test_a_blind_double_check_through_the_page(world):
    session = all_checked(world)
    rate, volume = str(session.rate_ml_per_h), str(administration.vtbi_of(session))
    nurse = client_for(world.staff["nurse"])
    post(
        nurse,
        session,
        "dose_record",
        {"form": "first", "first-rate": rate, "first-volume": volume},
        **HTMX,
    )
    second = client_for(second_nurse(world))
    mismatch = post(
        second,
        session,
        "dose_record",
        {
            "form": "second",
            "second-rate": "1.0",
            "second-volume": volume,
            "second-second": "nurse2",
            "second-second_secret": PASSWORD,
        },
        **HTMX,
    )
    assert "do not match" in mismatch.content.decode()
    post(
        nurse,
        session,
        "dose_record",
        {"form": "first", "first-rate": rate, "first-volume": volume},
        **HTMX,
    )
    post(
        second,
        session,
        "dose_record",
        {
            "form": "second",
            "second-rate": rate,
            "second-volume": volume,
            "second-second": "nurse2",
            "second-second_secret": PASSWORD,
        },
        **HTMX,
    )
    session.refresh_from_db()
    assert session.state == Session.State.READY


def test_a_lot_the_ledger_refuses_shows_beside_the_lot(world):
    session = double_checked(world)

    ml = (session.dose_mg / session.vial_mg_per_ml).quantize(
        __import__("decimal").Decimal("0.01")
    )
    # The controlled-substance ledger answers the draw: it holds no such lot.
    response = post(
        client_for(world.staff["nurse"]),
        session,
        "dose_record",
        {
            "form": "draw",
            "draw-product": "Ketamine",
            "draw-lot_number": "NOPE",
            "draw-vial_mg_per_ml": str(session.vial_mg_per_ml),
            "draw-vial_volume_ml": "20",
            "draw-volume_drawn_ml": str(ml),
            "draw-mg_drawn": str(ml * session.vial_mg_per_ml),
            "draw-witness": "nurse2",
            "draw-witness_secret": PASSWORD,
        },
        **HTMX,
    )
    html = response.content.decode()
    assert 'id="id_draw-lot_number_error"' in html
    assert "No lot NOPE" in html
    assert not DrugDraw.objects.filter(session=session).exists()


def test_lots_offered_by_the_ledger_appear_in_the_draw_form(world):
    session = double_checked(world)

    def receiver(sender, location, **kwargs):
        return [{"lot_number": "LEDGER-7", "product": "Ketamine", "vial_mg_per_ml": 10}]

    signals.draw_choices.connect(receiver)
    try:
        html = (
            client_for(world.staff["nurse"])
            .get(reverse("infusions:dose", args=[session.uuid]))
            .content.decode()
        )
    finally:
        signals.draw_choices.disconnect(receiver)
    assert "LEDGER-7" in html


def test_start_and_stop_from_the_page(world):
    session = ready_and_drawn(world)
    nurse = client_for(world.staff["nurse"])
    stop = post(
        nurse,
        session,
        "dose_record",
        {"form": "pump-stop", "pump-stop-reason": "x"},
        **HTMX,
    )
    assert "started" in stop.content.decode()
    assert not PumpEvent.objects.exists()
    post(nurse, session, "dose_record", {"form": "pump-start"}, **HTMX)
    session.refresh_from_db()
    assert session.state == Session.State.INFUSING
    html = nurse.get(reverse("infusions:dose", args=[session.uuid])).content.decode()
    assert "Given so far" in html and "Expected end" in html
    future = post(
        nurse,
        session,
        "dose_record",
        {
            "form": "pump-pause",
            "pump-pause-reason": "Nausea",
            "pump-pause-charted_at": "2999-01-01T10:00",
        },
        **HTMX,
    )
    assert "in the future" in future.content.decode()
    assert session.pump_events.count() == 1


def test_the_parts_read_in_plain_words(world):
    from tests.core.test_plain_words import CODE, _Page

    session = ready_and_drawn(world)
    nurse = client_for(world.staff["nurse"])
    post(
        nurse,
        session,
        "check_record",
        {"form": "fasting", "fasting-solids_hours": "2", "fasting-clear_hours": "1"},
    )
    for name in ("checks", "dose"):
        for role in ("nurse", "provider", "front_desk"):
            html = client_for(world.staff[role]).get(
                reverse(f"infusions:{name}", args=[session.uuid])
            )
            page = _Page()
            page.feed(html.content.decode())
            text = " ".join(page.text)
            assert not CODE.findall(text), CODE.findall(text)


def test_the_stop_opens_the_page_again_at_recovery(world):
    """The stop begins recovery, which the page had no part for: the page is
    drawn again, with the countdown and the discharge."""
    session = ready_and_drawn(world)
    nurse = client_for(world.staff["nurse"])
    post(nurse, session, "dose_record", {"form": "pump-start"}, **HTMX)
    pause = post(
        nurse,
        session,
        "dose_record",
        {"form": "pump-pause", "pump-pause-reason": "Nausea"},
        **HTMX,
    )
    assert "HX-Refresh" not in pause
    stop = post(
        nurse,
        session,
        "dose_record",
        {"form": "pump-stop", "pump-stop-reason": "Patient asked to stop"},
        **HTMX,
    )
    assert stop["HX-Refresh"] == "true"
    page = reverse("infusions:session", args=[session.uuid])
    assert "Recovery began" in nurse.get(page).content.decode()
