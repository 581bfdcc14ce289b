"""Chart forms: every bad value gets a message beside its field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django import forms
from django.conf import settings
from django.utils import timezone

from ketaclinic.clinical.body import (
    DEFAULT_BODY_LIMITS,
    check_height_cm,
    check_weight_kg,
)
from ketaclinic.clinical.codes import icd10_lookup, icd10_normalise
from ketaclinic.clinical.units import (
    WeightChange,
    WeightUnit,
    feet_inches_to_cm,
    weight_to_kg,
)
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
    Patient,
)
from ketaclinic.patients.text import (
    format_phone,
    has_hidden_characters,
    has_symbols,
    parse_phone_parts,
)

# Nobody alive was born before this; a typo like 1089 is caught here.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


NO_EXTENSION = (
    "Type a number that reaches the person directly, without an extension "
    "(only the patient's own phone keeps one)."
)


def clean_phone_parts(value: str, *, required: bool = False) -> tuple[str, str]:
    """A typed phone number as (E.164, extension): '(303) 555-0142 ext 12' ->
    ('+13035550142', '12'); ('', '') when left empty."""
    value = (value or "").strip()
    if not value:
        if required:
            raise forms.ValidationError("Enter a phone number.")
        return "", ""
    parts = parse_phone_parts(value)
    if parts is None:
        raise forms.ValidationError(
            "Enter a valid phone number, e.g. (303) 555-0142 or +44 20 7946 0958."
        )
    return parts


def clean_phone_value(value: str, *, required: bool = False) -> str:
    """A typed phone number in E.164; an extension is refused, never dropped."""
    e164, extension = clean_phone_parts(value, required=required)
    if extension:
        raise forms.ValidationError(NO_EXTENSION)
    return e164


HIDDEN_CHARACTERS = (
    "A name cannot hold invisible control or direction characters; "
    "please type it again."
)


SYMBOLS = (
    "A name holds letters, with spaces, hyphens, apostrophes or periods between "
    "them: no emoji or other symbols. Type it as on the person's ID."
)


def clean_person_name(value: str) -> str:
    value = " ".join((value or "").split())
    if has_hidden_characters(value):
        raise forms.ValidationError(HIDDEN_CHARACTERS)
    if has_symbols(value):
        raise forms.ValidationError(SYMBOLS)
    if value and not any(ch.isalpha() for ch in value):
        raise forms.ValidationError("A name needs at least one letter.")
    return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientForm(forms.ModelForm):
    mrn = forms.CharField(
        label="MRN",
        required=False,
        max_length=16,
        help_text="Leave empty to have one generated.",
    )
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person. Create the chart anyway.",
    )

    class Meta:
        model = Patient
        fields = [
            "location",
            "mrn",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "sex_at_birth",
            "gender_identity",
            "pronouns",
            "phone",
            "email",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "preferred_language",
            "emergency_contact_name",
            "emergency_contact_relation",
            "emergency_contact_phone",
            "notes",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, locations=(), creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        location = cast(forms.ModelChoiceField, self.fields["location"])
        choices = location.queryset
        assert choices is not None  # a ModelChoiceField always has one
        location.queryset = choices.filter(pk__in=[place.pk for place in locations])
        location.empty_label = None
        if not creating:
            del self.fields["mrn"]
            del self.fields["confirm_not_duplicate"]
        if self.instance.phone_extension and not self.is_bound:
            # Shown as typed, so that saving again keeps the extension.
            self.initial["phone"] = format_phone(
                self.instance.phone, self.instance.phone_extension
            )
        for name in ("phone", "emergency_contact_phone"):
            self.fields[name].widget.input_type = "tel"
            self.fields[name].widget.attrs["autocomplete"] = "tel"

    def clean_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])

    def clean_preferred_name(self) -> str:
        return clean_person_name(self.cleaned_data["preferred_name"])

    def clean_emergency_contact_name(self) -> str:
        return clean_person_name(self.cleaned_data["emergency_contact_name"])

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError(
                f"The date of birth cannot be before {EARLIEST_BIRTH_DATE:%Y}."
            )
        return born

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data.get("mrn", "").strip().upper()
        if mrn and not mrn.isalnum():
            raise forms.ValidationError("An MRN has letters and digits only.")
        if mrn and Patient.objects.filter(mrn=mrn).exists():
            raise forms.ValidationError(f"MRN {mrn} belongs to another patient.")
        return mrn

    def clean_phone(self) -> str:
        phone, self._phone_extension = clean_phone_parts(self.cleaned_data["phone"])
        return phone

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if "phone" in cleaned:
            cleaned["phone_extension"] = self._phone_extension
        return cleaned

    def clean_emergency_contact_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["emergency_contact_phone"])

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class EscortForm(forms.ModelForm):
    class Meta:
        model = Escort
        fields = ["name", "relation", "phone", "active"]

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"], required=True)


class AllergyForm(forms.ModelForm):
    class Meta:
        model = Allergy
        fields = ["substance", "reaction", "severity", "active"]


class MedicationForm(forms.ModelForm):
    medicine_names = True  # the page offers brand and generic names while typing

    class Meta:
        model = Medication
        fields = ["name", "dose", "frequency", "active"]
        widgets = {
            "name": forms.TextInput(
                attrs={"list": "medicine-names", "autocomplete": "off"}
            )
        }


class ConditionForm(forms.ModelForm):
    class Meta:
        model = Condition
        fields = ["icd10_code", "description", "onset_date", "active"]
        widgets = {"onset_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].required = False
        self.fields["description"].help_text = "Filled from the code when left empty."

    def clean_icd10_code(self) -> str:
        raw = self.cleaned_data["icd10_code"].strip()
        try:
            self._known = icd10_lookup(icd10_normalise(raw))
        except ValueError:
            self._known = None
        if self._known is None:
            raise forms.ValidationError(
                f"{raw[:12] or 'That'} is not an ICD-10-CM code. Check it, e.g. F33.1."
            )
        return self._known.code

    def clean_onset_date(self):
        onset = self.cleaned_data.get("onset_date")
        if onset is not None and onset > timezone.localdate():
            raise forms.ValidationError("The onset date cannot be in the future.")
        return onset

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        known = getattr(self, "_known", None)
        if known is not None and not cleaned.get("description"):
            cleaned["description"] = known.display[:255]
        return cleaned


class MeasurementForm(forms.ModelForm):
    """A weight in kg or lb (and a height in cm or feet and inches), kept as
    typed and in kg and cm. A weight far from the last one must be confirmed."""

    weight = forms.DecimalField(label="Weight", max_digits=5, decimal_places=1)
    weight_unit = forms.ChoiceField(
        label="Weight in",
        choices=BodyMeasurement.WeightUnit.choices,
        widget=forms.RadioSelect,
    )
    height_unit = forms.ChoiceField(
        label="Height in",
        choices=BodyMeasurement.HeightUnit.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Only when measured today.",
    )
    height = forms.DecimalField(
        label="Height (cm)", max_digits=4, decimal_places=1, required=False
    )
    height_feet = forms.IntegerField(
        label="Height: feet", min_value=0, max_value=9, required=False
    )
    height_inches = forms.DecimalField(
        label="and inches",
        min_value=0,
        max_value=Decimal("11.9"),
        max_digits=3,
        decimal_places=1,
        required=False,
    )
    confirm_change = forms.BooleanField(
        label="The change from the last weight is right", required=False
    )

    class Meta:
        model = BodyMeasurement
        fields = ["measured_at"]
        widgets = {
            "measured_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asks_confirmation = False
        if self.initial.get("measured_at") is None:
            self.initial["measured_at"] = timezone.localtime().replace(
                second=0, microsecond=0
            )
        patient = getattr(self.instance, "patient", None)
        self.last = (
            BodyMeasurement.objects.filter(patient=patient, active=True).first()
            if patient is not None
            else None
        )
        if self.last is not None:
            # The unit this patient was last weighed in; none is assumed at first.
            self.fields["weight_unit"].initial = self.last.weight_unit
            self.fields["height_unit"].initial = self.last.height_unit
        limits = DEFAULT_BODY_LIMITS
        ranges = {
            "weight": f"Weight must be between {limits.min_weight_kg} and "
            f"{limits.max_weight_kg} kg.",
            "height": f"Height must be between {limits.min_height_cm} and "
            f"{limits.max_height_cm} cm.",
        }
        for name, out_of_range in ranges.items():
            field = self.fields[name]
            field.widget.attrs.update({"inputmode": "decimal", "step": "0.1"})
            field.error_messages.update(
                max_digits=out_of_range,
                max_whole_digits=out_of_range,
                max_decimal_places="Enter it to one decimal place, e.g. 72.5.",
            )

    def clean_measured_at(self):
        measured_at = self.cleaned_data["measured_at"]
        if measured_at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("A measurement cannot be in the future.")
        return measured_at

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        weight, unit = cleaned.get("weight"), cleaned.get("weight_unit")
        if weight is not None and unit:
            kg = weight_to_kg(weight, WeightUnit(unit))
            problem = check_weight_kg(kg)
            if problem:
                shown = f" ({weight} lb is {kg:.1f} kg)" if unit == "lb" else ""
                self.add_error("weight", problem + shown)
            else:
                cleaned["weight_kg"] = kg
                self._check_change(kg, cleaned)
        self._clean_height(cleaned)
        return cleaned

    def _check_change(self, kg: Decimal, cleaned: dict) -> None:
        if self.last is None:
            return
        change = WeightChange(self.last.weight_kg, kg)
        threshold = Decimal(settings.KETACLINIC_WEIGHT_CHANGE_CONFIRM_PERCENT)
        if not change.needs_confirmation(threshold) or cleaned.get("confirm_change"):
            return
        self.asks_confirmation = True
        when = timezone.localtime(self.last.measured_at)
        self.add_error(
            "weight",
            f"That is {kg:.1f} kg, {abs(change.percent):.0f}% "
            f"{'more' if change.percent > 0 else 'less'} than the last weight "
            f"({self.last.weight_kg:.1f} kg on {when:%b %-d, %Y}). Check the number "
            "and the unit; if they are right, tick “The change from the last "
            "weight is right” and save again.",
        )

    def _clean_height(self, cleaned: dict) -> None:
        unit = cleaned.get("height_unit") or BodyMeasurement.HeightUnit.CM
        feet, inches = cleaned.get("height_feet"), cleaned.get("height_inches")
        if unit == BodyMeasurement.HeightUnit.FEET_INCHES:
            if feet is None and inches is None:
                cleaned["height_cm"] = cleaned["height_entered"] = None
                return
            total = Decimal(feet or 0) * 12 + (inches or Decimal(0))
            cm = feet_inches_to_cm(Decimal(0), total)
            field = "height_feet"
        else:
            height = cleaned.get("height")
            field = "height"
            if height is None:
                cleaned["height_cm"] = cleaned["height_entered"] = None
                return
            total = cm = Decimal(height)
        problem = check_height_cm(cm)
        if problem:
            self.add_error(field, problem)
            return
        cleaned["height_cm"], cleaned["height_entered"] = cm, total
        cleaned["height_unit"] = unit

    def save(self, commit: bool = True) -> BodyMeasurement:
        measurement = super().save(commit=False)
        data = self.cleaned_data
        measurement.weight_entered = data["weight"]
        measurement.weight_unit = data["weight_unit"]
        measurement.weight_kg = data["weight_kg"].quantize(Decimal("0.001"))
        measurement.height_entered = data.get("height_entered")
        measurement.height_unit = data.get("height_unit") or "cm"
        height_cm = data.get("height_cm")
        measurement.height_cm = (
            height_cm.quantize(Decimal("0.001")) if height_cm is not None else None
        )
        if commit:
            measurement.save()
        return measurement


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, MRN, date of birth or phone",
                "autocomplete": "off",
            }
        ),
    )
