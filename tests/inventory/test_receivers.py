"""The infusion chart's draw and waste written to the ledger through the
infusions signals, and the lots the chart is offered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from ketaclinic.audit.services import Actor
from ketaclinic.infusions import signals
from ketaclinic.infusions.models import DrugDraw, Session, Waste
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import Entry, EntryKind, Lot
from tests.infusions.helpers import checked_in
from tests.inventory.helpers import stock

D = Decimal


@pytest.fixture
def shelf(world):
    shelf = stock(world)
    services.receive(
        actor=Actor.staff(world.staff["manager"], world.home),
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=shelf.lot.number,
        expires_on=shelf.lot.expires_on,
        containers=3,
        invoice_number="INV-1",
    )
    return shelf


@pytest.fixture
def nurse(world):
    return Actor.staff(world.staff["nurse"], world.home)


def chart_draw(world, session: Session, lot_number="K1001", mg="70") -> DrugDraw:
    """What the chart writes and sends, inside one transaction."""
    with transaction.atomic():
        draw = DrugDraw.objects.create(
            session=session,
            product="Ketamine hydrochloride",
            lot_number=lot_number,
            vial_mg_per_ml=10,
            vial_volume_ml=D("20"),
            volume_drawn_ml=D(mg) / 10,
            mg_drawn=D(mg),
            by=world.staff["nurse"],
            witness=world.staff["provider"],
            charted_at=timezone.now(),
        )
        signals.drug_drawn.send(
            sender=DrugDraw, draw=draw, actor=Actor.staff(world.staff["nurse"])
        )
    return draw


def chart_waste(world, draw: DrugDraw, mg: str) -> Waste:
    with transaction.atomic():
        waste = Waste.objects.create(
            draw=draw,
            mg_wasted=D(mg),
            witness=world.staff["provider"],
            by=world.staff["nurse"],
            charted_at=timezone.now(),
        )
        signals.drug_wasted.send(
            sender=Waste, waste=waste, actor=Actor.staff(world.staff["nurse"])
        )
    return waste


def test_the_chart_is_offered_the_lots_on_the_shelf(world, shelf):
    session = checked_in(world)
    answers = [
        answer
        for _r, answer in signals.draw_choices.send(
            sender=Session, location=session.location
        )
    ]
    choices = [choice for answer in answers for choice in answer]
    assert [c["lot_number"] for c in choices] == ["K1001"]
    assert choices[0]["mg_available"] == D("600")
    assert choices[0]["vial_mg_per_ml"] == D("10")
    # Nothing is offered at a location with no stock.
    assert signals.draw_choices.send(sender=Session, location=world.other)[0][1] == []


def test_a_chart_draw_writes_the_ledger_draw_and_its_waste(world, shelf):
    session = checked_in(world)
    draw = chart_draw(world, session)
    entry = Entry.objects.get(kind=EntryKind.DRAW)
    assert entry.session_uuid == session.uuid
    assert entry.patient == world.patient
    assert entry.quantity_mg == D("70")
    assert queries.balance(shelf.lot, shelf.safe) == D("530")

    chart_waste(world, draw, "10")
    waste = Entry.objects.get(kind=EntryKind.WASTE)
    assert waste.source == entry
    assert waste.witness == world.staff["provider"]
    assert waste.witnessed_with_credentials
    assert waste.effect_mg == 0
    # The rest of the vial wasted too: it leaves the balance.
    chart_waste(world, draw, "190")  # 60 of the draw, 130 in the vial
    assert queries.balance(shelf.lot, shelf.safe) == D("400")  # 2 sealed vials
    assert queries.open_containers(shelf.lot, shelf.safe) == []


def test_an_unknown_lot_is_refused_and_nothing_is_written(world, shelf):
    session = checked_in(world)
    with pytest.raises(signals.DrawRefused) as refused:
        chart_draw(world, session, lot_number="NOPE")
    assert refused.value.field == "lot_number"
    assert "NOPE" in refused.value.message
    assert not DrugDraw.objects.exists()  # the chart's write rolled back too
    assert not Entry.objects.filter(kind=EntryKind.DRAW).exists()


def test_an_expired_lot_is_refused(world, shelf):
    session = checked_in(world)
    old = Lot.objects.get(pk=shelf.lot.pk)
    # A lot received long ago that has since expired.
    Lot.objects.filter(pk=old.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(signals.DrawRefused) as refused:
        chart_draw(world, session)
    assert "expired" in refused.value.message
    assert not Entry.objects.filter(kind=EntryKind.DRAW).exists()


def test_more_than_a_vial_holds_is_refused(world, shelf):
    session = checked_in(world)
    with pytest.raises(signals.DrawRefused) as refused:
        chart_draw(world, session, mg="250")
    assert refused.value.field in ("lot_number", "mg_drawn")
    assert queries.balance(shelf.lot, shelf.safe) == D("600")


def test_an_empty_shelf_is_refused(world, shelf, nurse):
    session = checked_in(world)
    for _ in range(3):
        draw = services.draw(actor=nurse, lot=shelf.lot, safe=shelf.safe, mg="200")
        assert draw.quantity_mg == D("200")
    with pytest.raises(signals.DrawRefused) as refused:
        chart_draw(world, session)
    assert "nothing left" in refused.value.message


def test_an_infusion_given_with_no_draw_is_on_the_worklist(world, shelf):
    from tests.conftest import client_for

    session = checked_in(world)
    Session.objects.filter(pk=session.pk).update(started_at=timezone.now())
    manager = client_for(world.staff["manager"])
    page = manager.get("/ledger/discrepancies/").content.decode()
    assert "Infusions given with no draw in the ledger" in page
    chart_draw(world, session)
    page = manager.get("/ledger/discrepancies/").content.decode()
    assert "Infusions given with no draw in the ledger" not in page
