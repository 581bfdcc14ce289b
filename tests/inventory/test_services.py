"""The ledger's services: a box received, a draw for a patient, its rest wasted
before a witness, a count that finds a vial missing, the discrepancy resolved;
and every movement keeps the balance derived from the entries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.services import Actor
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import Entry, EntryKind, OpenedContainer
from ketaclinic.inventory.services import CountLine, LedgerRefused, LossFacts
from tests.conftest import PASSWORD
from tests.inventory.helpers import expired_lot, stock

D = Decimal


@pytest.fixture
def shelf(world):
    return stock(world)


@pytest.fixture
def manager(world):
    return Actor.staff(world.staff["manager"], world.home)


@pytest.fixture
def nurse(world):
    return Actor.staff(world.staff["nurse"], world.home)


def receive(world, shelf, manager, containers=10, **kwargs):
    return services.receive(
        actor=manager,
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=kwargs.pop("lot_number", shelf.lot.number),
        expires_on=kwargs.pop("expires_on", shelf.lot.expires_on),
        containers=containers,
        invoice_number="INV-2041",
        **kwargs,
    )


def test_a_box_drawn_wasted_counted_and_resolved(world, shelf, manager, nurse):
    received = receive(world, shelf, manager, ordered_containers=10)
    assert received.effect_mg == D("2000")  # 10 vials x 200 mg
    assert queries.balance(shelf.lot, shelf.safe) == D("2000")

    drawn = services.draw(
        actor=nurse,
        lot=shelf.lot,
        safe=shelf.safe,
        ml="5",
        session_uuid="6f1c1d1e-0000-4000-8000-000000000001",
        patient=world.patient,
    )
    assert drawn.quantity_mg == D("50") and drawn.effect_mg == D("-50")
    assert drawn.balance_after_mg == D("1950")
    vial = drawn.container
    assert vial.beyond_use_on == vial.opened_on + timedelta(days=28)
    assert queries.open_remaining(vial) == D("150")

    wasted = services.waste(
        actor=nurse,
        draw=drawn,
        mg="12.5",
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
    )
    assert wasted.effect_mg == 0 and wasted.witnessed_with_credentials
    assert queries.balance(shelf.lot, shelf.safe) == D("1950")

    # End of day: 8 sealed vials and the opened one (15 mL left) are found:
    # one sealed vial is missing.
    lines = services.count(
        actor=nurse,
        safe=shelf.safe,
        lines=[CountLine(shelf.lot, sealed=8, open_ml="15")],
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
    )
    counted, difference = lines
    assert counted.expected_mg == D("1950") and counted.counted_mg == D("1750")
    assert difference.kind == EntryKind.DISCREPANCY
    assert difference.quantity_mg == D("200")
    assert [d.entry for d in queries.worklist(world.home.pk)] == [difference]

    resolution = services.resolve(
        actor=manager,
        entry=difference,
        reason="Vial broken in the sink, not recorded; staff retrained.",
        accept_count=True,
    )
    assert resolution.effect_mg == D("-200")
    assert queries.balance(shelf.lot, shelf.safe) == D("1750")
    assert queries.worklist(world.home.pk) == []
    with pytest.raises(LedgerRefused):
        services.resolve(actor=manager, entry=difference, reason="again")


def test_a_draw_larger_than_the_vial_or_the_shelf_is_refused(
    world, shelf, manager, nurse
):
    receive(world, shelf, manager, containers=1)
    first = services.draw(actor=nurse, lot=shelf.lot, safe=shelf.safe, mg="150")
    before = Entry.objects.count()
    with pytest.raises(LedgerRefused) as refused:
        services.draw(
            actor=nurse,
            lot=shelf.lot,
            safe=shelf.safe,
            mg="60",
            container=first.container,
        )
    assert "holds 50" in refused.value.errors["quantity"]
    with pytest.raises(LedgerRefused) as refused:
        services.draw(actor=nurse, lot=shelf.lot, safe=shelf.safe, mg="10")
    assert "No sealed vial" in refused.value.errors["container"]
    assert Entry.objects.count() == before
    assert OpenedContainer.objects.count() == 1


def test_a_vial_past_its_beyond_use_date_cannot_be_drawn(world, shelf, manager, nurse):
    receive(world, shelf, manager, containers=2)
    long_ago = timezone.now() - timedelta(days=29)
    first = services.draw(
        actor=nurse, lot=shelf.lot, safe=shelf.safe, mg="20", at=long_ago
    )
    with pytest.raises(LedgerRefused) as refused:
        services.draw(
            actor=nurse,
            lot=shelf.lot,
            safe=shelf.safe,
            mg="20",
            container=first.container,
        )
    assert "usable until" in refused.value.errors["container"]
    # The rest is wasted before a witness; it leaves the balance.
    rest = services.waste(
        actor=nurse,
        container=first.container,
        mg="180",
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
    )
    assert rest.effect_mg == D("-180")
    assert queries.balance(shelf.lot, shelf.safe) == D("200")


def test_transfer_records_both_sides(world, shelf, manager):
    receive(world, shelf, manager, containers=4)
    out, into = services.transfer(
        actor=manager,
        lot=shelf.lot,
        from_safe=shelf.safe,
        to_safe=shelf.second_safe,
        containers=3,
    )
    assert out.batch == into.batch and into.source == out
    assert queries.balance(shelf.lot, shelf.safe) == D("200")
    assert queries.balance(shelf.lot, shelf.second_safe) == D("600")
    assert queries.balance_of_location(world.home.pk) == D("800")
    with pytest.raises(LedgerRefused) as refused:
        services.transfer(
            actor=manager,
            lot=shelf.lot,
            from_safe=shelf.safe,
            to_safe=shelf.second_safe,
            containers=2,
        )
    assert "1 sealed vial " in refused.value.errors["containers"]


def test_return_destruction_breakage_and_loss(world, shelf, manager, nurse):
    receive(world, shelf, manager, containers=10)
    services.return_to_supplier(
        actor=manager,
        lot=shelf.lot,
        safe=shelf.safe,
        supplier=shelf.supplier,
        containers=2,
        reason="Cartons crushed on arrival.",
    )
    services.destroy(
        actor=manager,
        lot=shelf.lot,
        safe=shelf.safe,
        distributor=shelf.distributor,
        containers=1,
        form_41="F41-778",
    )
    with pytest.raises(LedgerRefused) as refused:
        services.destroy(
            actor=manager,
            lot=shelf.lot,
            safe=shelf.safe,
            distributor=shelf.supplier,
            containers=1,
        )
    assert (
        "not recorded as a reverse distributor" in refused.value.errors["distributor"]
    )
    services.breakage(
        actor=nurse,
        lot=shelf.lot,
        safe=shelf.safe,
        containers=1,
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
        reason="Dropped on the floor.",
    )
    stolen = services.loss(
        actor=manager,
        lot=shelf.lot,
        safe=shelf.safe,
        containers=1,
        facts=LossFacts(
            loss_type="theft_break_in",
            circumstances="Safe forced overnight.",
            police_notified=True,
            police_department="Denver Police",
        ),
    )
    assert stolen.facts["theft"] and stolen.facts["form_106_by"]
    assert queries.balance(shelf.lot, shelf.safe) == D("1000")


def test_a_correction_names_the_entry_and_moves_the_difference(
    world, shelf, manager, nurse
):
    received = receive(world, shelf, manager, containers=10)
    fixed = services.correct(
        actor=manager,
        entry=received,
        quantity_mg="1800",
        reason="Nine vials arrived, not ten.",
    )
    assert fixed.corrects == received and fixed.effect_mg == D("-200")
    again = services.correct(
        actor=manager, entry=fixed, quantity_mg="2000", reason="Tenth vial found."
    )
    assert again.effect_mg == D("200")
    assert queries.balance(shelf.lot, shelf.safe) == D("2000")
    with pytest.raises(LedgerRefused):
        services.correct(actor=manager, entry=received, quantity_mg="1", reason="x")


def test_roles(world, shelf, manager, nurse):
    with pytest.raises(LedgerRefused):
        receive(world, shelf, nurse)
    receive(world, shelf, manager)
    desk = Actor.staff(world.staff["front_desk"], world.home)
    with pytest.raises(LedgerRefused):
        services.draw(actor=desk, lot=shelf.lot, safe=shelf.safe, mg="10")
    elsewhere = Actor.staff(world.stranger, world.other)
    with pytest.raises(LedgerRefused) as refused:
        services.draw(actor=elsewhere, lot=shelf.lot, safe=shelf.safe, mg="10")
    assert "do not work at" in refused.value.errors[None]


def test_an_initial_inventory_opens_the_balances(world, shelf):
    nurse = Actor.staff(world.staff["nurse"], world.home)
    lines = services.count(
        actor=nurse,
        safe=shelf.safe,
        lines=[CountLine(shelf.lot, sealed=3, open_ml="10")],
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
        kind=EntryKind.INVENTORY_INITIAL,
    )
    assert lines[0].effect_mg == D("700") and lines[0].estimated
    with pytest.raises(LedgerRefused):
        services.count(
            actor=nurse,
            safe=shelf.safe,
            lines=[],
            witness=world.staff["provider"],
            witness_secret=PASSWORD,
            kind=EntryKind.INVENTORY_INITIAL,
        )


def test_an_expired_lot_cannot_be_drawn(world, shelf, manager, nurse):
    old = expired_lot(shelf.product)
    # Stock of a lot that expired on the shelf (received while it was good).
    Entry.objects.create(
        kind=EntryKind.RECEIPT,
        location=world.home,
        safe=shelf.safe,
        lot=old,
        quantity_mg=D("200"),
        containers=1,
        effect_mg=D("200"),
        balance_after_mg=D("200"),
        who=world.staff["manager"],
        occurred_at=timezone.now() - timedelta(days=90),
    )
    with pytest.raises(LedgerRefused) as refused:
        services.draw(actor=nurse, lot=old, safe=shelf.safe, mg="10")
    assert "expired on" in refused.value.errors["lot"]
    # It leaves through a reverse distributor.
    services.destroy(
        actor=manager,
        lot=old,
        safe=shelf.safe,
        distributor=shelf.distributor,
        containers=1,
    )
    assert queries.balance(old, shelf.safe) == 0
