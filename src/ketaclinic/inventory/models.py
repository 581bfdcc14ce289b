"""The controlled-substance ledger (ketamine, Schedule III): where the drug is
kept, what it is, and one append-only table of every movement.

CLINICAL.md 6 (21 CFR 1304): records per registered location, complete and
current, kept at least two years. Nothing here is edited or deleted: a mistake
is corrected by a new entry that names the one it corrects, with a reason.
Balances are derived from the entries (queries.py) and never go negative.

Quantities are milligrams of drug (Decimal), the unit every entry shares;
containers (whole vials) where the movement is counted in them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from ketaclinic.clinical import controlled
from ketaclinic.records import AppendOnlyModel


def _mg(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    """Milligrams of drug, to the microgram."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=3, **kwargs)


def validate_dea_number(value: str) -> None:
    problem = controlled.dea_number_problem(value)
    if problem:
        raise ValidationError(problem)


def validate_ndc(value: str) -> None:
    """An NDC as printed on the package: 10 digits in three dash-separated
    parts (4-4-2, 5-3-2 or 5-4-1), or the 11-digit 5-4-2 billing form (GK)."""
    parts = value.split("-")
    shapes = {(4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2)}
    if not (
        len(parts) == 3
        and all(part.isdigit() for part in parts)
        and tuple(len(part) for part in parts) in shapes
    ):
        raise ValidationError(
            "An NDC is three groups of digits separated by dashes, as printed on "
            "the box, like 0409-2051-05."
        )


# --- Registrations and storage ------------------------------------------------------


class Registration(models.Model):
    """A location's DEA registration (21 CFR 1301.12: one per registered place)."""

    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="dea_registrations"
    )
    dea_number = models.CharField(
        "DEA number", max_length=9, validators=[validate_dea_number]
    )
    # The schedules the certificate lists, separated by spaces: "2 2N 3 3N 4 5".
    schedules = models.CharField(max_length=40, default="3 3N 4 5")
    expires_on = models.DateField("expires on")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "-expires_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["dea_number"], name="inventory_registration_dea_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dea_number} ({self.location})"

    def covers(self, schedule: str) -> bool:
        return schedule in self.schedules.split()


class Safe(models.Model):
    """A securely locked cabinet at a location (21 CFR 1301.75(b), GK)."""

    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="safes"
    )
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"], name="inventory_safe_name_per_location"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


# --- Products, lots and suppliers ----------------------------------------------------


class Product(models.Model):
    """A commercial container of the drug: strength and volume per container."""

    class ContainerKind(models.TextChoices):
        VIAL = "vial", "Vial"

    name = models.CharField("drug", max_length=120, default="Ketamine hydrochloride")
    mg_per_ml = models.DecimalField(
        "strength (mg/mL)",
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    container_ml = models.DecimalField(
        "volume per container (mL)",
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    container_kind = models.CharField(
        max_length=10, choices=ContainerKind.choices, default=ContainerKind.VIAL
    )
    multi_dose = models.BooleanField("multi-dose container", default=True)
    ndc = models.CharField("NDC", max_length=13, validators=[validate_ndc])
    rxnorm = models.CharField("RxNorm code", max_length=12, blank=True)
    schedule = models.CharField(max_length=3, default=controlled.KETAMINE_SCHEDULE)
    beyond_use_days = models.PositiveSmallIntegerField(
        "days usable once opened",
        default=controlled.MULTI_DOSE_VIAL_BEYOND_USE_DAYS,
        validators=[MinValueValidator(1)],
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "mg_per_ml", "container_ml"]
        constraints = [
            models.UniqueConstraint(
                fields=["ndc"], name="inventory_product_ndc_unique"
            ),
            models.CheckConstraint(
                condition=Q(mg_per_ml__gt=0) & Q(container_ml__gt=0),
                name="inventory_product_positive_sizes",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.name} {self.mg_per_ml.normalize():f} mg/mL, "
            f"{self.container_ml.normalize():f} mL "
            f"{self.get_container_kind_display().lower()}"
        )

    @property
    def mg_per_container(self) -> Decimal:
        return self.mg_per_ml * self.container_ml


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField("lot number", max_length=40)
    expires_on = models.DateField("expires on")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "expires_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "number"], name="inventory_lot_unique_per_product"
            )
        ]

    def __str__(self) -> str:
        return f"lot {self.number} of {self.product}"


class Supplier(models.Model):
    """Who sells or takes back the drug: its name, address and DEA number are
    part of each receipt record (21 CFR 1304.22(c)). Reverse distributors too."""

    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    dea_number = models.CharField(
        "DEA number", max_length=9, validators=[validate_dea_number]
    )
    reverse_distributor = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["dea_number"], name="inventory_supplier_dea_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Opened containers --------------------------------------------------------------


class OpenedContainer(AppendOnlyModel):
    """A multi-dose vial once punctured: when, by whom, and the last day it may be
    drawn from. Append-only: what is left in it is derived from the entries that
    name it (queries.py)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="opened")
    safe = models.ForeignKey(Safe, on_delete=models.PROTECT, related_name="opened")
    opened_at = models.DateTimeField()
    opened_on = models.DateField("opened on")  # in the location's time zone
    beyond_use_on = models.DateField("usable until")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = "opened container"
        constraints = [
            models.CheckConstraint(
                condition=Q(beyond_use_on__gte=models.F("opened_on")),
                name="inventory_opened_beyond_use_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lot} opened {self.opened_on}"


# --- The ledger ---------------------------------------------------------------------


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DRAW = "draw", "Draw for a patient"
    WASTE = "waste", "Waste"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    RETURN = "return", "Return to supplier"
    DESTRUCTION = "destruction", "Sent for destruction"
    BREAKAGE = "breakage", "Breakage"
    LOSS = "loss", "Loss or theft"
    COUNT = "count", "Count"
    CORRECTION = "correction", "Correction"
    DISCREPANCY = "discrepancy", "Discrepancy"
    DISCREPANCY_RESOLUTION = "discrepancy_resolution", "Discrepancy resolved"
    INVENTORY_INITIAL = "inventory_initial", "Initial inventory"
    INVENTORY_BIENNIAL = "inventory_biennial", "Biennial inventory"


# Kinds by the sign of their effect on the balance of (lot, safe).
ADDS = (EntryKind.RECEIPT, EntryKind.TRANSFER_IN, EntryKind.INVENTORY_INITIAL)
REMOVES = (
    EntryKind.DRAW,
    EntryKind.TRANSFER_OUT,
    EntryKind.RETURN,
    EntryKind.DESTRUCTION,
    EntryKind.BREAKAGE,
    EntryKind.LOSS,
    # Waste of a draw's remainder changes nothing (the draw took it off the
    # shelf); waste straight from a vial removes.
    EntryKind.WASTE,
)
NOTHING = (EntryKind.COUNT, EntryKind.DISCREPANCY, EntryKind.INVENTORY_BIENNIAL)
# A correction or a resolution may move the balance either way.
EITHER = (EntryKind.CORRECTION, EntryKind.DISCREPANCY_RESOLUTION)


class Entry(AppendOnlyModel):
    """One movement or count of the drug. Append-only: never edited or deleted.

    `effect_mg` is the signed change of the balance of (`lot`, `safe`); the
    balance is the sum of the effects, and `balance_after_mg` keeps it as it
    stood after this entry (written under the lot's lock, services.py).
    """

    Kind = EntryKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    safe = models.ForeignKey(
        Safe, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    container = models.ForeignKey(
        OpenedContainer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        help_text="The opened vial drawn from, wasted from or counted.",
    )
    # What the entry is about, in mg of drug (always >= 0): drawn, wasted,
    # received, counted, the size of a discrepancy.
    quantity_mg = _mg("quantity (mg)", default=Decimal(0))
    volume_ml = models.DecimalField(
        "volume (mL)", max_digits=10, decimal_places=3, null=True, blank=True
    )
    containers = models.PositiveIntegerField(null=True, blank=True)
    # The signed change of the balance of (lot, safe), in mg.
    effect_mg = _mg("change of the balance (mg)", default=Decimal(0))
    balance_after_mg = _mg("balance after (mg)", null=True, blank=True)
    # Counts: the balance the ledger expected and the one counted.
    expected_mg = _mg("expected (mg)", null=True, blank=True)
    counted_mg = _mg("counted (mg)", null=True, blank=True)
    estimated = models.BooleanField(
        "open containers estimated", default=False
    )  # 21 CFR 1304.11(e)(3)

    who = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The witness re-entered their own password or authenticator code.
    witnessed_with_credentials = models.BooleanField(default=False)
    witnessed_at = models.DateTimeField(null=True, blank=True)

    occurred_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField(auto_now_add=True)

    # The entry this one follows from: the draw a waste disposes of the rest
    # of, the transfer out a transfer in receives, the count a discrepancy
    # comes from.
    source = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followers",
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    # A discrepancy resolution names what it resolves: a discrepancy entry, a
    # waste that was not witnessed, a draw with no session.
    resolves = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_by",
    )
    reason = models.TextField(blank=True, max_length=2000)
    # The entries written by one action share it: a receipt of several lots,
    # both sides of a transfer, the lines of one count or inventory.
    batch = models.UUIDField(null=True, blank=True, db_index=True)

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invoice_number = models.CharField(
        "invoice or packing-slip number", max_length=60, blank=True
    )
    ordered_containers = models.PositiveIntegerField(null=True, blank=True)
    # Form 106 facts for a loss or theft, a reverse distributor's details for
    # a destruction, the reporting dates (services.py writes them).
    facts = models.JSONField(default=dict, blank=True)
    # The infusion session the draw was for (a later change links it to the
    # infusion app) and the patient.
    session_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["lot", "safe", "id"], name="inventory_entry_lot_safe"),
            models.Index(
                fields=["location", "occurred_at"], name="inventory_entry_loc_time"
            ),
            models.Index(fields=["kind", "occurred_at"], name="inventory_entry_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_mg__gte=0),
                name="inventory_entry_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(balance_after_mg__isnull=True) | Q(balance_after_mg__gte=0),
                name="inventory_entry_balance_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ADDS, effect_mg__gte=0)
                | Q(kind__in=REMOVES, effect_mg__lte=0)
                | Q(kind__in=NOTHING, effect_mg=0)
                | Q(kind__in=EITHER),
                name="inventory_entry_effect_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(effect_mg=0)
                | (Q(lot__isnull=False) & Q(safe__isnull=False)),
                name="inventory_entry_movement_has_lot_and_safe",
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=models.F("who")),
                name="inventory_entry_witness_not_self",
            ),
            models.CheckConstraint(
                condition=~Q(kind="correction") | Q(corrects__isnull=False),
                name="inventory_entry_correction_names_entry",
            ),
            models.CheckConstraint(
                condition=~Q(kind="discrepancy_resolution") | Q(resolves__isnull=False),
                name="inventory_entry_resolution_names_entry",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.quantity_mg} mg "
            f"({self.occurred_at:%Y-%m-%d})"
        )
