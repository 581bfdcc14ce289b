"""The reads a manager's pages stand on: the worklist and the administration
log, in a bounded number of queries whatever their length."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketaclinic.audit.services import Actor
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.services import CountLine
from tests.conftest import PASSWORD
from tests.inventory.helpers import stock


def busy_day(world, draws: int):
    shelf = stock(world)
    manager = Actor.staff(world.staff["manager"], world.home)
    nurse = Actor.staff(world.staff["nurse"], world.home)
    services.receive(
        actor=manager,
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=shelf.lot.number,
        expires_on=shelf.lot.expires_on,
        containers=draws + 2,
        ordered_containers=draws + 3,  # one short
        invoice_number="INV-7",
    )
    for n in range(draws):
        drawn = services.draw(
            actor=nurse,
            lot=shelf.lot,
            safe=shelf.safe,
            mg="60",
            patient=world.patient,
            session_uuid=None if n % 2 else f"00000000-0000-4000-8000-{n:012d}",
        )
        services.waste(
            actor=nurse,
            draw=drawn,
            mg="10",
            witness=world.staff["provider"],
            witness_secret=PASSWORD,
        )
    services.count(
        actor=nurse,
        safe=shelf.safe,
        lines=[CountLine(shelf.lot, sealed=1, open_ml="0")],
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
    )
    return shelf


def test_the_worklist_names_each_open_discrepancy(world, django_assert_max_num_queries):
    busy_day(world, draws=6)
    with django_assert_max_num_queries(4):
        items = queries.worklist(world.home.pk)
    kinds = sorted(item.entry.kind for item in items)
    # 3 draws with no session, the count's difference, the short receipt.
    assert kinds == ["discrepancy", "draw", "draw", "draw", "receipt"]
    assert all(item.what and "_" not in item.what for item in items)
    assert queries.worklist(world.other.pk) == []


def test_the_administration_log_reads_in_two_queries(
    world, django_assert_max_num_queries
):
    busy_day(world, draws=8)
    now = timezone.now()
    with django_assert_max_num_queries(2):
        rows = list(
            queries.administration_log(
                world.home.pk, now - timedelta(days=1), now + timedelta(minutes=1)
            )
        )
        given = [row.quantity_mg - row.wasted_mg for row in rows]
        witnesses = {waste.witness.username for row in rows for waste in row.wastes}
        patients = {row.patient.last_name for row in rows}
    assert given == [Decimal("50")] * 8
    assert witnesses == {"provider"}
    assert patients == {"Lovelace"}


def test_balances_per_safe_split_sealed_and_opened(world):
    shelf = busy_day(world, draws=3)
    (holding,) = queries.balances_of_safe(shelf.safe)
    # 5 vials of 200 mg, 3 opened with 60 mg drawn from each.
    assert holding.mg == Decimal("820")
    assert holding.open_mg == Decimal("420")
    assert holding.sealed_containers == 2
