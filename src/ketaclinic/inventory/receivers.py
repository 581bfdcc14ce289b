"""The ledger's answers to the infusion chart (infusions.signals).

The chart records the drug drawn for an infusion and its waste; inside the
same transaction these receivers write the ledger's draw and witnessed waste,
or refuse with `DrawRefused` (which rolls the chart's write back too). The
chart asks `draw_choices` for the lots it may offer at its location.

The ledger entry remembers the chart's draw it comes from in its facts
(`infusion_draw`: the chart entry's id), so that the waste of that draw is
written against the same ledger draw.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from ketaclinic.clinical import controlled
from ketaclinic.infusions.signals import DrawRefused
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import Entry, EntryKind, Lot, Safe

ZERO = Decimal(0)
# The ledger's form fields, by the chart's field beside which a refusal shows.
CHART_FIELD = {
    "lot": "lot_number",
    "container": "lot_number",
    "safe": "lot_number",
    "quantity": "mg_drawn",
    "volume": "volume_drawn_ml",
}


def _refused(refused: services.LedgerRefused, default: str) -> DrawRefused:
    field, message = next(iter(refused.errors.items()))
    return DrawRefused(message, field=CHART_FIELD.get(field or "", default))


def lots_at(location_id: int, day) -> list[dict[str, Any]]:
    """The lots with drug at the location that may be drawn on `day`."""
    holdings = queries.balances_of_location(location_id)
    lots = Lot.objects.filter(pk__in={h.lot_id for h in holdings}).select_related(
        "product"
    )
    by_pk = {lot.pk: lot for lot in lots}
    totals: dict[int, Decimal] = {}
    for holding in holdings:
        totals[holding.lot_id] = totals.get(holding.lot_id, ZERO) + holding.mg
    choices = []
    for lot_id, mg in sorted(totals.items(), key=lambda i: by_pk[i[0]].expires_on):
        lot = by_pk[lot_id]
        if mg <= 0 or lot.expires_on < day:
            continue
        choices.append(
            {
                "lot_number": lot.number,
                "product": lot.product.name,
                "vial_mg_per_ml": lot.product.mg_per_ml,
                "vial_volume_ml": lot.product.container_ml,
                "expires": lot.expires_on,
                "mg_available": mg,
            }
        )
    return choices


def on_draw_choices(sender: Any, location=None, **kwargs: Any) -> list[dict]:
    if location is None:
        return []
    day = timezone.localtime(timezone.now(), location.zone).date()
    return lots_at(location.pk, day)


def _lot_of(chart_draw: Any, location_id: int) -> Lot:
    """The lot the chart names: its number, of a product of the chart's
    strength and vial size, held at the session's location."""
    lots = Lot.objects.filter(
        number=chart_draw.lot_number.strip(),
        product__mg_per_ml=Decimal(chart_draw.vial_mg_per_ml),
        product__container_ml=chart_draw.vial_volume_ml,
        entries__safe__location_id=location_id,
    ).distinct()
    found = list(lots.select_related("product")[:2])
    if not found:
        raise DrawRefused(
            f"No lot {chart_draw.lot_number} of {chart_draw.vial_mg_per_ml} mg/mL, "
            f"{Decimal(chart_draw.vial_volume_ml).normalize():f} mL vials is in the "
            "ledger here: check the number on the vial.",
            field="lot_number",
        )
    return found[0]


def _safe_for(lot: Lot, location_id: int, mg: Decimal, day) -> tuple[Safe, Any]:
    """The safe to draw from and the opened vial (None: open a new one):
    an opened vial still usable that holds enough, else a safe with a sealed
    vial."""
    holdings = [
        h
        for h in queries.balances_of_location(location_id)
        if h.lot_id == lot.pk and h.mg > 0
    ]
    if not holdings:
        raise DrawRefused(
            f"Lot {lot.number} has nothing left on the shelf here.",
            field="lot_number",
        )
    safes = {s.pk: s for s in Safe.objects.filter(pk__in=[h.safe_id for h in holdings])}
    for holding in holdings:
        for container in queries.open_containers(lot, holding.safe_id):
            if container.remaining_mg >= mg and controlled.usable_on(  # type: ignore[attr-defined]
                day, expires_on=lot.expires_on, beyond_use_on=container.beyond_use_on
            ):
                return safes[holding.safe_id], container
    for holding in holdings:
        if holding.sealed_containers > 0:
            return safes[holding.safe_id], None
    raise DrawRefused(
        f"No usable vial of lot {lot.number} holding {mg.normalize():f} mg is "
        "left here: every opened vial is past its use or too low.",
        field="lot_number",
    )


def on_drug_drawn(sender: Any, draw=None, actor=None, **kwargs: Any) -> None:
    """Write the ledger's draw for the chart's draw (inside its transaction)."""
    session = draw.session
    location = session.location
    when = draw.charted_at or timezone.now()
    day = when.astimezone(location.zone).date()
    lot = _lot_of(draw, location.pk)
    if lot.expires_on < day:
        raise DrawRefused(
            f"Lot {lot.number} expired on {lot.expires_on:%b %-d, %Y}: it cannot "
            "be drawn.",
            field="lot_number",
        )
    mg = Decimal(draw.mg_drawn)
    safe, container = _safe_for(lot, location.pk, mg, day)
    try:
        services.draw(
            actor=actor,
            lot=lot,
            safe=safe,
            mg=mg,
            container=container,
            session_uuid=session.uuid,
            patient=session.patient,
            at=when,
            facts={"infusion_draw": str(draw.client_id)},
        )
    except services.LedgerRefused as refused:
        raise _refused(refused, "lot_number") from None


def ledger_draw_of(chart_draw: Any) -> Entry | None:
    return (
        Entry.objects.filter(
            kind=EntryKind.DRAW, facts__infusion_draw=str(chart_draw.client_id)
        )
        .select_related("container", "lot__product", "safe__location")
        .first()
    )


def on_drug_wasted(sender: Any, waste=None, actor=None, **kwargs: Any) -> None:
    """Write the ledger's witnessed waste of the chart's waste: first the
    unused rest of the draw (already off the shelf), then whatever else the
    chart says was left in the vial (which leaves the balance). The chart has
    checked the witness's own password or code on the spot."""
    chart_draw = waste.draw
    ledger_draw = ledger_draw_of(chart_draw)
    if ledger_draw is None:
        raise DrawRefused(
            "The ledger has no draw for this vial: record the draw first.",
            field="mg_wasted",
        )
    user = actor.user if actor is not None else None
    if user is None or waste.witness_id is None:
        raise DrawRefused("A witness confirms the waste.", field="witness")
    mg = Decimal(waste.mg_wasted)
    when = waste.charted_at or timezone.now()
    witnessed = {
        "who": user,
        "witness": waste.witness,
        "witnessed_with_credentials": True,
        "witnessed_at": waste.received_at or timezone.now(),
        "occurred_at": when,
        "session_uuid": ledger_draw.session_uuid,
        "patient": ledger_draw.patient,
        "location": ledger_draw.location,
        "safe": ledger_draw.safe,
        "container": ledger_draw.container,
        "facts": {"infusion_waste": str(waste.client_id)},
    }
    if waste.witness_id == user.pk:
        raise DrawRefused(
            "The witness must be someone else: a second person confirms it.",
            field="witness",
        )
    assert ledger_draw.lot is not None
    lot_row = services._lock(ledger_draw.lot)
    drawn_rest = ledger_draw.quantity_mg - (
        Entry.objects.filter(source=ledger_draw, kind=EntryKind.WASTE).aggregate(
            total=Sum("quantity_mg")
        )["total"]
        or ZERO
    )
    of_draw = min(mg, max(drawn_rest, ZERO))
    in_vial = mg - of_draw
    if of_draw > 0:
        services._write(
            actor,
            kind=EntryKind.WASTE,
            lot=lot_row,
            source=ledger_draw,
            quantity_mg=of_draw,
            effect_mg=ZERO,
            **witnessed,
        )
    if in_vial > 0:
        left = (
            queries.open_remaining(ledger_draw.container)
            if ledger_draw.container is not None
            else ZERO
        )
        if in_vial > left:
            raise DrawRefused(
                f"Only {(of_draw + left).normalize():f} mg of that vial is left "
                "to waste.",
                field="mg_wasted",
            )
        try:
            services._write(
                actor,
                kind=EntryKind.WASTE,
                lot=lot_row,
                quantity_mg=in_vial,
                effect_mg=-in_vial,
                **witnessed,
            )
        except services.LedgerRefused as refused:
            raise _refused(refused, "mg_wasted") from None


def connect() -> None:
    from ketaclinic.infusions import signals

    signals.draw_choices.connect(on_draw_choices, dispatch_uid="ledger_draw_choices")
    signals.drug_drawn.connect(on_drug_drawn, dispatch_uid="ledger_drug_drawn")
    signals.drug_wasted.connect(on_drug_wasted, dispatch_uid="ledger_drug_wasted")
