"""Nurses draw from the same lot at the same moment, each in a thread with its
own database connection: the lot's lock lets exactly as many draws through as
the shelf holds, the others are refused in plain words, and the balance ends
at zero or above. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ketaclinic.audit.services import Actor
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import Entry, EntryKind, OpenedContainer
from ketaclinic.inventory.services import LedgerRefused
from tests.conftest import make_staff
from tests.inventory.helpers import stock

NURSES = 12


def at_once(work, actors) -> list[str]:
    """Run work(actor) for each actor at the same moment; what each answered."""
    barrier = threading.Barrier(len(actors))
    answers: list[str] = []
    lock = threading.Lock()

    def one(actor):
        try:
            barrier.wait()
            try:
                work(actor)
                answer = "drawn"
            except LedgerRefused as refused:
                answer = "refused: " + "; ".join(refused.errors.values())
            except Exception as error:  # a server error would be a failure
                answer = f"error: {error!r}"
            with lock:
                answers.append(answer)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


@pytest.fixture
def nurses(world):
    return [
        Actor.staff(make_staff(f"drawer{n}", "nurse", world.home), world.home)
        for n in range(NURSES)
    ]


def receive(world, shelf, containers: int) -> None:
    services.receive(
        actor=Actor.staff(world.staff["manager"], world.home),
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=shelf.lot.number,
        expires_on=shelf.lot.expires_on,
        containers=containers,
        invoice_number="RACE-1",
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_draws_from_one_opened_vial_cannot_overdraw_it(world, nurses):
    shelf = stock(world)
    receive(world, shelf, containers=1)
    first = services.draw(actor=nurses[0], lot=shelf.lot, safe=shelf.safe, mg="20")
    vial = first.container  # 180 mg left: room for six draws of 30 mg

    answers = at_once(
        lambda actor: services.draw(
            actor=actor, lot=shelf.lot, safe=shelf.safe, mg="30", container=vial
        ),
        nurses,
    )
    assert sorted(answers).count("drawn") == 6, answers
    assert all(a == "drawn" or a.startswith("refused: The vial holds") for a in answers)
    assert queries.open_remaining(vial) == 0
    assert queries.balance(shelf.lot, shelf.safe) == 0
    draws = Entry.objects.filter(kind=EntryKind.DRAW).order_by("id")
    assert [d.balance_after_mg for d in draws] == [
        Decimal(180 - 30 * n) for n in range(7)
    ]


@pytest.mark.django_db(transaction=True)
def test_parallel_draws_opening_new_vials_take_each_vial_once(world, nurses):
    shelf = stock(world)
    receive(world, shelf, containers=5)

    answers = at_once(
        lambda actor: services.draw(
            actor=actor, lot=shelf.lot, safe=shelf.safe, mg="150"
        ),
        nurses,
    )
    assert answers.count("drawn") == 5, answers
    assert all(
        a == "drawn" or a.startswith("refused: No sealed vial") for a in answers
    ), answers
    assert OpenedContainer.objects.count() == 5
    assert queries.balance(shelf.lot, shelf.safe) == Decimal(5 * 50)
    assert not Entry.objects.filter(balance_after_mg__lt=0).exists()
