"""The ledger's forms: what people type. The services check the values (and
refuse in plain words by field); the forms only offer the choices of the
active location and keep what was typed when the page comes back."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.clinics.models import Location
from ketaclinic.inventory import queries
from ketaclinic.inventory.models import Lot, OpenedContainer, Product, Safe, Supplier
from ketaclinic.inventory.services import LOSS_TYPES

TEXT = {"autocomplete": "off"}


def _text(label: str, *, required: bool = False, help_text: str = "", **attrs: Any):
    # Numbers are typed as text: the service says in plain words what is wrong.
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={**TEXT, **attrs}),
    )


def _reason(label: str = "Reason", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LedgerForm(forms.Form):
    """A form of the active location: its safes and the lots held there."""

    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    required_css_class = "required"

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        safes = Safe.objects.filter(location=location, active=True)
        for name in ("safe", "from_safe"):
            if name in self.fields:
                self.fields[name].queryset = safes  # type: ignore[attr-defined]
        if "to_safe" in self.fields:
            self.fields["to_safe"].queryset = Safe.objects.filter(  # type: ignore[attr-defined]
                active=True
            ).select_related("location")
        if "lot" in self.fields:
            held = {h.lot_id for h in queries.balances_of_location(location.pk)}
            self.fields["lot"].queryset = Lot.objects.filter(  # type: ignore[attr-defined]
                pk__in=held
            ).select_related("product")
        if "container" in self.fields:
            self.fields["container"].choices = [("", "A new sealed vial")] + [  # type: ignore[attr-defined]
                (str(c.uuid), _container_words(c)) for c in open_vials(location)
            ]

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        if not self.groups:
            return [("", list(self))]
        return [
            (legend, [self[name] for name in names]) for legend, names in self.groups
        ]


def _container_words(container: OpenedContainer) -> str:
    left = getattr(container, "remaining_mg", None)
    held = f", {left.normalize():f} mg left" if left is not None else ""
    return (
        f"Lot {container.lot.number} opened {container.opened_on:%b %-d} in "
        f"{container.safe.name}{held}, usable until {container.beyond_use_on:%b %-d}"
    )


def open_vials(location: Location) -> list[OpenedContainer]:
    vials: list[OpenedContainer] = []
    for holding in queries.balances_of_location(location.pk):
        if holding.open_mg > 0:
            vials.extend(queries.open_containers(holding.lot_id, holding.safe_id))
    return vials


def _safe_field(label: str = "Safe") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(Safe.objects.none(), label=label, required=False)


def _lot_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(Lot.objects.none(), label="Lot", required=False)


def _witness_fields() -> tuple[forms.CharField, forms.CharField]:
    return (
        _text(
            "Witness's username",
            help_text="A second nurse or provider, here with you.",
        ),
        forms.CharField(
            label="Witness's own password (or a code from their authenticator app)",
            required=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
            help_text="The witness types it themselves.",
        ),
    )


class ReceiveForm(LedgerForm):
    safe = _safe_field("Into the safe")
    supplier = forms.ModelChoiceField(
        Supplier.objects.filter(active=True, reverse_distributor=False),
        required=False,
    )
    invoice_number = _text("Invoice or packing-slip number")
    product = forms.ModelChoiceField(
        Product.objects.filter(active=True), required=False
    )
    lot_number = _text("Lot number (printed on the vials)")
    expires_on = forms.DateField(
        label="Expiry date (printed on the vials)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    containers = _text("Vials received", inputmode="numeric")
    ordered_containers = _text(
        "Vials ordered",
        inputmode="numeric",
        help_text="Leave empty when it is what arrived.",
    )


class DrawForm(LedgerForm):
    groups = (
        ("The draw", ("mrn", "lot", "safe", "container", "mg", "ml")),
        (
            "The rest wasted, before a witness",
            ("waste_mg", "witness", "witness_secret"),
        ),
    )
    mrn = _text("Patient's MRN", help_text="As on the chart.")
    lot = _lot_field()
    safe = _safe_field()
    container = forms.ChoiceField(label="Vial", required=False)
    mg = _text("Drawn (mg)", inputmode="decimal")
    ml = _text("or drawn (mL)", inputmode="decimal")
    waste_mg = _text(
        "Wasted (mg)",
        inputmode="decimal",
        help_text="What was drawn and not given. Leave empty when all was given.",
    )
    witness, witness_secret = _witness_fields()


class WasteForm(LedgerForm):
    container = forms.ChoiceField(label="Opened vial", required=False)
    mg = _text("Wasted (mg)", inputmode="decimal")
    reason = _reason()
    witness, witness_secret = _witness_fields()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["container"].choices = self.fields["container"].choices[1:]  # type: ignore[attr-defined]


class TransferForm(LedgerForm):
    lot = _lot_field()
    from_safe = _safe_field("From the safe")
    to_safe = _safe_field("To the safe")
    containers = _text("Sealed vials moved", inputmode="numeric")
    reason = _reason()


class ReturnForm(LedgerForm):
    lot = _lot_field()
    safe = _safe_field()
    supplier = forms.ModelChoiceField(
        Supplier.objects.filter(reverse_distributor=False), required=False
    )
    containers = _text("Sealed vials returned", inputmode="numeric")
    invoice_number = _text("Return authorisation or invoice number")
    reason = _reason("Why they go back")


class DestroyForm(LedgerForm):
    lot = _lot_field()
    safe = _safe_field()
    distributor = forms.ModelChoiceField(
        Supplier.objects.filter(reverse_distributor=True),
        label="Reverse distributor",
        required=False,
    )
    container = forms.ChoiceField(label="Vial", required=False)
    containers = _text(
        "Sealed vials", inputmode="numeric", help_text="When sealed vials go."
    )
    form_41 = _text("DEA Form 41 or transfer record number")
    reason = _reason()


class BreakageForm(LedgerForm):
    lot = _lot_field()
    safe = _safe_field()
    container = forms.ChoiceField(label="Vial", required=False)
    containers = _text(
        "Sealed vials broken", inputmode="numeric", help_text="When sealed vials broke."
    )
    reason = _reason("What happened")
    witness, witness_secret = _witness_fields()


class LossForm(LedgerForm):
    groups = (
        ("What is missing", ("lot", "safe", "container", "containers", "mg")),
        (
            "The facts DEA Form 106 asks for",
            (
                "loss_type",
                "circumstances",
                "significant",
                "police_notified",
                "police_department",
                "police_report_number",
                "thefts_in_last_24_months",
            ),
        ),
    )
    lot = _lot_field()
    safe = _safe_field()
    container = forms.ChoiceField(label="Vial", required=False)
    containers = _text(
        "Sealed vials missing", inputmode="numeric", help_text="When sealed vials."
    )
    mg = _text(
        "mg missing from the opened vial",
        inputmode="decimal",
        help_text="Leave empty when the whole rest of the vial is missing.",
    )
    loss_type = forms.ChoiceField(
        label="Kind of loss",
        choices=[("", "Choose…"), *LOSS_TYPES.items()],
        required=False,
    )
    circumstances = _reason("What happened and how it was found")
    significant = forms.BooleanField(
        label="A significant loss (a theft is always reported)",
        required=False,
        initial=True,
    )
    police_notified = forms.BooleanField(label="Police notified", required=False)
    police_department = _text("Police department")
    police_report_number = _text("Police report number")
    thefts_in_last_24_months = _text(
        "Thefts reported in the last 24 months", inputmode="numeric"
    )


class CountForm(LedgerForm):
    """A count of one safe: a line per lot it holds, sealed vials and the mL
    estimated in opened ones."""

    KINDS = [
        ("count", "End-of-day count"),
        ("inventory_biennial", "Biennial inventory"),
        ("inventory_initial", "Initial inventory"),
    ]
    kind = forms.ChoiceField(label="Kind of count", choices=KINDS, initial="count")
    witness, witness_secret = _witness_fields()

    def __init__(self, *args: Any, safe: Safe, lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.safe = safe
        self.lots = lots
        for lot in lots:
            self.fields[f"sealed_{lot.pk}"] = _text(
                f"Lot {lot.number}: sealed vials", inputmode="numeric"
            )
            self.fields[f"open_{lot.pk}"] = _text(
                f"Lot {lot.number}: mL left in opened vials (estimated)",
                inputmode="decimal",
            )

    def lines(self) -> list[tuple[Lot, forms.BoundField, forms.BoundField]]:
        return [
            (lot, self[f"sealed_{lot.pk}"], self[f"open_{lot.pk}"]) for lot in self.lots
        ]


class CorrectForm(forms.Form):
    quantity = _text("What the entry should have said (mg)", inputmode="decimal")
    reason = _reason("Why it was wrong", required=False)


class ResolveForm(forms.Form):
    reason = _reason("How it was resolved")
    accept_count = forms.BooleanField(
        label="Bring the balance to what was counted",
        required=False,
        help_text="Only for a count's difference; a loss is reported as a loss.",
    )


class DateRangeForm(forms.Form):
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end is before the start.")
        return data
