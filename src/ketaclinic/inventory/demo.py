"""The demo clinic's controlled-drug ledger: months of history that agree
with its infusions.

A DEA registration, two safes, the 10 mg/mL 20 mL vial, a supplier and a
reverse distributor; a zero initial inventory on the first day; a count every
Friday, witnessed. One count found a vial short and was resolved with a
reason; the last one found a difference still open on the manager's worklist.

It is loaded after the infusions demo (ketaclinic.core.demo), whose charts it
follows. Every draw charted on an infusion chart (today's too) has the ledger
draw the chart would have written (inventory.receivers): the chart's lot, the
mg drawn, the session, and the waste of what was not given witnessed by the
second nurse, so the ledger's given equals the chart's. A box of the lot the
chart names is delivered the morning it is needed. The rest of each day's
opened vials is wasted at closing.

Past infusions from before the electronic infusion chart have no session:
their draws name the patient alone (`_draws_before_the_infusion_chart`),
from the clinic's own lots, and the manager resolved them against the paper
records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.clinics.models import Location
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import (
    Entry,
    EntryKind,
    Lot,
    Product,
    Registration,
    Safe,
    Supplier,
)
from ketaclinic.scheduling.models import Appointment

D = Decimal
ZERO = D(0)
HISTORY_DAYS = 180  # at least this much history, more when infusions go back
BOX = 25  # vials a delivery brings
LOW = 4  # sealed vials left when the next box is ordered
REST_NOT_GIVEN_MG = D(5)  # drawn and not given, wasted at the chair


def _dea(prefix: str, six: str) -> str:
    d = [int(c) for c in six]
    return f"{prefix}{six}{((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10}"


@dataclass
class _Shelf:
    location: Location
    safe: Safe
    product: Product
    supplier: Supplier
    manager: Actor
    nurse: Actor
    nurse_user: User
    witness: User
    password: str
    lots: int = 0
    # The vials opened today, wasted at closing.
    opened: dict[int, Any] = field(default_factory=dict)


def _setup(location: Location, password: str) -> _Shelf:
    today = timezone.localdate(timezone.now(), location.zone)
    Registration.objects.get_or_create(
        location=location,
        dea_number=_dea("FD", "482913"),
        defaults={"expires_on": today + timedelta(days=540)},
    )
    safe, _ = Safe.objects.get_or_create(location=location, name="Medication room safe")
    Safe.objects.get_or_create(location=location, name="Infusion bay cabinet")
    product, _ = Product.objects.get_or_create(
        ndc="0409-2051-05",
        defaults={
            "name": "Ketamine hydrochloride",
            "mg_per_ml": D(10),
            "container_ml": D(20),
            "rxnorm": "1722982",
        },
    )
    supplier, _ = Supplier.objects.get_or_create(
        dea_number=_dea("RM", "731508"),
        defaults={
            "name": "Front Range Medical Supply",
            "address": "4800 Dahlia St, Denver, CO 80216",
        },
    )
    Supplier.objects.get_or_create(
        dea_number=_dea("RR", "260417"),
        defaults={
            "name": "Returns Partners (reverse distributor)",
            "address": "PO Box 220, Golden, CO 80401",
            "reverse_distributor": True,
        },
    )
    nurse = User.objects.get(username="nurse")
    return _Shelf(
        location=location,
        safe=safe,
        product=product,
        supplier=supplier,
        manager=Actor.system(User.objects.get(username="manager")),
        nurse=Actor.system(nurse),
        nurse_user=nurse,
        witness=User.objects.get(username="nurse2"),
        password=password,
    )


def _at(day: date, hour: int, minute: int, location: Location) -> datetime:
    return datetime.combine(day, time(hour, minute), location.zone)


def _lot_in_use(shelf: _Shelf, day: date) -> Lot | None:
    for holding in queries.balances_of_safe(shelf.safe):
        if holding.mg > 0:
            return Lot.objects.get(pk=holding.lot_id)
    return None


def _receive(
    shelf: _Shelf, day: date, number: str, before: datetime | None = None
) -> None:
    """A box of lot `number` delivered in the morning (before the day's first
    draw, when that comes earlier)."""
    existing = Lot.objects.filter(product=shelf.product, number=number).first()
    expires = existing.expires_on if existing else day + timedelta(days=700)
    shelf.lots += 1
    services.receive(
        actor=shelf.manager,
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=number,
        expires_on=max(expires, timezone.localdate() + timedelta(days=30)),
        containers=BOX,
        ordered_containers=BOX,
        invoice_number=f"FR-{day:%Y%m%d}-{shelf.lots:02d}",
        received_at=min(
            _at(day, 8, 15, shelf.location),
            before - timedelta(minutes=10) if before else timezone.now(),
        ),
    )


def _restock(shelf: _Shelf, day: date) -> None:
    """A box delivered in the morning when the shelf runs low."""
    sealed = sum(h.sealed_containers for h in queries.balances_of_safe(shelf.safe))
    if sealed > LOW:
        return
    _receive(shelf, day, f"KD{day:%y%m}{shelf.lots + 1:02d}")


def _restock_charted(shelf: _Shelf, day: date, draws: list[_Charted]) -> None:
    """The lots the day's infusion charts name, with a sealed vial for each of
    the day's draws (a box of that lot delivered in the morning when not)."""
    needed: dict[str, int] = {}
    for charted in draws:
        needed[charted.lot_number] = needed.get(charted.lot_number, 0) + 1
    sealed: dict[str, int] = {}
    numbers = dict(
        Lot.objects.filter(number__in=needed, product=shelf.product).values_list(
            "pk", "number"
        )
    )
    for holding in queries.balances_of_safe(shelf.safe):
        if holding.lot_id in numbers:
            number = numbers[holding.lot_id]
            sealed[number] = sealed.get(number, 0) + holding.sealed_containers
    for number, draws_today in needed.items():
        if sealed.get(number, 0) < draws_today:
            _receive(shelf, day, number, before=draws[0].drawn_at)


def _draw(
    shelf: _Shelf,
    moment: datetime,
    mg: Decimal,
    *,
    patient,
    lot: Lot | None = None,
    session_uuid=None,
    facts: dict | None = None,
) -> Entry:
    """One infusion's draw, from an opened vial that holds enough or a new one."""
    lot = lot or _lot_in_use(shelf, moment.date())
    assert lot is not None
    opened = [
        c
        for c in queries.open_containers(lot, shelf.safe)
        if c.remaining_mg >= mg  # type: ignore[attr-defined]
    ]
    drawn = services.draw(
        actor=shelf.nurse,
        lot=lot,
        safe=shelf.safe,
        mg=mg,
        container=opened[0] if opened else None,
        patient=patient,
        session_uuid=session_uuid,
        at=moment,
        facts=facts,
    )
    assert drawn.container is not None
    shelf.opened[drawn.container.pk] = drawn.container
    return drawn


def _witnessed_waste(
    shelf: _Shelf,
    moment: datetime,
    mg: Decimal,
    draw: Entry | None,
    container=None,
    facts: dict | None = None,
) -> None:
    """A waste the second nurse witnessed. The demo writes it as the ledger's
    own service does once the witness's password is checked (checking it for
    each of hundreds of wastes would make loading the demo slow)."""
    source = draw
    container = container or (draw.container if draw is not None else None)
    assert container is not None
    with transaction.atomic():  # the lot is locked as the service locks it
        lot = services._lock(container.lot)
        services._write(
            shelf.nurse,
            kind=EntryKind.WASTE,
            location=shelf.location,
            safe=container.safe,
            lot=lot,
            container=container,
            source=source,
            quantity_mg=mg,
            effect_mg=ZERO if source is not None else -mg,
            who=shelf.nurse_user,
            witness=shelf.witness,
            witnessed_with_credentials=True,
            witnessed_at=moment,
            occurred_at=moment,
            session_uuid=draw.session_uuid if draw is not None else None,
            patient=draw.patient if draw is not None else None,
            facts=facts or {},
        )


def _evening(shelf: _Shelf, day: date) -> None:
    """The rest of the vials opened that day wasted at closing."""
    for container in shelf.opened.values():
        left = queries.open_remaining(container)
        if left > 0:
            _witnessed_waste(
                shelf, _at(day, 17, 30, shelf.location), left, None, container
            )
    shelf.opened.clear()


def _count(shelf: _Shelf, day: date, *, short: int = 0) -> list[Entry]:
    """The Friday count of the safe; `short` vials fewer than the ledger."""
    lines = []
    for holding in queries.balances_of_safe(shelf.safe):
        open_ml = holding.open_mg / shelf.product.mg_per_ml
        missing = min(short, holding.sealed_containers)
        short -= missing
        lines.append(
            services.CountLine(
                holding.lot_id, holding.sealed_containers - missing, open_ml
            )
        )
    return services.count(
        actor=shelf.nurse,
        safe=shelf.safe,
        lines=lines,
        witness=shelf.witness,
        witness_secret=shelf.password,
        at=_at(day, 17, 45, shelf.location),
    )


def _dose(appointment: Appointment) -> Decimal:
    """The demo's dose: 0.5 mg/kg of a weight between 60 and 100 kg."""
    rng = random.Random(appointment.pk)
    return D(rng.randrange(30, 51, 5))


def _infusions(location: Location, since: date) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            location=location,
            type__kind="infusion",
            patient__isnull=False,
            starts_at__gte=_at(since, 0, 0, location),
            starts_at__lt=timezone.now() - timedelta(hours=2),
        )
        .exclude(status__in=[Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
        .select_related("patient")
        .order_by("starts_at", "id")
    )


@dataclass
class _Charted:
    """A draw on an infusion chart and the waste charted for it."""

    appointment_id: int | None
    session_uuid: Any
    patient: Any
    lot_number: str
    drawn_mg: Decimal
    drawn_at: datetime
    client_id: Any
    wastes: list[tuple[Decimal, datetime, Any]]


def _charted_draws(location: Location) -> list[_Charted]:
    """Every draw charted on the location's infusion charts so far, in order."""
    from ketaclinic.infusions.models import DrugDraw, Waste

    draws = list(
        DrugDraw.objects.filter(
            session__location=location,
            corrected_by__isnull=True,
            charted_at__lte=timezone.now(),
        )
        .select_related("session__patient")
        .order_by("charted_at", "id")
    )
    wastes: dict[int, list[tuple[Decimal, datetime, Any]]] = {}
    for waste in Waste.objects.filter(
        draw__in=[d.pk for d in draws], corrected_by__isnull=True
    ).order_by("charted_at", "id"):
        wastes.setdefault(waste.draw_id, []).append(
            (waste.mg_wasted, waste.charted_at, waste.client_id)
        )
    return [
        _Charted(
            appointment_id=d.session.appointment_id,
            session_uuid=d.session.uuid,
            patient=d.session.patient,
            lot_number=d.lot_number,
            drawn_mg=D(d.mg_drawn),
            drawn_at=d.charted_at,
            client_id=d.client_id,
            wastes=wastes.get(d.pk, []),
        )
        for d in draws
    ]


def _draw_as_charted(shelf: _Shelf, charted: _Charted) -> None:
    """The ledger's draw and witnessed waste of a charted draw, as the chart
    writes them (inventory.receivers): the chart's lot and amounts, the chart
    entries named in the facts."""
    lot = Lot.objects.get(product=shelf.product, number=charted.lot_number)
    drawn = _draw(
        shelf,
        charted.drawn_at,
        charted.drawn_mg,
        patient=charted.patient,
        lot=lot,
        session_uuid=charted.session_uuid,
        facts={"infusion_draw": str(charted.client_id)},
    )
    for mg, at, client_id in charted.wastes:
        _witnessed_waste(shelf, at, mg, drawn, facts={"infusion_waste": str(client_id)})


def load_demo_ledger(location: Location, *, password: str) -> int:
    """The ledger's history (made once); the number of entries written."""
    if Entry.objects.filter(location=location).exists():
        return 0
    shelf = _setup(location, password)
    now = timezone.now()
    today = timezone.localdate(now, location.zone)
    start = today - timedelta(days=HISTORY_DAYS)
    charted = _charted_draws(location)
    charted_visits = {c.appointment_id for c in charted}
    uncharted = [
        a
        for a in _infusions(location, start - timedelta(days=400))
        if a.pk not in charted_visits
    ]
    firsts = [a.starts_at for a in uncharted[:1]] + [c.drawn_at for c in charted[:1]]
    if firsts:
        first = timezone.localtime(min(firsts), location.zone).date()
        start = min(start, first - timedelta(days=1))
    services.count(
        actor=shelf.nurse,
        safe=shelf.safe,
        lines=[],
        witness=shelf.witness,
        witness_secret=password,
        kind=EntryKind.INVENTORY_INITIAL,
        at=_at(start, 8, 0, location),
    )
    paper: dict[date, list[Appointment]] = {}
    for appointment in uncharted:
        day = timezone.localtime(appointment.starts_at, location.zone).date()
        paper.setdefault(day, []).append(appointment)
    charted_on: dict[date, list[_Charted]] = {}
    for draw in charted:
        day = timezone.localtime(draw.drawn_at, location.zone).date()
        charted_on.setdefault(day, []).append(draw)
    fridays = [
        start + timedelta(days=n)
        for n in range((today - start).days)
        if (start + timedelta(days=n)).weekday() == 4
    ]
    short_on = fridays[len(fridays) // 2] if len(fridays) > 2 else None
    last_friday = fridays[-1] if fridays else None
    day = start
    while day <= today:
        on_paper, on_chart = paper.get(day, []), charted_on.get(day, [])
        if on_paper or day == start:
            _restock(shelf, day)
        if on_chart:
            _restock_charted(shelf, day, on_chart)
        for appointment in on_paper:
            _draws_before_the_infusion_chart(
                shelf, appointment, appointment.starts_at + timedelta(minutes=10)
            )
        for chart_draw in on_chart:
            _draw_as_charted(shelf, chart_draw)
        if day == today:
            break  # the day is not over: no closing yet
        _evening(shelf, day)
        if day.weekday() == 4:
            written = _count(
                shelf, day, short=1 if day in (short_on, last_friday) else 0
            )
            if day == short_on:
                gap = next(e for e in written if e.kind == EntryKind.DISCREPANCY)
                services.resolve(
                    actor=shelf.manager,
                    entry=gap,
                    reason=(
                        "The vial was found broken in the sharps bin the next "
                        "morning; breakage not recorded at the time. Staff "
                        "reminded to record breakage before a witness."
                    ),
                    accept_count=True,
                    at=_at(day + timedelta(days=1), 9, 0, location),
                )
        day += timedelta(days=1)
    _resolve_draws_before_the_infusion_chart(shelf, today)
    return Entry.objects.filter(location=location).count()


def _draws_before_the_infusion_chart(
    shelf: _Shelf, appointment: Appointment, moment: datetime
) -> None:
    """A past infusion with no electronic infusion chart: the draw names the
    patient, and no session; what was drawn and not given wasted before a
    witness."""
    dose = _dose(appointment)
    drawn = _draw(shelf, moment, dose + REST_NOT_GIVEN_MG, patient=appointment.patient)
    _witnessed_waste(shelf, moment + timedelta(minutes=2), REST_NOT_GIVEN_MG, drawn)


def _resolve_draws_before_the_infusion_chart(shelf: _Shelf, today: date) -> None:
    """Those draws are on the worklist (drawn for no session); the demo's
    manager reviewed them against the paper infusion records."""
    for entry in queries.draws_without_session(shelf.location.pk):
        services.resolve(
            actor=shelf.manager,
            entry=entry,
            reason=(
                "Given at a charted infusion recorded on paper, before the "
                "electronic infusion chart."
            ),
            at=min(entry.occurred_at + timedelta(days=1), timezone.now()),
        )
