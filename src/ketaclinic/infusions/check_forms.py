"""The forms of the checklist and of the dose and pump: what a tablet shows.

They render the fields (big targets, numeric keyboards, units beside every
number) and carry the services' refusals beside each field; the services
check the values themselves, so a request from anywhere is checked alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django import forms
from django.utils import timezone

from ketaclinic.clinical import scales
from ketaclinic.infusions.checks import PREGNANCY_RESULTS
from ketaclinic.infusions.services import InfusionRefused

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


def _number(label: str, unit: str, **attrs) -> forms.CharField:
    return forms.CharField(
        label=f"{label} ({unit})",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=NUMBER | attrs),
    )


def _secret(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class EntryForm(forms.Form):
    """Every entry carries the id the page made for it (sent again on a
    retry, stored once)."""

    client_id = forms.CharField(widget=forms.HiddenInput, required=False)

    name = ""  # the form's prefix, and what the page posts as `form`

    def __init__(self, *args, prefix: str | None = None, **kwargs) -> None:
        kwargs["prefix"] = prefix or self.name
        super().__init__(*args, **kwargs)
        self.fields["client_id"].initial = str(uuid.uuid4())

    def value(self, field: str) -> str:
        return str(self.data.get(self.add_prefix(field), "") or "").strip()

    def refused(self, refusal: InfusionRefused) -> None:
        """Show each refusal beside its field (above the form when none)."""
        for field, message in refusal.errors.items():
            if field in self.fields and not self.fields[field].widget.is_hidden:
                self.add_error(field, message)
            else:
                self.add_error(None, message)


class TimedForm(EntryForm):
    charted_at = forms.CharField(
        label="Time (leave empty for now)",
        required=False,
        max_length=40,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def charted(self, zone) -> datetime | None:
        """The time typed: today's HH:MM in the clinic's zone, or a full ISO
        date and time (a tablet sending later); None for now."""
        raw = self.value("charted_at")
        if not raw:
            return None
        try:
            if len(raw) <= 5:
                clock = time.fromisoformat(raw)
                today = timezone.localtime(timezone.now(), zone).date()
                return datetime.combine(today, clock, tzinfo=zone)
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise InfusionRefused(
                {"charted_at": "Give the time as hours and minutes, for example 09:40."}
            ) from None
        if timezone.is_naive(value):
            value = value.replace(tzinfo=zone)
        return value


class EscortForm(EntryForm):
    name = "escort"
    escort_name = forms.CharField(label="Escort's name", required=False, max_length=120)
    escort_relation = forms.CharField(
        label="Relation to the patient", required=False, max_length=60
    )
    escort_phone = forms.CharField(
        label="Escort's phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    none_today = forms.BooleanField(label="No escort today", required=False)


class FastingForm(EntryForm):
    name = "fasting"
    solids_hours = _number("Since solid food or milk", "hours")
    clear_hours = _number("Since clear liquids", "hours")


class PregnancyForm(EntryForm):
    name = "pregnancy"
    result = forms.ChoiceField(
        label="Pregnancy test",
        required=False,
        choices=list(PREGNANCY_RESULTS.items()),
        widget=forms.RadioSelect,
    )


class WeightForm(EntryForm):
    name = "weight"
    weight = forms.CharField(
        label="Today's weight",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=NUMBER),
    )
    unit = forms.ChoiceField(
        label="Unit",
        required=False,
        choices=[("kg", "kg"), ("lb", "lb")],
        widget=forms.RadioSelect,
    )


class QuestionnaireForm(EntryForm):
    """The plan's instrument, filled with the patient on the tablet."""

    name = "questionnaire"

    def __init__(self, *args, instrument: scales.Instrument, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            self.fields[item.key] = forms.ChoiceField(
                label=item.text,
                required=False,
                choices=[(str(option.value), option.label) for option in item.options],
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        return {item.key: self.value(item.key) for item in self.instrument.items}


class DecisionForm(EntryForm):
    """A provider's decision on one hold, signed with their password or code."""

    name = "decision"
    about = forms.CharField(widget=forms.HiddenInput, required=False)
    decision = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    secret = _secret("Your password or authenticator code")


class FirstForm(EntryForm):
    name = "first"
    rate = _number("Pump rate", "mL/h")
    volume = _number("Volume to be infused", "mL")


class SecondForm(EntryForm):
    name = "second"
    rate = _number("Pump rate", "mL/h")
    volume = _number("Volume to be infused", "mL")
    second = forms.CharField(
        label="Second clinician's user name",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    second_secret = _secret("Their password or authenticator code")


class DrawForm(TimedForm):
    name = "draw"
    product = forms.CharField(label="Product", required=False, max_length=120)
    lot_number = forms.CharField(
        label="Lot number",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"list": "draw-lots", "autocomplete": "off"}),
    )
    vial_mg_per_ml = _number("Vial strength", "mg/mL")
    vial_volume_ml = _number("Vial volume", "mL")
    volume_drawn_ml = _number("Volume drawn", "mL")
    mg_drawn = _number("Drawn", "mg")
    witness = forms.CharField(
        label="Witness's user name",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    witness_secret = _secret("Witness's password or authenticator code")


class WasteForm(TimedForm):
    name = "waste"
    mg_wasted = _number("Wasted", "mg")
    witness = forms.CharField(
        label="Witness's user name",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    witness_secret = _secret("Witness's password or authenticator code")


class PumpForm(TimedForm):
    name = "pump"
    rate = _number("New rate", "mL/h")
    reason = forms.CharField(label="Reason", required=False, max_length=300)
