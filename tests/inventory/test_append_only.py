"""The ledger is append-only: the model, the query set, the admin and the
database itself (SQLite and PostgreSQL) refuse to change or remove an entry or
an opened container's record."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from ketaclinic.inventory.models import Entry, OpenedContainer
from tests.inventory.helpers import stock


def an_entry(world) -> Entry:
    shelf = stock(world)
    return Entry.objects.create(
        kind=Entry.Kind.RECEIPT,
        location=world.home,
        safe=shelf.safe,
        lot=shelf.lot,
        quantity_mg=Decimal("2000"),
        containers=10,
        effect_mg=Decimal("2000"),
        balance_after_mg=Decimal("2000"),
        who=world.staff["manager"],
        occurred_at=timezone.now(),
        supplier=shelf.supplier,
        invoice_number="INV-1",
    )


def an_opened_vial(world) -> OpenedContainer:
    shelf = stock(world)
    now = timezone.now()
    return OpenedContainer.objects.create(
        lot=shelf.lot,
        safe=shelf.safe,
        opened_at=now,
        opened_on=now.date(),
        beyond_use_on=now.date(),
        opened_by=world.staff["nurse"],
    )


MAKERS = {"entry": an_entry, "opened container": an_opened_vial}


def refused(sql: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute(sql)


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_the_database_refuses_to_change_or_remove_a_row(world, make):
    row = make(world)
    table = connection.ops.quote_name(row._meta.db_table)
    refused(f"UPDATE {table} SET recorded_at = recorded_at")  # noqa: S608
    refused(f"DELETE FROM {table}")  # noqa: S608
    if connection.vendor == "postgresql":
        refused(f"TRUNCATE {table} CASCADE")
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_the_model_refuses_to_change_or_remove_a_row(world, make):
    row = make(world)
    model = type(row)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        model.objects.filter(pk=row.pk).update(recorded_at=timezone.now())
    with pytest.raises(PermissionError):
        model.objects.all().delete()
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [Entry, OpenedContainer])
def test_the_admin_offers_no_way_to_add_change_or_delete(world, model):
    request = RequestFactory().get("/")
    request.user = world.staff["admin"]
    request.user.is_superuser = True
    admin = site._registry[model]
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def test_the_database_refuses_a_negative_balance_or_a_self_witness(world):
    entry = an_entry(world)
    base = {
        "location": world.home,
        "safe": entry.safe,
        "lot": entry.lot,
        "who": world.staff["nurse"],
        "occurred_at": timezone.now(),
    }
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            kind=Entry.Kind.DRAW,
            quantity_mg=Decimal("3000"),
            effect_mg=Decimal("-3000"),
            balance_after_mg=Decimal("-1000"),
            **base,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            kind=Entry.Kind.DRAW,
            quantity_mg=Decimal("10"),
            effect_mg=Decimal("10"),  # a draw cannot add to the shelf
            **base,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            kind=Entry.Kind.WASTE,
            quantity_mg=Decimal("10"),
            witness=world.staff["nurse"],
            **base,
        )
    assert Entry.objects.count() == 1
