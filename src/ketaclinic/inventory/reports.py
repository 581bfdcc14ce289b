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
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import CharField, F, Q, QuerySet
from django.db.models.functions import Cast

from ketaclinic.accounts.models import User
from ketaclinic.clinical import controlled
from ketaclinic.clinics.models import Location
from ketaclinic.inventory import queries
from ketaclinic.inventory.models import Entry, EntryKind, Lot, Safe, Supplier
from ketaclinic.patients.models import Patient

ZERO = Decimal(0)
MICROGRAM = Decimal("0.001")
# A report page shows a month unless asked for another range.
DEFAULT_DAYS = 31


@lru_cache(maxsize=8192)
def amount(value: Decimal | float | str) -> Decimal:
    """An amount as the database driver gave it (SQLite: an int or a float;
    or as text, `_as_text`), to the microgram."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(MICROGRAM)


@lru_cache(maxsize=8192)
def _mg(value: Decimal | float | str) -> str:
    return f"{amount(value).normalize():f}"


def mg(value: Decimal | float | str | None) -> str:
    """An amount as a clinician writes it (35, 12.5). A year's report writes
    a few hundred distinct amounts tens of thousands of times: each is worked
    out once."""
    if value is None:
        return ""
    return _mg(value)


def _stamper(zone: tzinfo) -> Callable[[datetime | str], str]:
    """The local date and minute of a moment, for one report's rows; a moment
    without a zone (SQLite's driver) is in UTC, as every moment is stored. A
    moment may come as ISO text (`_as_text`), which Python reads many times
    quicker than PostgreSQL's driver does.
    The zone's offset is looked up once per hour of UTC when it is the same
    all that hour (a year's report has tens of thousands of moments and a
    few thousand hours); in the hour a clock changes, for each moment."""
    offsets: dict[int, timedelta | None] = {}

    def offset_at(moment: datetime) -> timedelta:
        return moment.replace(tzinfo=UTC).astimezone(zone).utcoffset() or timedelta()

    def stamp(moment: datetime | str) -> str:
        if type(moment) is str:
            moment = datetime.fromisoformat(moment)
        assert isinstance(moment, datetime)
        if moment.tzinfo is not None and moment.tzinfo is not UTC:
            moment = moment.astimezone(UTC)
        hour = moment.toordinal() * 24 + moment.hour
        if hour in offsets:
            offset = offsets[hour]
        else:
            start = moment.replace(minute=0, second=0, microsecond=0)
            first = offset_at(start)
            last = offset_at(start + timedelta(hours=1, microseconds=-1))
            offset = offsets[hour] = first if first == last else None
        if offset is None:
            offset = offset_at(moment)
        # isoformat is several times quicker than strftime; cut any offset.
        return (moment + offset).isoformat(" ", "minutes")[:16]

    return stamp


def _as_text(field: str) -> Cast:
    """A column read as text, which Python reads many times quicker than
    PostgreSQL's driver reads a moment or a number: a moment as its ISO text
    in UTC ("2026-11-27 14:30:00", with "+00" on PostgreSQL, whose connection
    Django keeps in UTC), an amount as its digits ("12.5", "12.500")."""
    return Cast(field, CharField())


def _driver_rows(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` query as the database driver gives them,
    without Django's converter per value (most of a year's report time on
    SQLite): moments may come without a zone and amounts as int or float,
    which `_stamper` and `mg` read."""
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
    return _stamper(location.zone)(moment)


def _entries(location: Location, span: Range | None) -> QuerySet[Entry]:
    entries = Entry.objects.filter(location=location)
    if span is not None:
        start, end = span.bounds(location)
        entries = entries.filter(occurred_at__gte=start, occurred_at__lt=end)
    return entries


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
        # In time order, as the location's time index reads them; grouped by
        # safe and lot below (a database sorting a year by names spills to
        # disk: half a second on PostgreSQL).
        .order_by("occurred_at", "id")
        .annotate(
            at=_as_text("occurred_at"),
            corrects_at=_as_text("corrects__occurred_at"),
            quantity=_as_text("quantity_mg"),
            effect=_as_text("effect_mg"),
            after=_as_text("balance_after_mg"),
        )
        .values_list(
            "safe_id",
            "lot_id",
            "at",
            "kind",
            "containers",
            "quantity",
            "effect",
            "after",
            "who_id",
            "witness_id",
            "supplier_id",
            "invoice_number",
            "corrects_at",
            "reason",
        )
    )
    rows = _driver_rows(entries)
    # The few safes, lots, people and suppliers named, read once each.
    safes = dict(Safe.objects.filter(location=location).values_list("pk", "name"))
    lots = {
        lot.pk: (
            lot.number,
            str(lot.product),
            lot.product.ndc,
            f"{lot.expires_on:%Y-%m-%d}",
        )
        for lot in Lot.objects.filter(pk__in={r[1] for r in rows}).select_related(
            "product"
        )
    }
    people = {
        user.pk: person(user)
        for user in User.objects.filter(
            pk__in={r[8] for r in rows} | {r[9] for r in rows if r[9]}
        )
    }
    suppliers = {
        s.pk: f"{s.name} (DEA {s.dea_number})"
        for s in Supplier.objects.filter(pk__in={r[10] for r in rows if r[10]})
    }
    rows.sort(key=lambda row: (safes.get(row[0], ""), lots[row[1]][0]))
    kinds = dict(EntryKind.choices)
    stamp = _stamper(location.zone)
    append = report.rows.append
    for (
        safe_id,
        lot_id,
        occurred_at,
        kind,
        containers,
        quantity,
        effect,
        after,
        who_id,
        witness_id,
        supplier_id,
        invoice,
        corrects_at,
        reason,
    ) in rows:
        if supplier_id or invoice or corrects_at is not None or reason:
            reference = []
            if supplier_id:
                reference.append(suppliers[supplier_id])
            if invoice:
                reference.append(f"invoice {invoice}")
            if corrects_at is not None:
                reference.append(f"corrects the entry of {stamp(corrects_at)[:10]}")
            if reason:
                reference.append(reason)
            referenced = "; ".join(reference)
        else:
            referenced = ""
        append(
            [
                safes.get(safe_id, ""),
                *lots[lot_id],
                stamp(occurred_at),
                kinds.get(kind, kind),
                containers if containers is not None else "",
                mg(quantity),
                "" if effect is None or not amount(effect) else mg(effect),
                mg(after),
                people.get(who_id, ""),
                people.get(witness_id, "") if witness_id else "",
                referenced,
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
    draws_of_span = _entries(location, span).filter(kind=EntryKind.DRAW)
    draws = _driver_rows(
        draws_of_span.order_by("occurred_at", "id")
        .annotate(at=_as_text("occurred_at"), quantity=_as_text("quantity_mg"))
        .values_list("pk", "at", "patient_id", "quantity", "lot_id", "who_id")
    )
    wasted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    witnesses: dict[int, set[int]] = defaultdict(set)
    # A draw's waste follows it within the day: read the span's waste (and a
    # day more) by the location's time index, and keep those of these draws.
    start, end = span.bounds(location)
    drawn = {d[0] for d in draws}
    for source_id, quantity, witness_id in _driver_rows(
        Entry.objects.filter(
            location=location,
            kind=EntryKind.WASTE,
            source__isnull=False,
            occurred_at__gte=start,
            occurred_at__lt=end + timedelta(days=1),
        )
        .order_by()
        .values_list("source_id", "quantity_mg", "witness_id")
    ):
        if source_id not in drawn:
            continue
        wasted[source_id] += amount(quantity)
        if witness_id:
            witnesses[source_id].add(witness_id)
    patient_ids = {d[2] for d in draws if d[2]}
    patients_of = {
        p.pk: p
        for p in Patient.objects.filter(pk__in=patient_ids).only(
            "mrn",
            "first_name",
            "last_name",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
        )
    }
    lots = {
        lot.pk: (lot.number, str(lot.product))
        for lot in Lot.objects.filter(pk__in={d[4] for d in draws}).select_related(
            "product"
        )
    }
    people_ids = {d[5] for d in draws} | {w for ws in witnesses.values() for w in ws}
    people = {u.pk: person(u) for u in User.objects.filter(pk__in=people_ids)}
    addresses = {
        p.pk: ", ".join(
            part
            for part in (
                p.address_line1,
                p.address_line2,
                p.city,
                p.state,
                p.postal_code,
            )
            if part
        )
        for p in patients_of.values()
    }
    stamp = _stamper(location.zone)
    patients = set()
    for pk, occurred_at, patient_id, quantity, lot_id, who_id in draws:
        patient = patients_of.get(patient_id)
        if patient is not None:
            patients.add(patient.pk)
        number, product = lots[lot_id]
        report.rows.append(
            [
                stamp(occurred_at),
                f"{patient.last_name}, {patient.first_name}" if patient else "",
                patient.mrn if patient else "",
                addresses.get(patient_id, ""),
                mg(quantity),
                mg(wasted[pk]),
                mg(amount(quantity) - wasted[pk]),
                number,
                product,
                people.get(who_id, ""),
                ", ".join(sorted(people[w] for w in witnesses[pk])),
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
