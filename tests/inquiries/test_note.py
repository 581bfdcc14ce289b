"""The provider's consultation note: signed, never edited, amended beside."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import services
from ketaclinic.inquiries.models import ConsultationNote, Stage
from tests.conftest import client_for
from tests.inquiries.helpers import make_lead


@pytest.fixture
def lead(world, clinic):
    return make_lead(world.home)


def sign(world, lead, outcome="proceed", text="TRD, 3 failed SSRIs.", **extra):
    return services.note_sign(
        actor=Actor.staff(world.staff["provider"]),
        inquiry=lead,
        outcome=outcome,
        text=text,
        **extra,
    )


def test_the_provider_signs_the_note_and_the_lead_moves_on(world, lead):
    provider = client_for(world.staff["provider"])
    assert provider.get(f"/leads/{lead.uuid}/note/").status_code == 200
    response = provider.post(
        f"/leads/{lead.uuid}/note/",
        {"outcome": "proceed", "text": "Two failed trials; BP 128/82."},
    )
    assert response.status_code == 302
    note = ConsultationNote.objects.get()
    assert note.signed_by == world.staff["provider"]
    lead.refresh_from_db()
    assert lead.stage == Stage.CONSULTATION_DONE
    page = provider.get(f"/leads/{lead.uuid}/").content.decode()
    assert "Proceed to intake" in page and "Two failed trials" in page


@pytest.mark.parametrize(
    ("outcome", "stage"),
    [
        ("proceed", Stage.CONSULTATION_DONE),
        ("needs_records", Stage.CONSULTATION_DONE),
        ("not_candidate", Stage.NOT_CANDIDATE),
        ("refer_out", Stage.CLOSED),
    ],
)
def test_each_outcome_leaves_the_lead_in_its_stage(world, lead, outcome, stage):
    sign(world, lead, outcome=outcome)
    lead.refresh_from_db()
    assert lead.stage == stage


@pytest.mark.parametrize("role", ["front_desk", "nurse", "manager"])
def test_only_a_provider_signs(world, lead, role):
    client = client_for(world.staff[role])
    response = client.post(
        f"/leads/{lead.uuid}/note/", {"outcome": "proceed", "text": "x"}
    )
    assert response.status_code == 403
    with pytest.raises(services.Refused):
        services.note_sign(
            actor=Actor.staff(world.staff[role]),
            inquiry=lead,
            outcome="proceed",
            text="x",
        )
    assert not ConsultationNote.objects.exists()


def test_front_desk_sees_the_outcome_but_not_the_clinical_text(world, lead):
    sign(world, lead, text="Private clinical detail")
    page = client_for(world.staff["front_desk"]).get(f"/leads/{lead.uuid}/")
    assert "Proceed to intake" in page.content.decode()
    assert "Private clinical detail" not in page.content.decode()


def test_a_signed_note_is_never_edited_by_the_model_or_the_database(world, lead):
    note = sign(world, lead)
    note.text = "changed"
    with pytest.raises(PermissionError):
        note.save()
    with pytest.raises(PermissionError):
        note.delete()
    table = ConsultationNote._meta.db_table
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET text = 'changed'")  # noqa: S608
    note.refresh_from_db()
    assert note.text == "TRD, 3 failed SSRIs."


def test_an_amendment_keeps_the_original(world, lead):
    original = sign(world, lead, outcome="not_candidate", text="Uncontrolled BP")
    provider = client_for(world.staff["provider"])
    form = provider.get(f"/leads/{lead.uuid}/note/{original.pk}/amend/")
    assert form.context["form"].initial["text"] == "Uncontrolled BP"
    amend = f"/leads/{lead.uuid}/note/{original.pk}/amend/"
    new_text = {"outcome": "proceed", "text": "BP controlled on re-check: 132/84."}
    without_reason = provider.post(amend, new_text)
    assert without_reason.status_code == 200
    assert without_reason.context["form"].errors["reason"]
    assert ConsultationNote.objects.count() == 1
    provider.post(amend, {**new_text, "reason": "Re-measured after rest"})
    amendment = ConsultationNote.objects.exclude(pk=original.pk).get()
    assert amendment.amends == original
    assert amendment.amendment_reason == "Re-measured after rest"
    original.refresh_from_db()
    assert original.text == "Uncontrolled BP" and original.outcome == "not_candidate"
    lead.refresh_from_db()
    assert lead.stage == Stage.CONSULTATION_DONE  # the amended outcome counts
    page = provider.get(f"/leads/{lead.uuid}/").content.decode()
    assert "Uncontrolled BP" in page and "BP controlled on re-check" in page
    assert "Amended" in page and "Re-measured after rest" in page
    with pytest.raises(services.Refused, match="amended already"):
        sign(world, lead, amends=original, reason="Again")
    with pytest.raises(services.Refused, match="Say why"):
        sign(world, lead, amends=amendment, reason=" ")


def test_a_note_waits_until_the_consultation_has_taken_place(world, lead):
    """Issue: a note was signed for a consultation still to come."""
    from datetime import timedelta

    from django.utils import timezone

    from ketaclinic.inquiries import queries
    from ketaclinic.scheduling.models import Appointment

    slot = queries.consultation_slots(lead, "phone")[0]
    visit = services.consultation_book(
        actor=Actor.system(), inquiry=lead, mode="phone", starts_at=slot.start
    )
    provider = client_for(world.staff["provider"])
    url = f"/leads/{lead.uuid}/note/"
    post = {"outcome": "proceed", "text": "Two failed trials.", "appointment": visit.pk}
    response = provider.post(url, post)
    assert response.status_code == 200
    assert "has not taken place yet" in response.content.decode()
    # Naming no consultation does not get round it.
    with pytest.raises(services.Refused, match="has not taken place yet"):
        sign(world, lead)
    assert not ConsultationNote.objects.exists()
    # The consultation began five minutes ago.
    begun = timezone.now() - timedelta(minutes=5)
    Appointment.objects.filter(pk=visit.pk).update(
        starts_at=begun, ends_at=begun + timedelta(minutes=30)
    )
    assert provider.post(url, post).status_code == 302
    assert ConsultationNote.objects.get().appointment == visit


def test_a_consultation_marked_done_early_takes_a_note(world, lead):
    """On the consultation's day, before its time: checked in, started and
    marked done on the appointment page, then the note is signed."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from ketaclinic.inquiries import queries
    from ketaclinic.scheduling import services as schedule

    slot = queries.consultation_slots(lead, "phone")[0]
    visit = services.consultation_book(
        actor=Actor.system(), inquiry=lead, mode="phone", starts_at=slot.start
    )
    provider = world.staff["provider"]
    with mock.patch.object(
        timezone, "now", return_value=visit.starts_at - timedelta(minutes=1)
    ):
        for status in ("checked_in", "in_progress", "completed"):
            schedule.appointment_set_status(
                actor=Actor.staff(provider), appointment=visit, status=status
            )
        assert sign(world, lead, appointment=visit).appointment == visit
