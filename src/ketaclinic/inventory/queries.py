"""Reads of the ledger: balances derived from the entries, what is left in an
opened vial, and the discrepancies a manager must resolve.

Every balance is the sum of the entries' signed effects (models.Entry); the
`balance_after_mg` an entry keeps is a convenience for reading a lot's history
and always equals the sum up to it (services.py writes it under the lot's
lock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import (
    Count,
    DecimalField,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from ketaclinic.inventory.models import Entry, EntryKind, Lot, OpenedContainer, Safe

ZERO = Decimal(0)
_SUM = Coalesce(
    Sum("effect_mg"),
    Value(ZERO),
    output_field=DecimalField(max_digits=14, decimal_places=3),
)


# --- Balances ----------------------------------------------------------------------


def balance(lot: Lot | int, safe: Safe | int) -> Decimal:
    """mg of the lot in the safe."""
    return Entry.objects.filter(lot=lot, safe=safe).aggregate(total=_SUM)["total"]


def balance_of_lot(lot: Lot | int) -> Decimal:
    """mg of the lot in every safe of every location."""
    return Entry.objects.filter(lot=lot).aggregate(total=_SUM)["total"]


@dataclass(frozen=True)
class Holding:
    """What one safe holds of one lot."""

    safe_id: int
    lot_id: int
    mg: Decimal
    open_mg: Decimal  # of that, in opened vials (estimated when counted)
    sealed_containers: int


def _holdings(entries: QuerySet[Entry]) -> list[Holding]:
    grouped = (
        entries.exclude(lot=None)
        .values(
            "safe_id",
            "lot_id",
            "lot__product__mg_per_ml",
            "lot__product__container_ml",
        )
        .annotate(mg=_SUM)
        .order_by("safe_id", "lot_id")
    )
    rows = [row for row in grouped if row["mg"] != 0]
    opened = _open_remaining_by_lot_safe(
        {(row["lot_id"], row["safe_id"]) for row in rows}
    )
    result = []
    for row in rows:
        open_mg = opened.get((row["lot_id"], row["safe_id"]), ZERO)
        size = row["lot__product__mg_per_ml"] * row["lot__product__container_ml"]
        sealed = int(max(row["mg"] - open_mg, ZERO) // size)
        result.append(
            Holding(row["safe_id"], row["lot_id"], row["mg"], open_mg, sealed)
        )
    return result


def balances_of_safe(safe: Safe | int) -> list[Holding]:
    """Every lot in the safe with a balance, per lot."""
    return _holdings(Entry.objects.filter(safe=safe))


def balances_of_location(location_id: int) -> list[Holding]:
    """Every (safe, lot) of the location with a balance."""
    return _holdings(Entry.objects.filter(safe__location_id=location_id))


def balance_of_location(location_id: int, lot: Lot | int | None = None) -> Decimal:
    """mg at the location, of one lot or of every lot."""
    entries = Entry.objects.filter(safe__location_id=location_id)
    if lot is not None:
        entries = entries.filter(lot=lot)
    return entries.aggregate(total=_SUM)["total"]


# --- Opened vials ------------------------------------------------------------------


def open_remaining(container: OpenedContainer) -> Decimal:
    """mg left in an opened vial: its content less what the entries naming it
    took out (draws, waste, breakage, destruction, their corrections)."""
    taken = Entry.objects.filter(container=container).aggregate(total=_SUM)["total"]
    return container.lot.product.mg_per_container + taken


def _open_remaining_by_lot_safe(
    pairs: Iterable[tuple[int, int]],
) -> dict[tuple[int, int], Decimal]:
    pairs = set(pairs)
    if not pairs:
        return {}
    lots = {lot for lot, _ in pairs}
    containers = (
        OpenedContainer.objects.filter(lot_id__in=lots)
        .annotate(
            taken=Coalesce(
                Sum("entries__effect_mg"),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            )
        )
        .select_related("lot__product")
    )
    result: dict[tuple[int, int], Decimal] = {}
    for container in containers:
        key = (container.lot_id, container.safe_id)
        if key not in pairs:
            continue
        left = container.lot.product.mg_per_container + container.taken
        if left > 0:
            result[key] = result.get(key, ZERO) + left
    return result


def open_containers(lot: Lot | int, safe: Safe | int) -> list[OpenedContainer]:
    """The opened vials of the lot in the safe that still hold drug, oldest
    first, each with `remaining_mg` set."""
    containers = (
        OpenedContainer.objects.filter(lot=lot, safe=safe)
        .annotate(
            taken=Coalesce(
                Sum("entries__effect_mg"),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            )
        )
        .select_related("lot__product")
        .order_by("opened_at", "id")
    )
    result: list[OpenedContainer] = []
    for container in containers:
        container.remaining_mg = (  # type: ignore[attr-defined]
            container.lot.product.mg_per_container + container.taken
        )
        if container.remaining_mg > 0:  # type: ignore[attr-defined]
            result.append(container)
    return result


def sealed_mg(lot: Lot | int, safe: Safe | int) -> Decimal:
    """mg of the lot in the safe that is not in an opened vial."""
    opened = sum(
        (c.remaining_mg for c in open_containers(lot, safe)),  # type: ignore[attr-defined]
        ZERO,
    )
    return balance(lot, safe) - opened


# --- Draws and their waste ---------------------------------------------------------


def wasted_of(draw: Entry) -> Decimal:
    """mg of a draw wasted so far (the waste entries that name it)."""
    return Entry.objects.filter(source=draw, kind=EntryKind.WASTE).aggregate(
        total=Coalesce(
            Sum("quantity_mg"),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=3),
        )
    )["total"]


def draws_of_session(session_uuid: UUID) -> QuerySet[Entry]:
    """The session's draws, each with `wasted_mg` (the waste that names it)."""
    return (
        Entry.objects.filter(kind=EntryKind.DRAW, session_uuid=session_uuid)
        .annotate(
            wasted_mg=Coalesce(
                Sum("followers__quantity_mg", filter=Q(followers__kind="waste")),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            )
        )
        .select_related("lot__product", "who")
        .order_by("occurred_at", "id")
    )


def administration_log(
    location_id: int, since: datetime, until: datetime
) -> QuerySet[Entry]:
    """The draws of [since, until) at the location, for the administration log
    (21 CFR 1304.22(c): patient and address, date, quantity, lot, who gave it):
    each with `wasted_mg` and its waste entries (`followers`, with the
    witness) prefetched; given = quantity_mg - wasted_mg."""
    return (
        Entry.objects.filter(
            location_id=location_id,
            kind=EntryKind.DRAW,
            occurred_at__gte=since,
            occurred_at__lt=until,
        )
        .annotate(
            wasted_mg=Coalesce(
                Sum("followers__quantity_mg", filter=Q(followers__kind="waste")),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            )
        )
        .select_related("lot__product", "safe", "who", "patient")
        .prefetch_related(
            Prefetch(
                "followers",
                queryset=Entry.objects.filter(kind=EntryKind.WASTE).select_related(
                    "witness"
                ),
                to_attr="wastes",
            )
        )
        .order_by("occurred_at", "id")
    )


# --- Discrepancies: the manager's worklist ------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    """One thing on the worklist, with the entry a resolution names."""

    entry: Entry
    what: str  # plain words


def _unresolved(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.filter(resolved_by__isnull=True).select_related(
        "lot__product", "safe", "who", "witness", "source"
    )


def count_differences(location_id: int) -> QuerySet[Entry]:
    """Counts that found a balance different from the ledger's."""
    return _unresolved(
        Entry.objects.filter(location_id=location_id, kind=EntryKind.DISCREPANCY)
    )


def unwitnessed_waste(location_id: int) -> QuerySet[Entry]:
    """Waste with no witness who confirmed with their own credentials."""
    return _unresolved(
        Entry.objects.filter(location_id=location_id, kind=EntryKind.WASTE).filter(
            Q(witness__isnull=True) | Q(witnessed_with_credentials=False)
        )
    )


def draws_without_session(location_id: int) -> QuerySet[Entry]:
    """Drug drawn that names no infusion session."""
    return _unresolved(
        Entry.objects.filter(
            location_id=location_id, kind=EntryKind.DRAW, session_uuid__isnull=True
        )
    )


def short_receipts(location_id: int) -> QuerySet[Entry]:
    """Receipts where what arrived differs from what was ordered."""
    return _unresolved(
        Entry.objects.filter(
            location_id=location_id,
            kind=EntryKind.RECEIPT,
            ordered_containers__isnull=False,
        ).exclude(ordered_containers=F("containers"))
    )


def worklist(location_id: int) -> list[Discrepancy]:
    """Every unresolved discrepancy of the location, oldest first."""
    items: list[Discrepancy] = []
    for entry in count_differences(location_id):
        items.append(
            Discrepancy(
                entry,
                f"A count found {entry.counted_mg} mg where the ledger has "
                f"{entry.expected_mg} mg.",
            )
        )
    for entry in unwitnessed_waste(location_id):
        items.append(
            Discrepancy(entry, "Waste with no witness who confirmed it in person.")
        )
    for entry in draws_without_session(location_id):
        items.append(Discrepancy(entry, "Drug drawn for no infusion session."))
    for entry in short_receipts(location_id):
        items.append(
            Discrepancy(
                entry,
                f"{entry.ordered_containers} ordered, {entry.containers} received.",
            )
        )
    items.sort(key=lambda item: (item.entry.occurred_at, item.entry.pk))
    return items


def open_discrepancy_counts(location_id: int) -> dict[str, int]:
    """How many of each kind are open (for a badge)."""
    return {
        "count": count_differences(location_id).aggregate(n=Count("id"))["n"],
        "waste": unwitnessed_waste(location_id).aggregate(n=Count("id"))["n"],
        "draw": draws_without_session(location_id).aggregate(n=Count("id"))["n"],
        "receipt": short_receipts(location_id).aggregate(n=Count("id"))["n"],
    }


# --- Inventories -------------------------------------------------------------------


def last_inventory_on(location_id: int) -> date | None:
    """The day of the location's latest initial or biennial inventory."""
    entry = (
        Entry.objects.filter(
            location_id=location_id,
            kind__in=[EntryKind.INVENTORY_INITIAL, EntryKind.INVENTORY_BIENNIAL],
        )
        .select_related("location")
        .order_by("-occurred_at")
        .first()
    )
    if entry is None:
        return None
    return entry.occurred_at.astimezone(entry.location.zone).date()
