"""For any sequence of ledger operations, each derived balance equals receipts
minus draws minus other removals plus corrections, computed apart from the
services, and never goes negative; an operation the ledger refuses changes
nothing. Hypothesis draws the sequences."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ketaclinic.audit.services import Actor
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import Entry, EntryKind, OpenedContainer
from ketaclinic.inventory.services import LedgerRefused, LossFacts
from tests.conftest import PASSWORD
from tests.inventory.helpers import stock

VIAL_MG = Decimal("200")  # the helpers' product: 10 mg/mL x 20 mL
REMOVALS = [
    EntryKind.TRANSFER_OUT,
    EntryKind.RETURN,
    EntryKind.DESTRUCTION,
    EntryKind.BREAKAGE,
    EntryKind.LOSS,
]

safes = st.integers(0, 1)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), safes, st.integers(1, 3)),
        st.tuples(
            st.just("draw"),
            safes,
            st.decimals("0.5", "260", places=1),
            st.booleans(),
        ),
        st.tuples(st.just("waste"), st.decimals("0.5", "100", places=1)),
        st.tuples(st.just("transfer"), safes, st.integers(1, 3)),
        st.tuples(st.just("loss"), safes, st.integers(1, 2)),
        st.tuples(st.just("correct"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=12,
)


def derived(lot, safe) -> Decimal:
    """receipts - draws - removals + corrections, from the entries' quantities
    (not from the effect the services wrote), for the lot in the safe."""
    rows = Entry.objects.filter(lot=lot, safe=safe)

    def total(*conditions: Q, field: str = "quantity_mg") -> Decimal:
        return rows.filter(*conditions).aggregate(t=Sum(field))["t"] or Decimal(0)

    receipts = total(Q(kind__in=[EntryKind.RECEIPT, EntryKind.TRANSFER_IN]))
    draws = total(Q(kind=EntryKind.DRAW))
    removals = total(Q(kind__in=REMOVALS)) + total(
        Q(kind=EntryKind.WASTE, source__isnull=True)
    )
    corrections = total(
        Q(kind__in=[EntryKind.CORRECTION, EntryKind.DISCREPANCY_RESOLUTION]),
        field="effect_mg",
    )
    return receipts - draws - removals + corrections


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_balances_follow_the_entries_and_never_go_negative(world, ops):
    with transaction.atomic():
        run(world, ops)
        transaction.set_rollback(True)


def run(world, ops) -> None:
    shelf = stock(world)
    pair = [shelf.safe, shelf.second_safe]
    manager = Actor.staff(world.staff["manager"], world.home)
    nurse = Actor.staff(world.staff["nurse"], world.home)
    witness = {"witness": world.staff["provider"], "witness_secret": PASSWORD}
    expected = {0: Decimal(0), 1: Decimal(0)}
    # What each movement counts for now (its quantity, then as corrected).
    movements: list[tuple[Entry, int, int]] = []  # entry, safe index, sign
    draws: list[Entry] = []

    for op in ops:
        before = (Entry.objects.count(), OpenedContainer.objects.count())
        delta: dict[int, Decimal] = {}
        try:
            match op:
                case ("receive", s, n):
                    entry = services.receive(
                        actor=manager,
                        safe=pair[s],
                        supplier=shelf.supplier,
                        product=shelf.product,
                        lot_number=shelf.lot.number,
                        expires_on=shelf.lot.expires_on,
                        containers=n,
                        invoice_number="P-1",
                    )
                    delta = {s: VIAL_MG * n}
                    movements.append((entry, s, 1))
                case ("draw", s, mg, reuse):
                    opened = queries.open_containers(shelf.lot, pair[s])
                    container = opened[0] if reuse and opened else None
                    entry = services.draw(
                        actor=nurse,
                        lot=shelf.lot,
                        safe=pair[s],
                        mg=mg,
                        container=container,
                    )
                    delta = {s: -mg}
                    draws.append(entry)
                    movements.append((entry, s, -1))
                case ("waste", mg):
                    if not draws:
                        continue
                    services.waste(actor=nurse, draw=draws[-1], mg=mg, **witness)
                    delta = {}
                case ("transfer", s, n):
                    out, _ = services.transfer(
                        actor=manager,
                        lot=shelf.lot,
                        from_safe=pair[s],
                        to_safe=pair[1 - s],
                        containers=n,
                    )
                    delta = {s: -VIAL_MG * n, 1 - s: VIAL_MG * n}
                case ("loss", s, n):
                    entry = services.loss(
                        actor=manager,
                        lot=shelf.lot,
                        safe=pair[s],
                        containers=n,
                        facts=LossFacts("lost_other", "Not found at the count."),
                    )
                    delta = {s: -VIAL_MG * n}
                    movements.append((entry, s, -1))
                case ("correct", pick):
                    if not movements:
                        continue
                    index = pick % len(movements)
                    entry, s, sign = movements[index]
                    right = entry.quantity_mg / 2
                    fixed = services.correct(
                        actor=manager, entry=entry, quantity_mg=right, reason="Typo."
                    )
                    # It stood at what the chain said so far; now at `right`.
                    delta = {s: sign * (right - entry.quantity_mg)}
                    movements[index] = (fixed, s, sign)
        except LedgerRefused:
            # Refused: nothing written.
            after = (Entry.objects.count(), OpenedContainer.objects.count())
            assert after == before, op
        else:
            for s, change in delta.items():
                expected[s] += change
                # The ledger allowed it, so it could not overdraw.
                assert expected[s] >= 0, op
        for s, safe in enumerate(pair):
            balance = queries.balance(shelf.lot, safe)
            assert balance == expected[s], (op, s)
            assert balance == derived(shelf.lot, safe)
            assert balance >= 0
            latest = Entry.objects.filter(lot=shelf.lot, safe=safe).last()
            if latest is not None:
                assert latest.balance_after_mg == balance
