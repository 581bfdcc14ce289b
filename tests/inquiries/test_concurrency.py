"""Two visitors book the last free consultation at the same moment: one gets
it, the other is offered the next free times; the provider is never booked
twice. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import queries, services
from ketaclinic.links import tokens as links
from ketaclinic.scheduling.models import Allocation, Appointment, StaffHours
from ketaclinic.scheduling.queries import find_free
from tests.inquiries.helpers import make_lead
from tests.inquiries.test_consultation_link import free_starts
from tests.links.helpers import browsers, race

PARALLEL = 8


@pytest.mark.django_db(transaction=True)
def test_two_visitors_and_the_last_consultation_exactly_one_wins(world, clinic):
    provider = world.staff["provider"]
    StaffHours.objects.filter(staff=provider).delete()
    # The provider gives one half hour a week to consultations: one slot.
    day = timezone.localdate() + timedelta(days=8)
    StaffHours.objects.create(
        staff=provider,
        location=world.home,
        weekday=day.weekday(),
        starts=time(9),
        ends=time(9, 30),
    )
    leads = [
        make_lead(world.home, email=f"v{n}@example.com", phone=f"+130355501{n}0")
        for n in range(2)
    ]
    phone = queries.consultation_types(world.home)["phone"]
    [slot] = find_free(
        location=world.home,
        appointment_type=phone,
        earliest=timezone.now() + timedelta(days=7),
        latest=timezone.now() + timedelta(days=9),
    )
    barrier = threading.Barrier(len(leads))
    results: dict[int, object] = {}

    def attempt(lead):
        try:
            barrier.wait()
            results[lead.pk] = services.consultation_book(
                actor=Actor.system(), inquiry=lead, mode="phone", starts_at=slot.start
            )
        except services.BookingRefused as refused:
            results[lead.pk] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    booked = [r for r in results.values() if isinstance(r, Appointment)]
    refused = [r for r in results.values() if isinstance(r, services.BookingRefused)]
    assert len(booked) == 1 and len(refused) == 1, results
    [loser] = refused
    assert loser.alternatives, "the other visitor is offered the next free times"
    assert all(s.start >= slot.start + timedelta(days=7) for s in loser.alternatives)
    held = Allocation.objects.filter(staff=provider, active=True)
    assert held.count() == 1
    assert Appointment.objects.filter(status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_through_one_lead_link_book_one_consultation(world, clinic):
    """Security: 8 taps on the booking link at once (each choosing a free time)
    book one consultation; the others see it booked, never a server error."""
    lead = make_lead(world.home)
    token = links.token(links.Purpose.CONSULTATION, lead.uuid)
    url = f"/get-started/consultation/{token}/"
    starts = free_starts(Client().get(f"{url}?mode=phone").content.decode())
    assert len(starts) >= PARALLEL
    clients = browsers(PARALLEL)

    answers = race(
        PARALLEL,
        lambda i: clients[i].post(url, {"mode": "phone", "starts_at": starts[i]}),
    )

    statuses = [getattr(a, "status_code", a) for a in answers]
    # Each chose another free time: the losers are shown the booking that stands.
    assert statuses == [302] * PARALLEL, statuses
    assert {a["Location"] for a in answers} == {f"{url}?done=booked"}
    booked = Appointment.objects.filter(inquiry=lead, status="booked")
    assert booked.count() == 1
    assert Allocation.objects.filter(active=True).count() == 1
    page = Client().get(url).content.decode()
    assert "Change the time" in page
