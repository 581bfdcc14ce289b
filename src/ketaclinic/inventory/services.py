"""Writes of the ledger: every movement of the drug, one transaction each.

Each service takes the `actor` who acts, checks what was typed, and raises
`LedgerRefused` with a plain message by form field when something is wrong;
nothing is written then. A write that moves drug locks the lot's row first
(PostgreSQL: SELECT ... FOR UPDATE; SQLite: every write transaction already
holds the database's write lock from BEGIN, settings.py), then reads the
balance, so that two draws at once cannot both take the last vial: a balance
never goes negative (and the database refuses a negative `balance_after_mg`
too).

CLINICAL.md 6 gives the rules: the date actually received, the supplier's DEA
number, witnessed waste and breakage, destruction through a reverse
distributor, a theft or loss reported by the dates of 21 CFR 1301.76(b),
counts by one person witnessed by another.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.services import SecondPerson, second_person_problem
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import controlled
from ketaclinic.clinics.models import Location
from ketaclinic.inventory import queries
from ketaclinic.inventory.models import (
    Entry,
    EntryKind,
    Lot,
    OpenedContainer,
    Product,
    Registration,
    Safe,
    Supplier,
)
from ketaclinic.patients.models import Patient

ZERO = Decimal(0)
MG_STEP = Decimal("0.001")  # the ledger keeps mg to the microgram
# An event may be recorded after it happened, never before.
CLOCK_SLACK = timedelta(minutes=5)

WRONG_SECRET = "".join(  # a message, not a password
    (
        "That is not the witness's password (or a current code of their ",
        "authenticator app). The witness types it again.",
    )
)


class LedgerRefused(Exception):
    """What cannot be recorded, by the form field to show it beside (``None``:
    above the form). Nothing was written."""

    def __init__(self, errors: Mapping[str | None, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


# --- Reading what was typed -------------------------------------------------------


class _Errors(dict[str | None, str]):
    def add(self, field: str | None, message: str) -> None:
        self.setdefault(field, message)

    def raise_any(self) -> None:
        if self:
            raise LedgerRefused(self)


def _containers(
    value: Any, field: str, errors: _Errors, *, allow_zero: bool = False
) -> int | None:
    """A whole number of containers, as typed or given."""
    if value is None or value == "":
        errors.add(field, "Say how many vials.")
        return None
    if isinstance(value, bool):
        errors.add(field, "Say how many vials, as a whole number.")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(field, "Say how many vials, as a whole number like 10.")
        return None
    if not number.is_finite() or number != number.to_integral_value():
        errors.add(field, "Vials are counted whole: type a whole number like 10.")
        return None
    if number < 0 or (number == 0 and not allow_zero):
        errors.add(field, "The number of vials must be more than zero.")
        return None
    if number > 100_000:
        errors.add(field, "That is more vials than a clinic keeps; check the number.")
        return None
    return int(number)


def _amount(
    value: Any,
    field: str,
    errors: _Errors,
    unit: str = "mg",
    *,
    allow_zero: bool = False,
) -> Decimal | None:
    """A positive amount in `unit`, to a thousandth at most."""
    if value is None or value == "":
        errors.add(field, f"Give the amount in {unit}.")
        return None
    if isinstance(value, bool | float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(field, f"Give the amount in {unit} as a number, like 35 or 2.5.")
        return None
    if not amount.is_finite():
        errors.add(field, f"Give the amount in {unit} as a number, like 35 or 2.5.")
        return None
    if amount < 0 or (amount == 0 and not allow_zero):
        errors.add(field, f"The amount in {unit} must be more than zero.")
        return None
    if amount != amount.quantize(MG_STEP):
        errors.add(field, f"Give the amount in {unit} to three decimals at most.")
        return None
    if amount >= Decimal("1e9"):
        errors.add(field, f"That is more {unit} than a clinic keeps; check it.")
        return None
    return amount


def _when(value: datetime | None, field: str, errors: _Errors) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        errors.add(field, "Give the time with its time zone.")
        return now
    if value > now + CLOCK_SLACK:
        errors.add(field, "That time is still to come: record what has happened.")
    return value


def _local_date(moment: datetime, location: Location) -> date:
    return moment.astimezone(location.zone).date()


def _object(model: type[Any], value: Any, field: str, errors: _Errors, what: str):
    """The row `value` names (an instance or its id), or None with a message."""
    if value is None or value == "":
        errors.add(field, f"Choose the {what}.")
        return None
    if isinstance(value, model):
        pk: Any = value.pk
    else:
        pk = value
    try:
        return model.objects.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        errors.add(field, f"There is no such {what}: choose one from the list.")
        return None


def _lot(value: Any, errors: _Errors, field: str = "lot") -> Lot | None:
    if isinstance(value, Lot):
        value = value.pk
    if value is None or value == "":
        errors.add(field, "Choose the lot.")
        return None
    try:
        return Lot.objects.select_related("product").get(pk=value)
    except (Lot.DoesNotExist, ValueError, TypeError):
        errors.add(field, "There is no such lot: choose one from the list.")
        return None


def _safe(value: Any, errors: _Errors, field: str = "safe") -> Safe | None:
    safe = _object(Safe, value, field, errors, "safe")
    if safe is not None and not safe.active:
        errors.add(field, f"{safe.name} is no longer in use.")
        return None
    return safe


def _container(
    value: Any, lot: Lot | None, safe: Safe | None, errors: _Errors
) -> OpenedContainer | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, OpenedContainer):
            container = OpenedContainer.objects.get(pk=value.pk)
        else:
            container = OpenedContainer.objects.get(uuid=UUID(str(value)))
    except (OpenedContainer.DoesNotExist, ValueError, TypeError):
        errors.add("container", "There is no such opened vial.")
        return None
    if (lot is not None and container.lot_id != lot.pk) or (
        safe is not None and container.safe_id != safe.pk
    ):
        errors.add("container", "That opened vial is of another lot or safe.")
        return None
    return container


def _reason(value: str, errors: _Errors, what: str = "Say why.") -> str:
    text = (value or "").strip()
    if not text:
        errors.add("reason", what)
    elif len(text) > 2000:
        errors.add("reason", "Keep the reason under 2,000 characters.")
    return text


# --- Who acts ---------------------------------------------------------------------


def _allowed(actor: Actor, *perms: Perm) -> User:
    user = actor.user
    if user is None or not any(can(user, perm) for perm in perms):
        raise LedgerRefused(
            {None: "Your role does not keep this part of the controlled-drug ledger."}
        )
    return user


def _works_at(user: User, location: Location) -> bool:
    return user.locations.filter(pk=location.pk).exists()


def _at_location(user: User, location: Location, errors: _Errors) -> None:
    if not _works_at(user, location):
        errors.add(None, f"You do not work at {location.name}.")


def _witnessed(
    errors: _Errors,
    *,
    by: User,
    witness: Any,
    secret: str,
    location: Location | None,
    also_not: User | None = None,
) -> User | None:
    """The witness, once they re-entered their own password or code; else a
    message beside the witness or the secret field."""
    person = _object(User, witness, "witness", errors, "witness")
    if person is None:
        return None
    problem = second_person_problem(
        person,
        by=by,
        perm=Perm.LEDGER_RECORD,
        location_id=location.pk if location is not None else None,
        secret=secret,
        also_not=also_not,
    )
    if problem is None:
        return person
    name = person.get_full_name() or person.username
    where = location.name if location is not None else ""
    field, words = {
        SecondPerson.SAME: (
            "witness",
            "The witness must be someone else: a second person confirms it.",
        ),
        SecondPerson.NOT_LICENSED: (
            "witness",
            f"{name} cannot witness: a witness is a nurse or a provider.",
        ),
        SecondPerson.ELSEWHERE: ("witness", f"{name} does not work at {where}."),
        SecondPerson.WRONG_SECRET: ("witness_secret", WRONG_SECRET),
    }[problem]
    errors.add(field, words)
    return None


# --- Writing ----------------------------------------------------------------------


def _lock(lot: Lot) -> Lot:
    """Hold the lot's row until the transaction ends: every write that moves
    this lot waits here, so each reads the balance the one before it left."""
    return (
        Lot.objects.select_for_update(of=("self",))
        .select_related("product")
        .get(pk=lot.pk)
    )


def _write(actor: Actor, **fields: Any) -> Entry:
    """Append one entry; a movement gets its balance after, read under the lock."""
    effect = fields.get("effect_mg", ZERO)
    lot, safe = fields.get("lot"), fields.get("safe")
    if lot is not None and safe is not None:
        after = queries.balance(lot, safe) + effect
        if after < 0:
            raise LedgerRefused(
                {
                    "quantity": (
                        f"Only {queries.balance(lot, safe).normalize():f} mg of "
                        f"lot {lot.number} is in {safe.name}: the ledger cannot "
                        "go below zero."
                    )
                }
            )
        fields["balance_after_mg"] = after
    entry = Entry.objects.create(**fields)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=fields.get("patient"),
        obj=entry,
        summary=f"Ledger: {entry.get_kind_display()}"
        + (f", lot {lot.number}" if lot is not None else "")
        + (f", {entry.quantity_mg.normalize():f} mg" if entry.quantity_mg else ""),
    )
    return entry


def _usable(lot: Lot, day: date, errors: _Errors, field: str = "lot") -> None:
    if day > lot.expires_on:
        errors.add(
            field,
            f"Lot {lot.number} expired on {lot.expires_on:%b %-d, %Y}: it cannot be "
            "drawn. Send it for destruction.",
        )


def _registered(location: Location, product: Product, day: date, errors: _Errors):
    registrations = Registration.objects.filter(location=location)
    if not any(
        r.covers(product.schedule) and r.expires_on >= day for r in registrations
    ):
        errors.add(
            None,
            f"{location.name} has no current DEA registration for schedule "
            f"{product.schedule}: record the registration first.",
        )


# --- Receipts ---------------------------------------------------------------------


def receive(
    *,
    actor: Actor,
    safe: Safe | int,
    supplier: Supplier | int,
    product: Product | int,
    lot_number: str,
    expires_on: date | None,
    containers: Any,
    invoice_number: str,
    ordered_containers: Any = None,
    received_at: datetime | None = None,
) -> Entry:
    """Vials received from a supplier into a safe, on the date they actually
    arrived (21 CFR 1304.21(d)): the lot is recorded on its first receipt."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    the_safe = _safe(safe, errors)
    the_supplier = _object(Supplier, supplier, "supplier", errors, "supplier")
    the_product = _object(Product, product, "product", errors, "product")
    count = _containers(containers, "containers", errors)
    ordered = None
    if ordered_containers not in (None, ""):
        ordered = _containers(
            ordered_containers, "ordered_containers", errors, allow_zero=True
        )
    when = _when(received_at, "received_at", errors)
    number = (lot_number or "").strip()
    if not number:
        errors.add("lot_number", "Type the lot number printed on the vials.")
    elif len(number) > 40:
        errors.add("lot_number", "A lot number is 40 characters at most.")
    invoice = (invoice_number or "").strip()
    if not invoice:
        errors.add(
            "invoice_number", "Type the invoice or packing-slip number of the delivery."
        )
    elif len(invoice) > 60:
        errors.add("invoice_number", "An invoice number is 60 characters at most.")
    if the_supplier is not None:
        problem = controlled.dea_number_problem(the_supplier.dea_number)
        if problem:
            errors.add("supplier", f"{the_supplier.name}: {problem}")
        elif the_supplier.reverse_distributor or not the_supplier.active:
            errors.add("supplier", f"{the_supplier.name} does not supply this clinic.")
    if the_safe is not None:
        _at_location(user, the_safe.location, errors)
        today = _local_date(timezone.now(), the_safe.location)
        if expires_on is None:
            errors.add("expires_on", "Type the expiry date printed on the vials.")
        elif expires_on < today:
            errors.add(
                "expires_on",
                f"That expiry date ({expires_on:%b %-d, %Y}) has passed: expired "
                "vials are not received into stock. Return them to the supplier.",
            )
        if the_product is not None:
            _registered(the_safe.location, the_product, today, errors)
    errors.raise_any()
    assert the_safe and the_supplier and the_product and count and expires_on
    with transaction.atomic():
        # get_or_create: a receipt of the same new lot at the same moment
        # meets the unique constraint and reads the other's row instead.
        lot, _created = Lot.objects.get_or_create(
            product=the_product, number=number, defaults={"expires_on": expires_on}
        )
        if lot.expires_on != expires_on:
            raise LedgerRefused(
                {
                    "expires_on": (
                        f"Lot {number} is recorded with the expiry date "
                        f"{lot.expires_on:%b %-d, %Y}; check the vials."
                    )
                }
            )
        lot = _lock(lot)
        mg = the_product.mg_per_container * count
        return _write(
            actor,
            kind=EntryKind.RECEIPT,
            location=the_safe.location,
            safe=the_safe,
            lot=lot,
            quantity_mg=mg,
            containers=count,
            effect_mg=mg,
            who=user,
            occurred_at=when,
            supplier=the_supplier,
            invoice_number=invoice,
            ordered_containers=ordered,
        )


# --- Draws and waste --------------------------------------------------------------


def draw(
    *,
    actor: Actor,
    lot: Lot | int,
    safe: Safe | int,
    mg: Any = None,
    ml: Any = None,
    container: OpenedContainer | str | None = None,
    session_uuid: UUID | str | None = None,
    patient: Patient | None = None,
    at: datetime | None = None,
    facts: Mapping[str, Any] | None = None,
) -> Entry:
    """Drug drawn from a vial for a patient, by the nurse who gives it: from the
    opened vial `container`, or from a new vial opened now. Give `mg` or `ml`
    (or both, when they agree with the strength)."""
    user = _allowed(actor, Perm.LEDGER_RECORD)
    errors = _Errors()
    the_lot = _lot(lot, errors)
    the_safe = _safe(safe, errors)
    when = _when(at, "at", errors)
    amount = volume = None
    if mg in (None, "") and ml in (None, ""):
        errors.add("quantity", "Give the amount drawn, in mg or mL.")
    else:
        if mg not in (None, ""):
            amount = _amount(mg, "quantity", errors)
        if ml not in (None, ""):
            volume = _amount(ml, "volume", errors, unit="mL")
    session = None
    if session_uuid not in (None, ""):
        try:
            session = UUID(str(session_uuid))
        except ValueError:
            errors.add("session", "There is no such infusion session.")
    the_container = _container(container, the_lot, the_safe, errors)
    errors.raise_any()
    assert the_lot and the_safe
    strength = the_lot.product.mg_per_ml
    if amount is None:
        assert volume is not None
        amount = volume * strength
    elif volume is None:
        volume = amount / strength
    elif abs(volume * strength - amount) > MG_STEP:
        errors.add(
            "volume",
            f"{volume.normalize():f} mL of {strength.normalize():f} mg/mL is "
            f"{(volume * strength).normalize():f} mg, not {amount.normalize():f} mg.",
        )
    location = the_safe.location
    _at_location(user, location, errors)
    day = _local_date(when, location)
    _usable(the_lot, day, errors)
    errors.raise_any()
    with transaction.atomic():
        lot_row = _lock(the_lot)
        if the_container is None:
            sealed = queries.sealed_mg(lot_row, the_safe)
            if sealed < lot_row.product.mg_per_container:
                raise LedgerRefused(
                    {
                        "container": (
                            f"No sealed vial of lot {lot_row.number} is left in "
                            f"{the_safe.name}: draw from an opened vial."
                        )
                    }
                )
            days = lot_row.product.beyond_use_days if lot_row.product.multi_dose else 0
            the_container = OpenedContainer.objects.create(
                lot=lot_row,
                safe=the_safe,
                opened_at=when,
                opened_on=day,
                beyond_use_on=controlled.beyond_use_date(day, days),
                opened_by=user,
            )
        else:
            if not controlled.usable_on(
                day,
                expires_on=lot_row.expires_on,
                beyond_use_on=the_container.beyond_use_on,
            ):
                raise LedgerRefused(
                    {
                        "container": (
                            f"This vial was opened on "
                            f"{the_container.opened_on:%b %-d} and was usable "
                            f"until {the_container.beyond_use_on:%b %-d}: waste "
                            "what is left and open a new vial."
                        )
                    }
                )
        left = queries.open_remaining(the_container)
        if amount > left:
            raise LedgerRefused(
                {
                    "quantity": (
                        f"The vial holds {left.normalize():f} mg: draw the rest "
                        "from a second vial as its own draw."
                    )
                }
            )
        return _write(
            actor,
            kind=EntryKind.DRAW,
            location=location,
            safe=the_safe,
            lot=lot_row,
            container=the_container,
            quantity_mg=amount,
            volume_ml=volume.quantize(MG_STEP),
            effect_mg=-amount,
            who=user,
            occurred_at=when,
            session_uuid=session,
            patient=patient,
            facts=dict(facts or {}),
        )


def waste(
    *,
    actor: Actor,
    mg: Any,
    witness: User | int | None,
    witness_secret: str,
    draw: Entry | int | None = None,
    container: OpenedContainer | str | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Entry:
    """Drug wasted before a witness who re-enters their own password or code:
    the unused rest of a `draw` (already off the shelf), or what is left in an
    opened vial `container` (then it leaves the balance)."""
    user = _allowed(actor, Perm.LEDGER_RECORD)
    errors = _Errors()
    amount = _amount(mg, "quantity", errors)
    when = _when(at, "at", errors)
    the_draw: Entry | None = None
    the_container: OpenedContainer | None = None
    if draw not in (None, ""):
        the_draw = _object(Entry, draw, "draw", errors, "draw")
        if the_draw is not None and the_draw.kind != EntryKind.DRAW:
            errors.add("draw", "Waste names the draw whose rest it is.")
            the_draw = None
    elif container not in (None, ""):
        the_container = _container(container, None, None, errors)
    else:
        errors.add("draw", "Name the draw, or the opened vial, the waste comes from.")
    errors.raise_any()
    location = (
        the_draw.location if the_draw is not None else the_container.safe.location  # type: ignore[union-attr]
    )
    _at_location(user, location, errors)
    person = _witnessed(
        errors,
        by=user,
        witness=witness,
        secret=witness_secret,
        location=location,
        also_not=the_draw.who if the_draw is not None else None,
    )
    errors.raise_any()
    assert amount is not None and person is not None
    with transaction.atomic():
        if the_draw is not None:
            lot_row = _lock(the_draw.lot)  # type: ignore[arg-type]
            left = the_draw.quantity_mg - queries.wasted_of(the_draw)
            if amount > left:
                raise LedgerRefused(
                    {
                        "quantity": (
                            f"Only {left.normalize():f} mg of that draw is left "
                            "to waste."
                        )
                    }
                )
            return _write(
                actor,
                kind=EntryKind.WASTE,
                location=location,
                safe=the_draw.safe,
                lot=lot_row,
                container=the_draw.container,
                source=the_draw,
                quantity_mg=amount,
                effect_mg=ZERO,
                who=user,
                witness=person,
                witnessed_with_credentials=True,
                witnessed_at=timezone.now(),
                occurred_at=when,
                session_uuid=the_draw.session_uuid,
                patient=the_draw.patient,
                reason=(reason or "").strip(),
            )
        assert the_container is not None
        lot_row = _lock(the_container.lot)
        left = queries.open_remaining(the_container)
        if amount > left:
            raise LedgerRefused(
                {"quantity": f"The vial holds only {left.normalize():f} mg."}
            )
        return _write(
            actor,
            kind=EntryKind.WASTE,
            location=location,
            safe=the_container.safe,
            lot=lot_row,
            container=the_container,
            quantity_mg=amount,
            effect_mg=-amount,
            who=user,
            witness=person,
            witnessed_with_credentials=True,
            witnessed_at=timezone.now(),
            occurred_at=when,
            reason=(reason or "").strip(),
        )


# --- Other movements --------------------------------------------------------------


def _sealed_removal(
    actor: Actor,
    user: User,
    *,
    kind: str,
    lot: Lot,
    safe: Safe,
    count: int,
    when: datetime,
    **fields: Any,
) -> Entry:
    lot_row = _lock(lot)
    sealed = queries.sealed_mg(lot_row, safe)
    mg = lot_row.product.mg_per_container * count
    if mg > sealed:
        whole = int(max(sealed, ZERO) // lot_row.product.mg_per_container)
        raise LedgerRefused(
            {
                "containers": (
                    f"{safe.name} holds {whole} sealed vial{'s' if whole != 1 else ''}"
                    f" of lot {lot_row.number}."
                )
            }
        )
    return _write(
        actor,
        kind=kind,
        location=safe.location,
        safe=safe,
        lot=lot_row,
        quantity_mg=mg,
        containers=count,
        effect_mg=-mg,
        who=user,
        occurred_at=when,
        **fields,
    )


def transfer(
    *,
    actor: Actor,
    lot: Lot | int,
    from_safe: Safe | int,
    to_safe: Safe | int,
    containers: Any,
    reason: str = "",
    at: datetime | None = None,
) -> tuple[Entry, Entry]:
    """Sealed vials moved from one safe to another, at the same location or
    another: both sides recorded in one transaction."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    the_lot = _lot(lot, errors)
    source = _safe(from_safe, errors, "from_safe")
    target = _safe(to_safe, errors, "to_safe")
    count = _containers(containers, "containers", errors)
    when = _when(at, "at", errors)
    if source is not None and target is not None and source.pk == target.pk:
        errors.add("to_safe", "Choose another safe to move the vials to.")
    errors.raise_any()
    assert the_lot and source and target and count
    _at_location(user, source.location, errors)
    if target.location_id != source.location_id:
        _registered(target.location, the_lot.product, when.date(), errors)
    errors.raise_any()
    batch = uuid_module.uuid4()
    with transaction.atomic():
        out = _sealed_removal(
            actor,
            user,
            kind=EntryKind.TRANSFER_OUT,
            lot=the_lot,
            safe=source,
            count=count,
            when=when,
            batch=batch,
            reason=(reason or "").strip(),
        )
        into = _write(
            actor,
            kind=EntryKind.TRANSFER_IN,
            location=target.location,
            safe=target,
            lot=out.lot,
            quantity_mg=out.quantity_mg,
            containers=count,
            effect_mg=out.quantity_mg,
            who=user,
            occurred_at=when,
            source=out,
            batch=batch,
            reason=(reason or "").strip(),
        )
    return out, into


def return_to_supplier(
    *,
    actor: Actor,
    lot: Lot | int,
    safe: Safe | int,
    supplier: Supplier | int,
    containers: Any,
    reason: str,
    invoice_number: str = "",
    at: datetime | None = None,
) -> Entry:
    """Sealed vials sent back to the supplier (a wrong or damaged delivery)."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    the_lot = _lot(lot, errors)
    the_safe = _safe(safe, errors)
    the_supplier = _object(Supplier, supplier, "supplier", errors, "supplier")
    count = _containers(containers, "containers", errors)
    why = _reason(reason, errors, "Say why the vials go back.")
    when = _when(at, "at", errors)
    if the_supplier is not None:
        problem = controlled.dea_number_problem(the_supplier.dea_number)
        if problem:
            errors.add("supplier", f"{the_supplier.name}: {problem}")
    errors.raise_any()
    assert the_lot and the_safe and count
    _at_location(user, the_safe.location, errors)
    errors.raise_any()
    with transaction.atomic():
        return _sealed_removal(
            actor,
            user,
            kind=EntryKind.RETURN,
            lot=the_lot,
            safe=the_safe,
            count=count,
            when=when,
            supplier=the_supplier,
            invoice_number=(invoice_number or "").strip()[:60],
            reason=why,
        )


def _open_removal(
    actor: Actor,
    user: User,
    *,
    kind: str,
    container: OpenedContainer,
    when: datetime,
    **fields: Any,
) -> Entry:
    """The rest of an opened vial leaves the balance."""
    lot_row = _lock(container.lot)
    left = queries.open_remaining(container)
    if left <= 0:
        raise LedgerRefused({"container": "That opened vial is empty already."})
    return _write(
        actor,
        kind=kind,
        location=container.safe.location,
        safe=container.safe,
        lot=lot_row,
        container=container,
        quantity_mg=left,
        effect_mg=-left,
        who=user,
        occurred_at=when,
        **fields,
    )


def destroy(
    *,
    actor: Actor,
    lot: Lot | int,
    safe: Safe | int,
    distributor: Supplier | int,
    containers: Any = None,
    container: OpenedContainer | str | None = None,
    form_41: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> Entry:
    """Expired or damaged stock handed to a reverse distributor for destruction
    (CLINICAL.md 6: DEA Form 41 or a reverse distributor): sealed vials, or the
    rest of one opened vial."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    the_lot = _lot(lot, errors)
    the_safe = _safe(safe, errors)
    the_distributor = _object(
        Supplier, distributor, "distributor", errors, "reverse distributor"
    )
    when = _when(at, "at", errors)
    if the_distributor is not None:
        problem = controlled.dea_number_problem(the_distributor.dea_number)
        if problem:
            errors.add("distributor", f"{the_distributor.name}: {problem}")
        elif not the_distributor.reverse_distributor:
            errors.add(
                "distributor",
                f"{the_distributor.name} is not recorded as a reverse distributor.",
            )
    the_container = _container(container, the_lot, the_safe, errors)
    count = None
    if the_container is None:
        count = _containers(containers, "containers", errors)
    errors.raise_any()
    assert the_lot and the_safe and the_distributor
    _at_location(user, the_safe.location, errors)
    errors.raise_any()
    facts = {
        "reverse_distributor": the_distributor.name,
        "reverse_distributor_dea": the_distributor.dea_number,
        "form_41": (form_41 or "").strip()[:60],
    }
    with transaction.atomic():
        if the_container is not None:
            return _open_removal(
                actor,
                user,
                kind=EntryKind.DESTRUCTION,
                container=the_container,
                when=when,
                supplier=the_distributor,
                facts=facts,
                reason=(reason or "").strip(),
            )
        assert count is not None
        return _sealed_removal(
            actor,
            user,
            kind=EntryKind.DESTRUCTION,
            lot=the_lot,
            safe=the_safe,
            count=count,
            when=when,
            supplier=the_distributor,
            facts=facts,
            reason=(reason or "").strip(),
        )


def breakage(
    *,
    actor: Actor,
    lot: Lot | int,
    safe: Safe | int,
    witness: User | int | None,
    witness_secret: str,
    reason: str,
    containers: Any = None,
    container: OpenedContainer | str | None = None,
    at: datetime | None = None,
) -> Entry:
    """Vials broken or spilled, documented with a witness (CLINICAL.md 6):
    sealed vials, or the rest of one opened vial."""
    user = _allowed(actor, Perm.LEDGER_RECORD, Perm.LEDGER_MANAGE)
    errors = _Errors()
    the_lot = _lot(lot, errors)
    the_safe = _safe(safe, errors)
    why = _reason(reason, errors, "Say what happened.")
    when = _when(at, "at", errors)
    the_container = _container(container, the_lot, the_safe, errors)
    count = None
    if the_container is None:
        count = _containers(containers, "containers", errors)
    errors.raise_any()
    assert the_lot and the_safe
    _at_location(user, the_safe.location, errors)
    person = _witnessed(
        errors,
        by=user,
        witness=witness,
        secret=witness_secret,
        location=the_safe.location,
    )
    errors.raise_any()
    witnessed = {
        "witness": person,
        "witnessed_with_credentials": True,
        "witnessed_at": timezone.now(),
        "reason": why,
    }
    with transaction.atomic():
        if the_container is not None:
            return _open_removal(
                actor,
                user,
                kind=EntryKind.BREAKAGE,
                container=the_container,
                when=when,
                **witnessed,
            )
        assert count is not None
        return _sealed_removal(
            actor,
            user,
            kind=EntryKind.BREAKAGE,
            lot=the_lot,
            safe=the_safe,
            count=count,
            when=when,
            **witnessed,
        )


# The facts DEA Form 106 asks for (21 CFR 1301.76(b); the form's fields, GK).
LOSS_TYPES = {
    "theft_break_in": "Theft: break-in",
    "theft_employee": "Theft: employee pilferage",
    "theft_armed_robbery": "Theft: armed robbery",
    "theft_other": "Theft: other",
    "lost_in_transit": "Lost in transit",
    "lost_other": "Lost (no sign of theft)",
}


@dataclass(frozen=True)
class LossFacts:
    loss_type: str  # a key of LOSS_TYPES
    circumstances: str
    police_notified: bool = False
    police_department: str = ""
    police_report_number: str = ""
    thefts_in_last_24_months: int = 0
    significant: bool = True  # a loss judged not significant need not be reported


def loss(
    *,
    actor: Actor,
    lot: Lot | int,
    safe: Safe | int,
    facts: LossFacts,
    containers: Any = None,
    container: OpenedContainer | str | None = None,
    mg: Any = None,
    discovered_at: datetime | None = None,
    holidays: Container[date] | None = None,
) -> Entry:
    """Drug lost or stolen: sealed vials, an opened vial's rest, or `mg` taken
    from an opened vial. The Form 106 facts and the dates it must be reported
    by (the DEA Field Division within 1 business day of discovery, Form 106
    within 45 days; theft whatever the quantity) are kept with the entry.
    Business days skip Saturdays, Sundays and `holidays` (by default the
    clinic's, settings.KETACLINIC_HOLIDAYS)."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    the_lot = _lot(lot, errors)
    the_safe = _safe(safe, errors)
    when = _when(discovered_at, "discovered_at", errors)
    if facts.loss_type not in LOSS_TYPES:
        errors.add("loss_type", "Choose what kind of loss it was.")
    if not facts.circumstances.strip():
        errors.add("circumstances", "Describe what happened and how it was found.")
    if facts.police_notified and not facts.police_department.strip():
        errors.add("police_department", "Name the police department notified.")
    if facts.thefts_in_last_24_months < 0:
        errors.add("thefts_in_last_24_months", "The number cannot be negative.")
    the_container = _container(container, the_lot, the_safe, errors)
    count = amount = None
    if the_container is None:
        count = _containers(containers, "containers", errors)
    elif mg not in (None, ""):
        amount = _amount(mg, "quantity", errors)
    errors.raise_any()
    assert the_lot and the_safe
    _at_location(user, the_safe.location, errors)
    errors.raise_any()
    discovered_on = _local_date(when, the_safe.location)
    theft = facts.loss_type.startswith("theft")
    if holidays is None:
        holidays = settings.KETACLINIC_HOLIDAYS
    deadlines = controlled.loss_deadlines(discovered_on, holidays=holidays)
    reportable = theft or facts.significant
    record = {
        "loss_type": facts.loss_type,
        "loss_type_words": LOSS_TYPES[facts.loss_type],
        "theft": theft,
        "circumstances": facts.circumstances.strip(),
        "police_notified": facts.police_notified,
        "police_department": facts.police_department.strip(),
        "police_report_number": facts.police_report_number.strip(),
        "thefts_in_last_24_months": facts.thefts_in_last_24_months,
        "significant": facts.significant,
        "reportable": reportable,
        "discovered_on": discovered_on.isoformat(),
        "notice_by": deadlines.notice_by.isoformat() if reportable else None,
        "form_106_by": deadlines.form_106_by.isoformat() if reportable else None,
        "ndc": the_lot.product.ndc,
        "product": str(the_lot.product),
    }
    with transaction.atomic():
        if the_container is not None and amount is not None:
            lot_row = _lock(the_lot)
            left = queries.open_remaining(the_container)
            if amount > left:
                raise LedgerRefused(
                    {"quantity": f"The vial holds only {left.normalize():f} mg."}
                )
            return _write(
                actor,
                kind=EntryKind.LOSS,
                location=the_safe.location,
                safe=the_safe,
                lot=lot_row,
                container=the_container,
                quantity_mg=amount,
                effect_mg=-amount,
                who=user,
                occurred_at=when,
                facts=record,
            )
        if the_container is not None:
            return _open_removal(
                actor,
                user,
                kind=EntryKind.LOSS,
                container=the_container,
                when=when,
                facts=record,
            )
        assert count is not None
        return _sealed_removal(
            actor,
            user,
            kind=EntryKind.LOSS,
            lot=the_lot,
            safe=the_safe,
            count=count,
            when=when,
            facts=record,
        )


# --- Counts and inventories -------------------------------------------------------


@dataclass(frozen=True)
class CountLine:
    """What one lot in the safe was counted at: whole sealed vials, and the
    mL estimated in opened ones (21 CFR 1304.11(e)(3) allows an estimate)."""

    lot: Lot | int
    sealed: Any
    open_ml: Any = 0


COUNT_KINDS = (
    EntryKind.COUNT,
    EntryKind.INVENTORY_BIENNIAL,
    EntryKind.INVENTORY_INITIAL,
)


def count(
    *,
    actor: Actor,
    safe: Safe | int,
    lines: Sequence[CountLine],
    witness: User | int | None,
    witness_secret: str,
    kind: str = EntryKind.COUNT,
    at: datetime | None = None,
) -> list[Entry]:
    """A count of a safe by one person, witnessed by another: one entry per
    lot with the expected and the counted balance; each difference writes a
    discrepancy for the manager's worklist. `kind` is a count (end of day or
    shift), the biennial inventory, or the initial inventory (which opens the
    balances; with no lines, a zero inventory)."""
    user = _allowed(actor, Perm.LEDGER_RECORD, Perm.LEDGER_MANAGE)
    errors = _Errors()
    if kind not in COUNT_KINDS:
        raise ValueError(f"Not a count: {kind}")
    the_safe = _safe(safe, errors)
    when = _when(at, "at", errors)
    parsed: list[tuple[Lot, Decimal, bool]] = []
    for index, line in enumerate(lines):
        the_lot = _lot(line.lot, errors, f"lines.{index}.lot")
        sealed = _containers(
            line.sealed, f"lines.{index}.sealed", errors, allow_zero=True
        )
        open_ml = _amount(
            line.open_ml or 0, f"lines.{index}.open_ml", errors, "mL", allow_zero=True
        )
        if the_lot is None or sealed is None or open_ml is None:
            continue
        if any(lot.pk == the_lot.pk for lot, _, _ in parsed):
            errors.add(f"lines.{index}.lot", f"Lot {the_lot.number} is counted twice.")
            continue
        product = the_lot.product
        parsed.append(
            (
                the_lot,
                product.mg_per_container * sealed + product.mg_per_ml * open_ml,
                open_ml > 0,
            )
        )
    errors.raise_any()
    assert the_safe is not None
    location = the_safe.location
    _at_location(user, location, errors)
    person = _witnessed(
        errors,
        by=user,
        witness=witness,
        secret=witness_secret,
        location=location,
    )
    errors.raise_any()
    batch = uuid_module.uuid4()
    witnessed = {
        "witness": person,
        "witnessed_with_credentials": True,
        "witnessed_at": timezone.now(),
    }
    written: list[Entry] = []
    with transaction.atomic():
        locked = {lot.pk: _lock(lot) for lot, _, _ in sorted(parsed, key=_by_pk)}
        on_shelf = {h.lot_id: h.mg for h in queries.balances_of_safe(the_safe)}
        if kind == EntryKind.INVENTORY_INITIAL:
            if Entry.objects.filter(location=location).exists():
                raise LedgerRefused(
                    {
                        None: (
                            f"{location.name} has ledger entries already: the "
                            "initial inventory is the first one."
                        )
                    }
                )
            if not parsed:
                written.append(
                    _write(
                        actor,
                        kind=kind,
                        location=location,
                        safe=the_safe,
                        who=user,
                        occurred_at=when,
                        batch=batch,
                        reason="Zero inventory: none on hand.",
                        **witnessed,
                    )
                )
            for lot, counted, estimated in parsed:
                written.append(
                    _write(
                        actor,
                        kind=kind,
                        location=location,
                        safe=the_safe,
                        lot=locked[lot.pk],
                        quantity_mg=counted,
                        counted_mg=counted,
                        expected_mg=ZERO,
                        effect_mg=counted,
                        estimated=estimated,
                        who=user,
                        occurred_at=when,
                        batch=batch,
                        **witnessed,
                    )
                )
            return written
        missing = [
            lot_id
            for lot_id, mg in on_shelf.items()
            if mg and lot_id not in {lot.pk for lot, _, _ in parsed}
        ]
        if missing:
            numbers = ", ".join(
                Lot.objects.filter(pk__in=missing).values_list("number", flat=True)
            )
            raise LedgerRefused(
                {None: f"Count every lot in {the_safe.name}: {numbers} is missing."}
            )
        for lot, counted, estimated in parsed:
            expected = on_shelf.get(lot.pk, ZERO)
            counted_line = _write(
                actor,
                kind=kind,
                location=location,
                safe=the_safe,
                lot=locked[lot.pk],
                quantity_mg=counted,
                counted_mg=counted,
                expected_mg=expected,
                estimated=estimated,
                who=user,
                occurred_at=when,
                batch=batch,
                **witnessed,
            )
            written.append(counted_line)
            if counted != expected:
                written.append(
                    _write(
                        actor,
                        kind=EntryKind.DISCREPANCY,
                        location=location,
                        safe=the_safe,
                        lot=locked[lot.pk],
                        quantity_mg=abs(counted - expected),
                        counted_mg=counted,
                        expected_mg=expected,
                        estimated=estimated,
                        who=user,
                        occurred_at=when,
                        source=counted_line,
                        batch=batch,
                    )
                )
    return written


def _by_pk(item: tuple[Lot, Decimal, bool]) -> int:
    return item[0].pk


# --- Corrections and resolutions --------------------------------------------------


def _chain_effect(entry: Entry) -> tuple[Entry, Decimal]:
    """The first entry of a chain of corrections, and the effect of the whole
    chain up to `entry`."""
    total = entry.effect_mg
    root = entry
    while root.corrects_id is not None:
        root = Entry.objects.get(pk=root.corrects_id)
        total += root.effect_mg
    return root, total


def correct(
    *,
    actor: Actor,
    entry: Entry | int,
    quantity_mg: Any,
    reason: str,
    at: datetime | None = None,
) -> Entry:
    """A mistake corrected: `entry` (an entry, or a correction of one) should
    have said `quantity_mg`. The correction names it, says why, and moves the
    balance by the difference; the entry itself stays as it was."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    wrong = _object(Entry, entry, "entry", errors, "entry")
    right = _amount(quantity_mg, "quantity", errors, allow_zero=True)
    why = _reason(reason, errors, "Say why the entry was wrong.")
    when = _when(at, "at", errors)
    errors.raise_any()
    assert wrong is not None and right is not None
    _at_location(user, wrong.location, errors)
    if Entry.objects.filter(corrects=wrong).exists():
        errors.add("entry", ALREADY_CORRECTED)
    root, so_far = _chain_effect(wrong)
    if root.kind in (EntryKind.DISCREPANCY, EntryKind.DISCREPANCY_RESOLUTION):
        errors.add("entry", "A discrepancy is resolved, not corrected.")
    errors.raise_any()
    if root.effect_mg > 0:
        target = right
    elif root.effect_mg < 0:
        target = -right
    else:
        target = ZERO  # a count, or the rest of a draw wasted: no balance moves
    try:
        with transaction.atomic():
            lot_row = _lock(root.lot) if root.lot is not None else None
            return _write(
                actor,
                kind=EntryKind.CORRECTION,
                location=root.location,
                safe=root.safe,
                lot=lot_row,
                container=root.container,
                quantity_mg=right,
                containers=None,
                effect_mg=target - so_far,
                who=user,
                occurred_at=when,
                corrects=wrong,
                source=root,
                reason=why,
                patient=root.patient,
                session_uuid=root.session_uuid,
            )
    except IntegrityError:
        # Corrected meanwhile by someone else (the one-to-one `corrects`).
        raise LedgerRefused({"entry": ALREADY_CORRECTED}) from None


ALREADY_CORRECTED = "That entry is corrected already: correct the correction."


RESOLVABLE = (EntryKind.DISCREPANCY, EntryKind.WASTE, EntryKind.DRAW, EntryKind.RECEIPT)


def resolve(
    *,
    actor: Actor,
    entry: Entry | int,
    reason: str,
    accept_count: bool = False,
    at: datetime | None = None,
) -> Entry:
    """A discrepancy on the worklist resolved with a reason: a count
    difference, a waste with no witness, a draw with no session, a receipt
    short of its order. For a count difference, `accept_count` brings the
    balance to what was counted (the reason says why; a loss is reported with
    `loss` instead). The resolution is itself an entry, and an entry is
    resolved once (the database refuses a second)."""
    user = _allowed(actor, Perm.LEDGER_MANAGE)
    errors = _Errors()
    open_entry = _object(Entry, entry, "entry", errors, "entry")
    why = _reason(reason, errors, "Say how the discrepancy was resolved.")
    when = _when(at, "at", errors)
    errors.raise_any()
    assert open_entry is not None
    _at_location(user, open_entry.location, errors)
    if open_entry.kind not in RESOLVABLE:
        errors.add("entry", "That entry is not a discrepancy.")
    if accept_count and open_entry.kind != EntryKind.DISCREPANCY:
        errors.add("accept_count", "Only a count's difference is accepted.")
    errors.raise_any()
    effect = ZERO
    if accept_count:
        assert open_entry.counted_mg is not None and open_entry.expected_mg is not None
        effect = open_entry.counted_mg - open_entry.expected_mg
    try:
        with transaction.atomic():
            return _resolution(actor, user, open_entry, effect, why, when)
    except IntegrityError:
        # Resolved meanwhile by someone else (the one-to-one `resolves`).
        raise LedgerRefused({"entry": ALREADY_RESOLVED}) from None


ALREADY_RESOLVED = "That discrepancy is resolved already."


def _resolution(
    actor: Actor,
    user: User,
    open_entry: Entry,
    effect: Decimal,
    why: str,
    when: datetime,
) -> Entry:
    lot_row = _lock(open_entry.lot) if open_entry.lot is not None else None
    if Entry.objects.filter(resolves=open_entry).exists():
        raise LedgerRefused({"entry": ALREADY_RESOLVED})
    return _write(
        actor,
        kind=EntryKind.DISCREPANCY_RESOLUTION,
        location=open_entry.location,
        safe=open_entry.safe,
        lot=lot_row,
        quantity_mg=abs(effect),
        effect_mg=effect,
        who=user,
        occurred_at=when,
        resolves=open_entry,
        reason=why,
    )
