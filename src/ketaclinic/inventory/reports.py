"""The ledger's reports, each one table an inspector can read: as a page, a
printable page and a CSV (the same rows for all three).

CLINICAL.md 6: 21 CFR 1304.22(c) names what a dispenser's record holds (the
administration log: patient name and address, date, quantity, who
administered); 1304.11 the initial and biennial inventories; 1301.76(b) the
loss and theft facts and dates; 1304.04(a) keeps every record two years.

Each report reads a bounded number of queries, whatever its length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet

from ketaclinic.clinical import controlled
from ketaclinic.clinics.models import Location
from ketaclinic.inventory import queries
from ketaclinic.inventory.models import Entry, EntryKind

ZERO = Decimal(0)
# A report page shows a month unless asked for another range.
DEFAULT_DAYS = 31


def mg(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


@dataclass
class Report:
    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    patients: int = 0  # how many patients the report names (audited)
    dated: bool = True  # read for a date range


@dataclass(frozen=True)
class Range:
    start: date
    end: date

    @classmethod
    def default(cls, today: date) -> Range:
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today)

    def bounds(self, location: Location) -> tuple[datetime, datetime]:
        zone = location.zone
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )

    def words(self) -> str:
        return f"{self.start:%b %-d, %Y} to {self.end:%b %-d, %Y}"


def _local(moment: datetime | None, location: Location) -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(location.zone):%Y-%m-%d %H:%M}"


def _entries(location: Location, span: Range | None) -> QuerySet[Entry]:
    entries = Entry.objects.filter(location=location)
    if span is not None:
        start, end = span.bounds(location)
        entries = entries.filter(occurred_at__gte=start, occurred_at__lt=end)
    return entries


def _reference(entry: Entry) -> str:
    parts = []
    if entry.supplier_id:
        parts.append(f"{entry.supplier.name} (DEA {entry.supplier.dea_number})")  # type: ignore[union-attr]
    if entry.invoice_number:
        parts.append(f"invoice {entry.invoice_number}")
    if entry.corrects_id:
        parts.append(f"corrects the entry of {entry.corrects.occurred_at:%Y-%m-%d}")  # type: ignore[union-attr]
    if entry.reason:
        parts.append(entry.reason)
    return "; ".join(parts)


def perpetual(location: Location, span: Range) -> Report:
    """Every movement per safe and lot, with the balance after each."""
    report = Report(
        "perpetual",
        "Perpetual inventory per safe and lot",
        [
            "Safe",
            "Lot",
            "Product",
            "NDC",
            "Expires",
            "When",
            "Movement",
            "Vials",
            "mg",
            "Change (mg)",
            "Balance after (mg)",
            "By",
            "Witness",
            "Reference",
        ],
    )
    entries = (
        _entries(location, span)
        .exclude(lot=None)
        .exclude(kind=EntryKind.DISCREPANCY)
        .select_related(
            "safe", "lot__product", "who", "witness", "supplier", "corrects"
        )
        .order_by("safe__name", "lot__number", "occurred_at", "id")
    )
    for e in entries:
        lot = e.lot
        assert lot is not None
        report.rows.append(
            [
                e.safe.name if e.safe else "",
                lot.number,
                str(lot.product),
                lot.product.ndc,
                f"{lot.expires_on:%Y-%m-%d}",
                _local(e.occurred_at, location),
                e.get_kind_display(),
                e.containers if e.containers is not None else "",
                mg(e.quantity_mg),
                mg(e.effect_mg) if e.effect_mg else "",
                mg(e.balance_after_mg),
                person(e.who),
                person(e.witness),
                _reference(e),
            ]
        )
    report.notes.append(f"{location.name}, {span.words()}.")
    return report


def administration(location: Location, span: Range) -> Report:
    """Drug administered to patients (21 CFR 1304.22(c)): patient name and
    address, date, quantity, lot, who administered, who witnessed the waste."""
    report = Report(
        "administration",
        "Administration log",
        [
            "Date",
            "Patient",
            "MRN",
            "Address",
            "Drawn (mg)",
            "Wasted (mg)",
            "Given (mg)",
            "Lot",
            "Product",
            "Administered by",
            "Waste witnessed by",
        ],
    )
    draws = list(
        _entries(location, span)
        .filter(kind=EntryKind.DRAW)
        .select_related("patient", "lot__product", "who")
        .order_by("occurred_at", "id")
    )
    wastes: dict[int, list[Entry]] = defaultdict(list)
    for waste in Entry.objects.filter(
        kind=EntryKind.WASTE, source__in=[d.pk for d in draws]
    ).select_related("witness"):
        assert waste.source_id is not None
        wastes[waste.source_id].append(waste)
    patients = set()
    for d in draws:
        wasted = sum((w.quantity_mg for w in wastes[d.pk]), ZERO)
        witnesses = sorted({person(w.witness) for w in wastes[d.pk] if w.witness_id})
        patient = d.patient
        if patient is not None:
            patients.add(patient.pk)
        address = ""
        if patient is not None:
            address = ", ".join(
                p
                for p in (
                    patient.address_line1,
                    patient.address_line2,
                    patient.city,
                    getattr(patient, "state", ""),
                    getattr(patient, "postal_code", ""),
                )
                if p
            )
        assert d.lot is not None
        report.rows.append(
            [
                _local(d.occurred_at, location),
                f"{patient.last_name}, {patient.first_name}" if patient else "",
                patient.mrn if patient else "",
                address,
                mg(d.quantity_mg),
                mg(wasted),
                mg(d.quantity_mg - wasted),
                d.lot.number,
                str(d.lot.product),
                person(d.who),
                ", ".join(witnesses),
            ]
        )
    report.patients = len(patients)
    report.notes.append(f"{location.name}, {span.words()}.")
    return report


INVENTORY_KINDS = (EntryKind.INVENTORY_INITIAL, EntryKind.INVENTORY_BIENNIAL)


def inventories(location: Location, span: Range | None = None) -> Report:
    """The initial and biennial inventories (21 CFR 1304.11), every one kept."""
    report = Report(
        "inventories",
        "Initial and biennial inventories",
        [
            "Taken",
            "Inventory",
            "Safe",
            "Lot",
            "Product",
            "NDC",
            "Counted (mg)",
            "Open vials estimated",
            "Counted by",
            "Witness",
            "Note",
        ],
        dated=False,
    )
    entries = (
        Entry.objects.filter(location=location, kind__in=INVENTORY_KINDS)
        .select_related("safe", "lot__product", "who", "witness")
        .order_by("occurred_at", "id")
    )
    for e in entries:
        report.rows.append(
            [
                _local(e.occurred_at, location),
                e.get_kind_display(),
                e.safe.name if e.safe else "",
                e.lot.number if e.lot else "none on hand",
                str(e.lot.product) if e.lot else "",
                e.lot.product.ndc if e.lot else "",
                mg(e.counted_mg if e.counted_mg is not None else ZERO),
                "yes" if e.estimated else "no",
                person(e.who),
                person(e.witness),
                e.reason,
            ]
        )
    last = queries.last_inventory_on(location.pk)
    if last is None:
        report.notes.append(
            f"{location.name} has no initial inventory yet: take it on the first "
            "day the clinic handles the drug (a zero inventory when none is on hand)."
        )
    else:
        report.notes.append(
            f"Last inventory {last:%b %-d, %Y}; the next biennial inventory is due "
            f"by {controlled.biennial_inventory_due(last):%b %-d, %Y}."
        )
    return report


def _discrepancy_words(e: Entry) -> str:
    if e.kind == EntryKind.DISCREPANCY:
        return f"Count found {mg(e.counted_mg)} mg, ledger had {mg(e.expected_mg)} mg"
    if e.kind == EntryKind.WASTE:
        return "Waste with no witness who confirmed it in person"
    if e.kind == EntryKind.DRAW:
        return "Drug drawn for no infusion session"
    return f"{e.ordered_containers} vials ordered, {e.containers} received"


def discrepancy_entries(location: Location, span: Range | None) -> QuerySet[Entry]:
    return (
        _entries(location, span)
        .filter(
            Q(kind=EntryKind.DISCREPANCY)
            | Q(kind=EntryKind.WASTE, witness__isnull=True)
            | Q(kind=EntryKind.WASTE, witnessed_with_credentials=False)
            | Q(kind=EntryKind.DRAW, session_uuid__isnull=True)
            | (
                Q(kind=EntryKind.RECEIPT, ordered_containers__isnull=False)
                & ~Q(ordered_containers=F("containers"))
            )
        )
        .select_related("safe", "lot", "who", "resolved_by__who", "resolved_by")
        .order_by("occurred_at", "id")
    )


def discrepancies(location: Location, span: Range) -> Report:
    report = Report(
        "discrepancies",
        "Discrepancy report",
        [
            "Found",
            "What",
            "Safe",
            "Lot",
            "Difference (mg)",
            "Found by",
            "Resolved",
            "Resolved by",
            "Resolution",
        ],
    )
    for e in discrepancy_entries(location, span):
        resolution = getattr(e, "resolved_by", None)
        difference = ""
        if e.counted_mg is not None and e.expected_mg is not None:
            difference = mg(e.counted_mg - e.expected_mg)
        report.rows.append(
            [
                _local(e.occurred_at, location),
                _discrepancy_words(e),
                e.safe.name if e.safe else "",
                e.lot.number if e.lot else "",
                difference,
                person(e.who),
                _local(resolution.occurred_at, location) if resolution else "open",
                person(resolution.who) if resolution else "",
                resolution.reason if resolution else "",
            ]
        )
    report.notes.append(f"{location.name}, {span.words()}.")
    return report


def losses(location: Location, span: Range | None = None) -> Report:
    """Thefts and losses with the facts DEA Form 106 asks for and the dates
    they must be reported by (21 CFR 1301.76(b))."""
    report = Report(
        "losses",
        "Loss and theft report (DEA Form 106 facts)",
        [
            "Discovered",
            "Kind",
            "Lot",
            "Product",
            "NDC",
            "Vials",
            "mg",
            "What happened",
            "Police",
            "Police report",
            "Thefts in the last 24 months",
            "Reportable",
            "Notice to the DEA Field Division by",
            "Form 106 by",
            "Recorded by",
        ],
        dated=False,
    )
    entries = (
        Entry.objects.filter(location=location, kind=EntryKind.LOSS)
        .select_related("lot__product", "who")
        .order_by("occurred_at", "id")
    )
    for e in entries:
        f = e.facts or {}
        assert e.lot is not None
        report.rows.append(
            [
                f.get("discovered_on", ""),
                f.get("loss_type_words", ""),
                e.lot.number,
                str(e.lot.product),
                e.lot.product.ndc,
                e.containers if e.containers is not None else "open vial",
                mg(e.quantity_mg),
                f.get("circumstances", ""),
                f.get("police_department", "")
                if f.get("police_notified")
                else "not notified",
                f.get("police_report_number", ""),
                f.get("thefts_in_last_24_months", ""),
                "yes" if f.get("reportable") else "no (not significant)",
                f.get("notice_by") or "",
                f.get("form_106_by") or "",
                person(e.who),
            ]
        )
    report.notes.append(
        "A theft is reported whatever the quantity: a written notice to the DEA "
        "Field Division within one business day of discovery, then DEA Form 106 "
        "online within 45 days."
    )
    return report


REPORTS: dict[str, tuple[str, Callable[..., Report]]] = {
    "perpetual": ("Perpetual inventory", perpetual),
    "administration": ("Administration log", administration),
    "inventories": ("Initial and biennial inventories", inventories),
    "discrepancies": ("Discrepancy report", discrepancies),
    "losses": ("Loss and theft report", losses),
}


def kept_until_words(location: Location) -> str:
    first = Entry.objects.filter(location=location).order_by("occurred_at").first()
    years = controlled.RETENTION_YEARS
    if first is None:
        return f"Every record is kept at least {years} years."
    return (
        f"Every record is kept at least {years} years; nothing is ever deleted "
        f"(the first entry, of {first.occurred_at:%b %-d, %Y}, is kept past "
        f"{controlled.kept_until(first.occurred_at.date()):%b %-d, %Y})."
    )
