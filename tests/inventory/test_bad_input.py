"""Every bad input of the ledger gives a plain message beside its field and
writes nothing: no entry, no opened vial, no lot, no audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.audit.services import Actor
from ketaclinic.inventory import services
from ketaclinic.inventory.models import Entry, Lot, OpenedContainer, Supplier
from ketaclinic.inventory.services import CountLine, LedgerRefused
from tests.conftest import PASSWORD
from tests.inventory.helpers import stock


def written() -> tuple[int, int, int, int]:
    return (
        Entry.objects.count(),
        OpenedContainer.objects.count(),
        Lot.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def ready(world):
    shelf = stock(world)
    manager = Actor.staff(world.staff["manager"], world.home)
    services.receive(
        actor=manager,
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=shelf.lot.number,
        expires_on=shelf.lot.expires_on,
        containers=5,
        invoice_number="INV-1",
    )
    nurse = Actor.staff(world.staff["nurse"], world.home)
    drawn = services.draw(actor=nurse, lot=shelf.lot, safe=shelf.safe, mg="40")
    moved, _ = services.transfer(
        actor=manager,
        lot=shelf.lot,
        from_safe=shelf.safe,
        to_safe=shelf.second_safe,
        containers=1,
    )
    return world, shelf, manager, nurse, drawn, moved


def receipt(ready, **changes):
    world, shelf, manager, *_ = ready
    fields = {
        "actor": manager,
        "safe": shelf.safe,
        "supplier": shelf.supplier,
        "product": shelf.product,
        "lot_number": "K2002",
        "expires_on": timezone.localdate() + timedelta(days=300),
        "containers": 10,
        "invoice_number": "INV-9",
    }
    fields.update(changes)
    return lambda: services.receive(**fields)


def bad_supplier(ready):
    # A supplier typed in before the check existed, or through raw data.
    bad = Supplier.objects.create(name="Typo Pharma", dea_number="AB1234567")
    return receipt(ready, supplier=bad)()


def witnessed_waste(ready, **changes):
    world, _, _, nurse, drawn, _ = ready
    fields = {
        "actor": nurse,
        "draw": drawn,
        "mg": "10",
        "witness": world.staff["provider"],
        "witness_secret": PASSWORD,
    }
    fields.update(changes)
    return lambda: services.waste(**fields)


def drawing(ready, **changes):
    _, shelf, _, nurse, *_ = ready
    fields = {"actor": nurse, "lot": shelf.lot, "safe": shelf.safe, "mg": "10"}
    fields.update(changes)
    return lambda: services.draw(**fields)


CASES = {
    "negative vials": (
        lambda r: receipt(r, containers=-2)(),
        "containers",
        "more than zero",
    ),
    "fractional vials": (
        lambda r: receipt(r, containers="2.5")(),
        "containers",
        "whole",
    ),
    "no vials": (lambda r: receipt(r, containers=0)(), "containers", "more than zero"),
    "words for vials": (
        lambda r: receipt(r, containers="ten")(),
        "containers",
        "whole number",
    ),
    "expiry in the past": (
        lambda r: receipt(r, expires_on=timezone.localdate() - timedelta(days=1))(),
        "expires_on",
        "has passed",
    ),
    "supplier DEA fails its check digit": (
        bad_supplier,
        "supplier",
        "check digit",
    ),
    "no invoice": (
        lambda r: receipt(r, invoice_number="  ")(),
        "invoice_number",
        "packing-slip",
    ),
    "a lot that does not exist": (
        lambda r: drawing(r, lot=987654)(),
        "lot",
        "no such lot",
    ),
    "a lot id that is not a number": (
        lambda r: drawing(r, lot="K1001'; --")(),
        "lot",
        "no such lot",
    ),
    "a safe that does not exist": (
        lambda r: drawing(r, safe=987654)(),
        "safe",
        "no such safe",
    ),
    "negative mg": (lambda r: drawing(r, mg="-5")(), "quantity", "more than zero"),
    "mg not a number": (lambda r: drawing(r, mg="NaN")(), "quantity", "as a number"),
    "mg infinite": (lambda r: drawing(r, mg="Infinity")(), "quantity", "as a number"),
    "mg too fine": (lambda r: drawing(r, mg="1.0001")(), "quantity", "three decimals"),
    "mL and mg disagree": (
        lambda r: drawing(r, mg="10", ml="2")(),
        "volume",
        "is 20 mg",
    ),
    "a session that is not an id": (
        lambda r: drawing(r, session_uuid="session 4")(),
        "session",
        "no such infusion session",
    ),
    "a draw in the future": (
        lambda r: drawing(r, at=timezone.now() + timedelta(hours=2))(),
        "at",
        "still to come",
    ),
    "witness is the nurse herself": (
        lambda r: witnessed_waste(r, witness=r[0].staff["nurse"])(),
        "witness",
        "someone else",
    ),
    "witness without a licensed role": (
        lambda r: witnessed_waste(r, witness=r[0].staff["front_desk"])(),
        "witness",
        "nurse or a provider",
    ),
    "manager is no licensed witness": (
        lambda r: witnessed_waste(r, witness=r[0].staff["manager"])(),
        "witness",
        "nurse or a provider",
    ),
    "witness from another location": (
        lambda r: witnessed_waste(r, witness=r[0].stranger)(),
        "witness",
        "does not work at",
    ),
    "wrong password at witnessing": (
        lambda r: witnessed_waste(r, witness_secret="not the password")(),
        "witness_secret",
        "not the witness's password",
    ),
    "empty password at witnessing": (
        lambda r: witnessed_waste(r, witness_secret="")(),
        "witness_secret",
        "not the witness's password",
    ),
    "no witness": (
        lambda r: witnessed_waste(r, witness=None)(),
        "witness",
        "Choose the witness",
    ),
    "more waste than drawn": (
        lambda r: witnessed_waste(r, mg="41")(),
        "quantity",
        "Only 40 mg",
    ),
    "a count with fractional vials": (
        lambda r: services.count(
            actor=r[3],
            safe=r[1].safe,
            lines=[CountLine(r[1].lot, sealed="3.5")],
            witness=r[0].staff["provider"],
            witness_secret=PASSWORD,
        ),
        "lines.0.sealed",
        "whole",
    ),
    "a count that leaves a lot out": (
        lambda r: services.count(
            actor=r[3],
            safe=r[1].safe,
            lines=[],
            witness=r[0].staff["provider"],
            witness_secret=PASSWORD,
        ),
        None,
        "Count every lot",
    ),
    "a correction without a reason": (
        lambda r: services.correct(actor=r[2], entry=r[4], quantity_mg="30", reason=""),
        "reason",
        "Say why",
    ),
    "resolving what is no discrepancy": (
        lambda r: services.resolve(actor=r[2], entry=r[5], reason="ok"),
        "entry",
        "not a discrepancy",
    ),
}


@pytest.mark.parametrize(("act", "field", "words"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_in_plain_words_and_writes_nothing(
    ready, act, field, words
):
    before = written()
    with pytest.raises(LedgerRefused) as refused:
        act(ready)
    message = refused.value.errors.get(field, "")
    assert words in message, refused.value.errors
    for code in ("None", "Decimal", "Traceback", "Error"):
        assert code not in message
    assert written() == before
