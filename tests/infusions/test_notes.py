"""The session note: drafted from the chart, signed after discharge,
co-signed by a provider, corrected by amendments that keep the original."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import notes
from ketaclinic.infusions.models import (
    CoSignature,
    Override,
    PumpEvent,
    Session,
    SessionNote,
    SideEffect,
)
from ketaclinic.infusions.services import InfusionRefused
from tests.conftest import PASSWORD
from tests.infusions.discharge_helpers import discharged, in_recovery

pytestmark = pytest.mark.django_db


def nurse(world) -> Actor:
    return Actor.system(world.staff["nurse"])


def provider(world) -> Actor:
    return Actor.system(world.staff["provider"])


def charted(world) -> Session:
    """A discharged session with a dose, a pump timeline, an override and a
    side effect on it."""
    session = discharged(world)
    by = world.staff["nurse"]
    Session.objects.filter(pk=session.pk).update(
        dose_mg=Decimal("35"),
        weight_kg=Decimal("70"),
        dosing_weight_kg=Decimal("70"),
        bag_volume_ml=Decimal("100"),
        drug_volume_ml=Decimal("0.7"),
        vial_mg_per_ml=50,
        rate_ml_per_h=Decimal("150"),
        planned_minutes=40,
        dose_arithmetic=["0.5 mg/kg × 70 kg = 35 mg"],
    )
    session.refresh_from_db()
    start = session.started_at
    for minutes, kind, rate in (
        (0, "start", Decimal("150")),
        (10, "pause", None),
        (15, "resume", None),
        (45, "stop", None),
    ):
        PumpEvent.objects.create(
            session=session,
            kind=kind,
            rate_ml_per_h=rate,
            charted_at=start + timedelta(minutes=minutes),
            by=by,
            reason="nausea" if kind == "pause" else "",
        )
    SideEffect.objects.create(
        session=session,
        kind="nausea",
        severity="mild",
        charted_at=start + timedelta(minutes=10),
        by=by,
    )
    Override.objects.create(
        session=session,
        about="blood_pressure",
        about_words="Blood pressure 162/98 before the infusion.",
        decision="override",
        reason="Anxious on arrival; re-check 148/92.",
        charted_at=start - timedelta(minutes=5),
        by=world.staff["provider"],
    )
    return session


def test_the_draft_says_what_was_charted(world):
    session = charted(world)
    text = notes.draft(session)
    assert "Dose: 35 mg for 70 kg dosing weight" in text
    assert "0.5 mg/kg × 70 kg = 35 mg" in text
    assert "paused (nausea)" in text
    # 150 mL/h for 10 + 30 minutes = the 100 mL programmed: 35 mg in 100.7 mL
    # make 34.8 mg; the 0.2 mg left in the bag is waste, not given.
    assert "Delivered: 34.8 mg (100 mL)" in text
    assert "5 minutes paused" in text
    assert "Nausea (mild)" in text
    assert "Blood pressure 162/98" in text and "Anxious on arrival" in text
    assert "Systolic blood pressure: lowest 122, highest 122 mmHg" in text
    assert "discharge score (modified PADSS) 10 of 10: passes".lower() in text.lower()
    assert "to Sam Lee, brother (the escort named at check-in" in text
    assert "Recovery lasted 45 minutes (at least 30 planned)." in text


def test_no_signing_before_discharge(world):
    session = in_recovery(world)
    with pytest.raises(InfusionRefused, match="once the patient has been discharged"):
        notes.note_sign(
            actor=nurse(world), session=session, text="Note.", secret=PASSWORD
        )
    assert not SessionNote.objects.exists()


def test_a_wrong_password_signs_nothing(world):
    session = discharged(world)
    with pytest.raises(InfusionRefused) as refused:
        notes.note_sign(actor=nurse(world), session=session, text="x", secret="nope")
    assert "secret" in refused.value.errors
    with pytest.raises(InfusionRefused) as refused:
        notes.note_sign(actor=nurse(world), session=session, text="  ", secret=PASSWORD)
    assert "text" in refused.value.errors
    assert not SessionNote.objects.exists()


def test_sign_cosign_and_amend_keeping_the_original(world):
    session = discharged(world)
    first = notes.note_sign(
        actor=nurse(world), session=session, text="First words.", secret=PASSWORD
    )
    with pytest.raises(PermissionError):
        first.text = "changed"
        first.save()
    with pytest.raises(InfusionRefused, match="amendment"):
        notes.note_sign(
            actor=nurse(world), session=session, text="Again.", secret=PASSWORD
        )
    notes.note_cosign(actor=provider(world), note=first, secret=PASSWORD)
    with pytest.raises(InfusionRefused, match="co-signed already"):
        notes.note_cosign(actor=provider(world), note=first, secret=PASSWORD)
    with pytest.raises(InfusionRefused) as refused:
        notes.note_sign(
            actor=nurse(world),
            session=session,
            text="Corrected words.",
            secret=PASSWORD,
            amends=first,
        )
    assert "amendment_reason" in refused.value.errors
    second = notes.note_sign(
        actor=nurse(world),
        session=session,
        text="Corrected words.",
        secret=PASSWORD,
        amends=first,
        reason="The pause was for nausea, not anxiety.",
    )
    first.refresh_from_db()
    assert first.text == "First words."  # the original stays
    assert second.amends == first
    assert [n.pk for n in notes.versions(session)] == [first.pk, second.pk]
    assert notes.current(session) == second
    # The old version is not amended twice.
    with pytest.raises(InfusionRefused, match="corrected meanwhile"):
        notes.note_sign(
            actor=nurse(world),
            session=session,
            text="Other.",
            secret=PASSWORD,
            amends=first,
            reason="x",
        )
    # The superseded version is not co-signed any more; the new one is.
    assert CoSignature.objects.count() == 1
    notes.note_cosign(actor=provider(world), note=second, secret=PASSWORD)
    assert CoSignature.objects.count() == 2


def test_only_a_provider_co_signs_and_not_their_own_note(world):
    session = discharged(world)
    own = notes.note_sign(
        actor=provider(world), session=session, text="By the provider.", secret=PASSWORD
    )
    with pytest.raises(PermissionError):
        notes.note_cosign(actor=nurse(world), note=own, secret=PASSWORD)
    with pytest.raises(InfusionRefused, match="Another provider"):
        notes.note_cosign(actor=provider(world), note=own, secret=PASSWORD)
    with pytest.raises(InfusionRefused):
        notes.note_cosign(
            actor=provider(world),
            note=notes.note_sign(
                actor=nurse(world),
                session=session,
                text="x",
                secret=PASSWORD,
                amends=own,
                reason="Nurse's own words.",
            ),
            secret="wrong",
        )


def test_a_note_is_not_signed_while_drug_drawn_is_neither_given_nor_wasted(world):
    from decimal import Decimal

    from django.utils import timezone

    from ketaclinic.infusions.models import DrugDraw, Waste
    from ketaclinic.infusions.services import InfusionRefused
    from tests.infusions.discharge_helpers import PASSWORD, discharged

    session = discharged(world)
    nurse, witness = world.staff["nurse"], world.staff["provider"]
    draw = DrugDraw.objects.create(
        session=session,
        product="Ketamine 10 mg/mL, 20 mL vial",
        lot_number="K1",
        vial_mg_per_ml=10,
        vial_volume_ml=Decimal(20),
        volume_drawn_ml=Decimal(5),
        mg_drawn=Decimal(50),
        witness=witness,
        charted_at=timezone.now(),
        by=nurse,
    )
    actor = Actor.system(nurse)
    with pytest.raises(InfusionRefused, match="50 mg of ketamine drawn"):
        notes.note_sign(actor=actor, session=session, text="Note.", secret=PASSWORD)
    assert not session.notes.exists()
    Waste.objects.create(
        draw=draw,
        mg_wasted=Decimal(50),
        witness=witness,
        charted_at=timezone.now(),
        by=nurse,
    )
    notes.note_sign(actor=actor, session=session, text="Note.", secret=PASSWORD)
    assert session.notes.count() == 1


def test_the_note_says_what_the_dose_card_says_was_given(world):
    """The drug added to the bag's label volume stays in the bag when the
    label volume is programmed: the note does not count it as given, as the
    dose card and the waste owed do not."""
    from ketaclinic.infusions import administration

    session = charted(world)
    given = administration.delivery(session)
    assert given is not None and given.delivered_mg < session.dose_mg
    text = notes.draft(session)
    assert f"Delivered: {notes._n(given.delivered_mg)} mg" in text
    assert f"Delivered: {notes._n(session.dose_mg)} mg" not in text
