"""Recovery, discharge, instructions and the note through the pages."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from ketaclinic.infusions.models import (
    CoSignature,
    Discharge,
    Override,
    Session,
    SessionNote,
)
from tests.conftest import PASSWORD, client_for
from tests.infusions.discharge_helpers import discharged, in_recovery

pytestmark = pytest.mark.django_db

READY = {
    "item_activity": "2",
    "item_nausea": "2",
    "item_pain": "2",
    "item_bleeding": "2",
    "escort_seen": "on",
}


def page(session):
    return reverse("infusions:session", args=[session.uuid])


def test_recovery_shows_the_countdown_the_score_and_the_escort(world):
    session = in_recovery(world, stopped_minutes_ago=10)
    html = client_for(world.staff["nurse"]).get(page(session)).content.decode()
    assert "Recovery and discharge" in html
    assert "20 minutes to go" in html
    assert "I have seen Sam Lee, brother" in html
    # The score's choices are clinical.recovery's words.
    assert "knows who and where they are and the date, and walks steadily" in html
    assert "Bleeding at the drip site" in html
    assert 'type="radio"' in html


def test_a_front_desk_reader_sees_recovery_without_the_form(world):
    session = in_recovery(world)
    html = client_for(world.staff["front_desk"]).get(page(session)).content.decode()
    assert "Recovery and discharge" in html
    assert "I have seen" not in html


def test_discharge_from_the_page(world):
    session = in_recovery(world)
    client = client_for(world.staff["nurse"])
    response = client.post(reverse("infusions:discharge", args=[session.uuid]), READY)
    assert response.status_code == 302
    record = Discharge.objects.get()
    assert record.escort_name == "Sam Lee, brother"
    html = client.get(page(session)).content.decode()
    assert "Discharged" in html and "Print the instructions" in html
    assert "Draft" in html and "Sign the note" in html
    assert "Dose:" in html or "Checked in at" in html  # the draft's text


def refused(client, session, data):
    """A refused discharge goes back to the page by a redirect; the page
    then shows what was typed and why, once."""
    response = client.post(reverse("infusions:discharge", args=[session.uuid]), data)
    assert response.status_code == 302
    assert response.url == page(session) + "#recovery"
    shown = client.get(page(session))
    assert shown.status_code == 200
    return shown


def test_a_missing_answer_is_shown_beside_its_field(world):
    session = in_recovery(world)
    data = {k: v for k, v in READY.items() if k != "item_pain"}
    client = client_for(world.staff["nurse"])
    response = refused(client, session, data)
    form = response.context["discharge_form"]
    assert "item_pain" in form.errors
    assert form["item_activity"].value() == "2"  # what was typed is kept
    assert not Discharge.objects.exists()
    # Shown once: the page read again is a fresh form.
    assert client.get(page(session)).context["discharge_form"] is None


def test_nonsense_answers_are_refused_without_a_server_error(world):
    session = in_recovery(world)
    data = {**READY, "item_activity": "9", "override_by": "nobody"}
    refused(client_for(world.staff["nurse"]), session, data)
    assert not Discharge.objects.exists()


def test_a_refused_discharge_reloaded_later_discharges_nobody(world):
    """The refusal is a redirect, so reloading the page after the minimum
    only reads it: the discharge is sent again only by the nurse."""
    session = in_recovery(world, stopped_minutes_ago=5)
    client = client_for(world.staff["nurse"])
    shown = refused(client, session, READY)
    assert "25 minutes to go" in shown.content.decode()
    # The minimum passes; the nurse reloads the page she was shown.
    Session.objects.filter(pk=session.pk).update(
        stopped_at=session.stopped_at - timedelta(minutes=40)
    )
    assert client.get(page(session)).status_code == 200
    assert not Discharge.objects.exists()


def test_a_providers_password_is_never_kept_with_a_refusal(world):
    session = in_recovery(world, stopped_minutes_ago=5)
    client = client_for(world.staff["nurse"])
    data = {
        **READY,
        "override_by": world.staff["provider"].pk,
        "override_secret": "wrong-password",
        "override_reason": "Steady.",
    }
    shown = refused(client, session, data)
    assert "wrong-password" not in shown.content.decode()
    assert "wrong-password" not in str(dict(client.session))
    assert shown.context["discharge_form"]["override_reason"].value() == "Steady."


def test_too_early_says_why_and_a_provider_overrides_on_the_spot(world):
    session = in_recovery(world, stopped_minutes_ago=5)
    client = client_for(world.staff["nurse"])
    url = reverse("infusions:discharge", args=[session.uuid])
    response = refused(client, session, READY)
    html = response.content.decode()
    assert "25 minutes to go" in html
    assert "Choose the provider who agrees." in html
    provider = world.staff["provider"]
    response = client.post(
        url,
        {
            **READY,
            "override_by": provider.pk,
            "override_secret": PASSWORD,
            "override_reason": "Steady and awake; escort waiting.",
        },
    )
    assert response.status_code == 302
    override = Override.objects.get(session=session)
    assert override.by == provider and override.about == "recovery_minimum"
    html = client.get(page(session)).content.decode()
    assert "Provider&#x27;s override by" in html or "Provider's override by" in html


def test_the_instructions_page_is_in_the_patients_language(world):
    world.patient.preferred_language = "es"
    world.patient.save()
    world.home.phone = "+13035550100"
    world.home.save()
    session = discharged(world)
    response = client_for(world.staff["front_desk"]).get(
        reverse("infusions:instructions", args=[session.uuid])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="es"' in html
    assert "Después de su infusión de ketamina" in html
    assert "988" in html and "911" in html
    assert "(303) 555-0100" in html


def test_sign_cosign_and_amend_from_the_page(world):
    session = discharged(world)
    nurse = client_for(world.staff["nurse"])
    url = reverse("infusions:note_sign", args=[session.uuid])
    response = nurse.post(url, {"text": "Uneventful infusion.", "secret": "wrong"})
    assert response.status_code == 200
    assert "secret" in response.context["note_form"].errors
    response = nurse.post(url, {"text": "Uneventful infusion.", "secret": PASSWORD})
    assert response.status_code == 302
    note = SessionNote.objects.get()
    provider = client_for(world.staff["provider"])
    response = provider.post(
        reverse("infusions:note_cosign", args=[session.uuid]),
        {"note": note.pk, "secret": PASSWORD},
    )
    assert response.status_code == 302
    assert CoSignature.objects.get().by == world.staff["provider"]
    response = nurse.post(
        url,
        {
            "text": "Uneventful infusion; mild nausea at 10 minutes.",
            "secret": PASSWORD,
            "amends": note.pk,
            "amendment_reason": "Nausea left out.",
        },
    )
    assert response.status_code == 302
    html = nurse.get(page(session)).content.decode()
    assert html.count('data-testid="note-version"') == 2
    assert "Uneventful infusion." in html  # the original, kept
    assert "Nausea left out." in html
    assert "co-signed by Provider" in html


def test_bad_note_version_numbers_do_not_break(world):
    session = discharged(world)
    nurse = client_for(world.staff["nurse"])
    for amends in ("abc", "99999"):
        response = nurse.post(
            reverse("infusions:note_sign", args=[session.uuid]),
            {"text": "x", "secret": PASSWORD, "amends": amends},
        )
        assert response.status_code == 302
    assert not SessionNote.objects.exists()
    response = client_for(world.staff["provider"]).post(
        reverse("infusions:note_cosign", args=[session.uuid]), {"note": "x"}
    )
    assert response.status_code == 302


def test_the_chart_lists_the_sessions(world):
    session = discharged(world)
    client = client_for(world.staff["nurse"])
    client.post(
        reverse("infusions:note_sign", args=[session.uuid]),
        {"text": "Signed.", "secret": PASSWORD},
    )
    html = client.get(reverse("patients:chart", args=[world.patient.uuid])).content
    html = html.decode()
    assert 'data-testid="chart-infusion"' in html
    assert "10 of 10" in html
    assert "signed, not co-signed" in html
    assert page(session) in html
    front = client_for(world.staff["front_desk"]).get(
        reverse("patients:chart", args=[world.patient.uuid])
    )
    assert 'data-testid="chart-infusion"' not in front.content.decode()


def test_the_chart_reads_the_sessions_in_one_query_however_many(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.infusions.discharge_helpers import discharged as make

    client = client_for(world.staff["nurse"])
    url = reverse("patients:chart", args=[world.patient.uuid])
    make(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    # More sessions on earlier days (check-in is for today's visits only:
    # copy today's session instead).
    from ketaclinic.infusions.models import Session

    first = Session.objects.get()
    for days in range(1, 5):
        visit = first.appointment
        visit.pk = None
        visit.uuid = uuid.uuid4()
        visit.starts_at -= timedelta(days=days)
        visit.ends_at -= timedelta(days=days)
        visit.save()
        Session.objects.create(
            appointment=visit,
            patient=first.patient,
            location=first.location,
            plan=first.plan,
            checked_in_at=first.checked_in_at,
            checked_in_by=first.checked_in_by,
        )
    assert count() == one
    html = client.get(url).content.decode()
    assert html.count('data-testid="chart-infusion"') == 5


def test_the_same_form_sent_twice_discharges_once(world):
    session = in_recovery(world)
    client = client_for(world.staff["nurse"])
    url = reverse("infusions:discharge", args=[session.uuid])
    data = {**READY, "client_id": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same discharge
    assert Discharge.objects.count() == 1
    other = client.post(url, {**READY, "client_id": str(uuid.uuid4())}, follow=True)
    assert "Already discharged" in other.content.decode()


def test_the_pages_read_in_plain_words(world):
    from tests.conftest import make_patient
    from tests.core.test_plain_words import CODE, _Page
    from tests.infusions.test_notes import charted

    other = make_patient(world.home, first_name="Mary", phone="+13035550177")
    recovering = in_recovery(world, other, stopped_minutes_ago=5)
    done = charted(world)
    nurse = client_for(world.staff["nurse"])
    nurse.post(
        reverse("infusions:note_sign", args=[done.uuid]),
        {"text": "Signed.", "secret": PASSWORD},
    )
    urls = [
        page(recovering),
        page(done),
        reverse("infusions:instructions", args=[done.uuid]),
        reverse("patients:chart", args=[world.patient.uuid]),
    ]
    nurse.post(reverse("infusions:discharge", args=[recovering.uuid]), READY)
    pages = [nurse.get(url) for url in urls]  # the first shows the refusal
    for response in pages:
        assert response.status_code == 200
        text = _Page()
        text.feed(response.content.decode())
        assert CODE.findall(" ".join(text.text)) == [], response.request["PATH_INFO"]


def test_refusals_without_a_field_are_said_on_top_of_the_page(world):
    session = in_recovery(world)
    nurse = client_for(world.staff["nurse"])
    response = nurse.post(
        reverse("infusions:note_sign", args=[session.uuid]),
        {"text": "Too soon.", "secret": PASSWORD},
        follow=True,
    )
    assert "once the patient has been discharged" in response.content.decode()
    assert not SessionNote.objects.exists()
    # Co-signing a version co-signed already.
    nurse.post(reverse("infusions:discharge", args=[session.uuid]), READY)
    nurse.post(
        reverse("infusions:note_sign", args=[session.uuid]),
        {"text": "Signed.", "secret": PASSWORD},
    )
    note = SessionNote.objects.get()
    provider = client_for(world.staff["provider"])
    url = reverse("infusions:note_cosign", args=[session.uuid])
    provider.post(url, {"note": note.pk, "secret": PASSWORD})
    response = provider.post(url, {"note": note.pk, "secret": PASSWORD}, follow=True)
    assert "co-signed already" in response.content.decode()
    assert CoSignature.objects.count() == 1
