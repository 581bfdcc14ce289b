"""A stocked clinic for the ledger's tests: a registration, a safe, a product,
a lot and a supplier at the home location of the shared test world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketaclinic.audit.services import Actor
from ketaclinic.inventory import services
from ketaclinic.inventory.models import (
    Entry,
    Lot,
    Product,
    Registration,
    Safe,
    Supplier,
)


def good_dea(prefix: str, six: str) -> str:
    """A DEA number whose check digit is right (CLINICAL.md 9)."""
    d = [int(c) for c in six]
    check = ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10
    return f"{prefix}{six}{check}"


@dataclass
class Stock:
    registration: Registration
    safe: Safe
    second_safe: Safe
    product: Product
    lot: Lot
    supplier: Supplier
    distributor: Supplier


def stock(world) -> Stock:
    today = timezone.localdate()
    registration = Registration.objects.create(
        location=world.home,
        dea_number=good_dea("FK", "123456"),
        expires_on=today + timedelta(days=365),
    )
    safe = Safe.objects.create(location=world.home, name="Medication room safe")
    second = Safe.objects.create(location=world.home, name="Infusion bay cabinet")
    product = Product.objects.create(
        mg_per_ml=Decimal("10"),
        container_ml=Decimal("20"),
        ndc="55150-438-10",
        rxnorm="238082",
    )
    lot = Lot.objects.create(
        product=product, number="K1001", expires_on=today + timedelta(days=200)
    )
    supplier = Supplier.objects.create(
        name="Rocky Mountain Medical Supply",
        address="1 Depot Road, Denver CO",
        dea_number=good_dea("RM", "765432"),
    )
    distributor = Supplier.objects.create(
        name="Returns Partners",
        dea_number=good_dea("RP", "111111"),
        reverse_distributor=True,
    )
    return Stock(registration, safe, second, product, lot, supplier, distributor)


def expired_lot(product: Product) -> Lot:
    return Lot.objects.create(
        product=product,
        number="OLD1",
        expires_on=timezone.localdate() - timedelta(days=1),
    )


def entries_count() -> int:
    return Entry.objects.count()


def received(world, shelf: Stock, containers: int = 3, **changes) -> Entry:
    """A delivery of the stock's lot (or of `lot_number`) by the manager."""
    fields = {
        "lot_number": shelf.lot.number,
        "expires_on": shelf.lot.expires_on,
        "invoice_number": "INV-1",
        **changes,
    }
    return services.receive(
        actor=Actor.staff(world.staff["manager"], world.home),
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        containers=containers,
        **fields,
    )
