"""A patient is held like a chair: never in two visits at once (issue: booked
Mon 09:00 on one chair, then 09:30 on another for the same patient). Leads'
consultations likewise. On PostgreSQL an exclusion constraint guarantees it;
on SQLite the fit is re-checked inside the write-locked transaction."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.scheduling import queries, services
from ketaclinic.scheduling.models import Appointment
from tests.conftest import client_for, make_patient
from tests.inquiries.helpers import make_lead
from tests.scheduling.factories import open_clinic, works
from tests.scheduling.test_booking import book, local, next_weekday

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=3, rooms=2)
    works(world.staff["nurse"], world.home, at_once=3)
    works(world.staff["provider"], world.home)
    return types


def test_a_second_visit_overlapping_the_first_is_refused_naming_it(world, clinic):
    monday = next_weekday(0)
    book(world, clinic, local(monday, 9))
    with pytest.raises(services.BookingRefused) as refused:
        book(world, clinic, local(monday, 9, 30))
    message = refused.value.message
    assert "Ada Lovelace already has Infusion" in message
    assert "09:00–10:25" in message and "Home clinic" in message
    # The nearest free times leave the first visit alone.
    first_end = local(monday, 10, 25)
    alternatives = refused.value.alternatives
    assert alternatives
    assert all(s.start >= first_end or s.end <= local(monday, 9) for s in alternatives)
    assert Appointment.objects.filter(patient=world.patient).count() == 1


def test_another_patient_may_take_the_overlapping_time(world, clinic):
    monday = next_weekday(0)
    book(world, clinic, local(monday, 9))
    other = make_patient(world.home, mrn="P0000002", last_name="Other")
    assert book(world, clinic, local(monday, 9, 30), patient=other)


def test_back_to_back_visits_do_not_overlap(world, clinic):
    monday = next_weekday(0)
    book(world, clinic, local(monday, 9))
    assert book(world, clinic, local(monday, 10, 25), code="follow-up")


def test_a_cancelled_visit_no_longer_holds_the_patient(world, clinic):
    monday = next_weekday(0)
    first = book(world, clinic, local(monday, 9))
    services.appointment_set_status(
        actor=Actor.system(), appointment=first, status="cancelled", reason="ill"
    )
    assert book(world, clinic, local(monday, 9, 30))


def test_a_visit_at_another_location_holds_the_patient_too(world, clinic):
    open_clinic(world.other, chairs=1, rooms=1)
    works(world.stranger, world.other, at_once=1)
    monday = next_weekday(0)
    book(world, clinic, local(monday, 9))
    with pytest.raises(services.BookingRefused, match="at Home clinic"):
        services.appointment_book(
            actor=Actor.system(),
            patient=world.patient,
            location=world.other,
            appointment_type=clinic["infusion-depression"],
            starts_at=local(monday, 10),
        )


def test_moving_onto_the_patients_other_visit_is_refused(world, clinic):
    monday = next_weekday(0)
    book(world, clinic, local(monday, 9))
    later = book(world, clinic, local(monday, 13))
    with pytest.raises(services.BookingRefused, match="already has Infusion"):
        services.appointment_move(
            actor=Actor.system(),
            appointment=later,
            starts_at=local(monday, 9, 45),
            reason="patient asked",
        )
    later.refresh_from_db()
    assert later.starts_at == local(monday, 13)
    # Moving a visit across its own old time is fine.
    services.appointment_move(
        actor=Actor.system(),
        appointment=later,
        starts_at=local(monday, 13, 30),
        reason="patient asked",
    )


def test_the_free_times_listed_for_a_patient_skip_their_visits(world, clinic):
    monday = next_weekday(0)
    book(world, clinic, local(monday, 9))
    found = queries.find_free(
        location=world.home,
        appointment_type=clinic["follow-up"],
        earliest=local(monday, 8),
        latest=local(monday, 12),
        count=40,
        patient_id=world.patient.pk,
    )
    starts = [slot.start for slot in found]
    assert starts and local(monday, 9, 30) not in starts
    assert all(
        s.end <= local(monday, 9) or s.start >= local(monday, 10, 25) for s in found
    )


def test_a_lead_is_never_in_two_consultations_at_once(world, clinic):
    from ketaclinic.inquiries import services as leads

    lead = make_lead(world.home)
    monday = next_weekday(0)
    first = leads.consultation_book(
        actor=Actor.system(), inquiry=lead, mode="phone", starts_at=local(monday, 9)
    )
    with pytest.raises(services.BookingRefused, match="already has"):
        services.appointment_book(
            actor=Actor.system(),
            inquiry=lead,
            location=world.home,
            appointment_type=first.type,
            starts_at=local(monday, 9, 15),
        )
    # Changing to another kind at an overlapping time replaces the first.
    changed = leads.consultation_change(
        actor=Actor.system(),
        inquiry=lead,
        appointment=first,
        mode="in_person",
        starts_at=local(monday, 9, 15),
    )
    first.refresh_from_db()
    assert first.status == "cancelled" and changed.status == "booked"


@pytest.mark.skipif(not ON_POSTGRES, reason="the database's own guarantee")
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_an_overlapping_visit_written_past_the_service(
    world, clinic
):
    monday = next_weekday(0)
    first = book(world, clinic, local(monday, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            patient=world.patient,
            location=world.home,
            type=first.type,
            starts_at=local(monday, 9, 30),
            ends_at=local(monday, 10),
        )
    # Not holding time (cancelled): allowed.
    Appointment.objects.create(
        patient=world.patient,
        location=world.home,
        type=first.type,
        starts_at=local(monday, 9, 30),
        ends_at=local(monday, 10),
        status="cancelled",
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_book_the_patient_once(world, clinic):
    """Two front-desk screens book the same patient at 09:00 and 09:30 on
    different chairs at the same moment: one booking stands, the other is
    refused with the reason; on SQLite and on PostgreSQL."""
    monday = next_weekday(0)
    infusion = clinic["infusion-depression"]
    url = reverse("scheduling:book", args=[world.patient.uuid])
    starts = [local(monday, 9), local(monday, 9, 30)] * 2
    barrier = threading.Barrier(len(starts))
    answers: list[tuple[int, str]] = []

    def attempt(start):
        client = client_for(world.staff["front_desk"])
        try:
            barrier.wait()
            response = client.post(
                url, {"type": infusion.pk, "starts_at": start.isoformat()}
            )
            answers.append((response.status_code, response.text))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    codes = sorted(code for code, _ in answers)
    assert codes == [302, 409, 409, 409], codes
    refusals = [text for code, text in answers if code == 409]
    assert all("already has Infusion" in text for text in refusals)
    held = Appointment.objects.filter(patient=world.patient, status="booked")
    assert held.count() == 1
    assert held.get().ends_at - held.get().starts_at == timedelta(minutes=85)
