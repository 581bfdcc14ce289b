"""The intake's forms. The intake, section by section: each section is a form
whose cleaned answers are kept as JSON on the Intake (`facts.py` turns them into
screening facts). And the staff's forms (a consent document's new version).
Questionnaires have their own form, built from the instrument
(`questionnaires.py`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ketaclinic.clinical.body import (
    DEFAULT_BODY_LIMITS,
    check_height_cm,
    check_weight_kg,
)
from ketaclinic.clinical.screening import CHECKLIST, TrialOutcome
from ketaclinic.intake import translations
from ketaclinic.patients.forms import clean_phone_parts, clean_phone_value
from ketaclinic.patients.text import format_phone

# Messages of ketaclinic.patients.forms.clean_phone_value, for the catalog: the
# patient reads them in their language (the English stays the source's).
PHONE_MESSAGES = (
    gettext_noop("Enter a phone number."),
    gettext_noop(
        "Enter a valid phone number, e.g. (303) 555-0142 or +44 20 7946 0958."
    ),
    gettext_noop(
        "Type a number that reaches the person directly, without an extension "
        "(only the patient's own phone keeps one)."
    ),
)


def clean_phone_translated(value: str) -> str:
    try:
        return clean_phone_value(value, required=True)
    except forms.ValidationError as error:
        raise forms.ValidationError([gettext(m) for m in error.messages]) from None


def clean_phone_parts_translated(value: str) -> tuple[str, str]:
    try:
        return clean_phone_parts(value, required=True)
    except forms.ValidationError as error:
        raise forms.ValidationError([gettext(m) for m in error.messages]) from None


YES_NO_UNSURE = [("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure"))]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
TREATED_FOR = [
    ("depression", _("Depression")),
    ("ptsd", _("PTSD")),
    ("anxiety", _("Anxiety")),
    ("chronic_pain", _("Chronic pain")),
    ("other", _("Something else")),
]
DIAGNOSES = [
    ("depression", _("Depression")),
    ("bipolar", _("Bipolar disorder")),
    ("ptsd", _("PTSD")),
    ("anxiety", _("An anxiety disorder")),
    ("psychosis", _("Psychosis or schizophrenia")),
    ("ocd", _("OCD")),
    ("eating", _("An eating disorder")),
    ("personality", _("A personality disorder")),
    ("substance", _("A substance use disorder")),
]
OUTCOMES = [
    (TrialOutcome.NO_RESPONSE.value, _("It did not help")),
    (TrialOutcome.PARTIAL.value, _("It helped a little (less than half better)")),
    (TrialOutcome.RESPONSE_THEN_RELAPSE.value, _("It helped, then stopped working")),
    (TrialOutcome.INTOLERANCE.value, _("I stopped because of side effects")),
    (TrialOutcome.UNKNOWN.value, _("I don't know")),
]


def radio(choices, label, required=True):
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, required=required
    )


class AboutForm(forms.Form):
    title = _("About you")
    treated_for = forms.MultipleChoiceField(
        label=_("What would you like treated?"),
        choices=TREATED_FOR,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Your phone"), max_length=30)
    email = forms.EmailField(label=_("Your email"), required=False)
    details_correct = radio(
        YES_NO, _("Are your name, date of birth and address above correct?")
    )
    corrections = forms.CharField(
        label=_("If not, what should they be?"), max_length=300, required=False
    )

    def clean_phone(self):
        phone, self._phone_extension = clean_phone_parts_translated(
            self.cleaned_data["phone"]
        )
        return phone

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("phone"):
            cleaned["phone_extension"] = self._phone_extension
        if cleaned.get("details_correct") == "no" and not cleaned.get("corrections"):
            self.add_error("corrections", _("Please tell us what to correct."))
        return cleaned


class PsychiatricForm(forms.Form):
    title = _("Mental health history")
    diagnoses = forms.MultipleChoiceField(
        label=_("Has a clinician ever told you that you have ..."),
        choices=DIAGNOSES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    hospitalised = radio(
        YES_NO, _("Have you ever been in hospital for your mental health?")
    )
    suicide_attempt = radio(YES_NO, _("Have you ever tried to end your life?"))
    suicide_attempt_when = forms.CharField(
        label=_("If yes, when was the last time?"), max_length=100, required=False
    )
    current_episode_months = forms.IntegerField(
        label=_("How many months has your current episode of depression lasted?"),
        min_value=0,
        max_value=600,
        required=False,
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("suicide_attempt") == "yes" and not cleaned.get(
            "suicide_attempt_when"
        ):
            self.add_error("suicide_attempt_when", _("Please say roughly when."))
        return cleaned


# Medicine fields offer brand and generic names while typing (a datalist of
# ketaclinic.clinical.medicines); any text is still accepted.
MEDICINE_INPUT = forms.TextInput(
    attrs={"list": "medicine-names", "autocomplete": "off"}
)


class TrialForm(forms.Form):
    drug = forms.CharField(label=_("Medicine"), max_length=60, widget=MEDICINE_INPUT)
    dose_mg = forms.DecimalField(
        label=_("Highest daily dose (mg)"),
        min_value=Decimal("0.1"),
        max_value=Decimal("5000"),
        max_digits=7,
        decimal_places=2,
    )
    weeks = forms.IntegerField(
        label=_("Weeks taken at that dose"), min_value=1, max_value=1000
    )
    outcome = forms.ChoiceField(label=_("How did it go?"), choices=OUTCOMES)
    current_episode = radio(
        YES_NO_UNSURE, _("Was it during your current episode?"), required=True
    )
    side_effects = forms.CharField(
        label=_("Side effects"), max_length=200, required=False
    )


TrialFormSet = forms.formset_factory(TrialForm, extra=1, max_num=12, validate_max=True)
TrialFormSet.medicine_names = True  # type: ignore[attr-defined]


class TreatmentsForm(forms.Form):
    title = _("Other treatments")
    psychotherapy = radio(YES_NO, _("Psychotherapy (talking therapy)"))
    ect = radio(YES_NO, _("ECT (electroconvulsive therapy)"))
    tms = radio(YES_NO, _("TMS (transcranial magnetic stimulation)"))
    esketamine = radio(YES_NO, _("Esketamine nasal spray (Spravato)"))
    ketamine = radio(YES_NO, _("Ketamine before"))
    notes = forms.CharField(
        label=_("Anything else about these treatments"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MedicalForm(forms.Form):
    """Every contraindication of CLINICAL.md 1.4 as a yes / no / not sure."""

    title = _("Medical history")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in CHECKLIST:
            self.fields[key] = radio(
                YES_NO_UNSURE, translations.checklist_question(key)
            )


MEDICINE_BOXES = 8


class MedicationsForm(forms.Form):
    """One box per medicine, with names offered while typing, and a free box for
    the rest. The answers keep every line together under ``medications``."""

    title = _("Medicines and allergies")
    medicine_names = True
    more_medications = forms.CharField(
        label=_("Other medicines, one per line, with the dose"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Include sleeping pills, pain medicines and supplements."),
    )
    allergies = forms.CharField(
        label=_("Allergies, one per line, with what happens"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        if "medications" in initial and "medicine_1" not in initial:
            # Answers saved before the boxes: every line goes in the free box.
            initial.setdefault("more_medications", initial["medications"])
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        boxes = {
            f"medicine_{n}": forms.CharField(
                label=_("Medicine %(number)s, with the dose") % {"number": n},
                max_length=200,
                required=False,
                widget=MEDICINE_INPUT,
                help_text=_(
                    "Start typing to pick a name from the list, or write it as you "
                    "know it."
                )
                if n == 1
                else "",
            )
            for n in range(1, MEDICINE_BOXES + 1)
        }
        self.fields = {**boxes, **self.fields}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        lines = [
            cleaned.get(f"medicine_{n}", "").strip()
            for n in range(1, MEDICINE_BOXES + 1)
        ]
        lines += cleaned.get("more_medications", "").splitlines()
        cleaned["medications"] = "\n".join(
            line.strip() for line in lines if line.strip()
        )
        return cleaned


class LifestyleForm(forms.Form):
    title = _("Alcohol, drugs and pregnancy")
    substance_use_active = radio(
        YES_NO, _("Are you currently struggling with alcohol or drug use?")
    )
    substances = forms.CharField(
        label=_("Which substances, and how often?"), max_length=500, required=False
    )
    pregnant = radio(
        YES_NO_UNSURE + [("na", _("Does not apply"))], _("Are you pregnant?")
    )
    breastfeeding = radio(
        YES_NO + [("na", _("Does not apply"))], _("Are you breastfeeding?")
    )


class BodyForm(forms.Form):
    title = _("Height, weight and blood pressure")
    height_cm = forms.DecimalField(
        label=_("Height (cm)"), max_digits=4, decimal_places=1
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"), max_digits=5, decimal_places=1
    )
    systolic = forms.IntegerField(
        label=_("Blood pressure, upper number (mmHg), if you know it"),
        min_value=50,
        max_value=300,
        required=False,
    )
    diastolic = forms.IntegerField(
        label=_("Blood pressure, lower number (mmHg), if you know it"),
        min_value=20,
        max_value=200,
        required=False,
    )

    # check_height_cm and check_weight_kg judge the value; the message is said
    # again here, with the same limits, so that it can be translated.
    def clean_height_cm(self):
        value = self.cleaned_data["height_cm"]
        if check_height_cm(value, DEFAULT_BODY_LIMITS):
            raise forms.ValidationError(
                _("Height must be between %(low)s and %(high)s cm.")
                % {
                    "low": f"{DEFAULT_BODY_LIMITS.min_height_cm:f}",
                    "high": f"{DEFAULT_BODY_LIMITS.max_height_cm:f}",
                }
            )
        return value

    def clean_weight_kg(self):
        value = self.cleaned_data["weight_kg"]
        if check_weight_kg(value, DEFAULT_BODY_LIMITS):
            raise forms.ValidationError(
                _("Weight must be between %(low)s and %(high)s kg.")
                % {
                    "low": f"{DEFAULT_BODY_LIMITS.min_weight_kg:f}",
                    "high": f"{DEFAULT_BODY_LIMITS.max_weight_kg:f}",
                }
            )
        return value

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        upper, lower = cleaned.get("systolic"), cleaned.get("diastolic")
        if (upper is None) != (lower is None):
            self.add_error("diastolic", _("Give both numbers, or neither."))
        elif upper is not None and upper <= lower:
            self.add_error("systolic", _("The upper number must be the larger one."))
        return cleaned


class EscortForm(forms.Form):
    title = _("Your escort")
    name = forms.CharField(
        label=_("Who will take you home after each infusion?"), max_length=120
    )
    relation = forms.CharField(label=_("How do you know them?"), max_length=60)
    phone = forms.CharField(label=_("Their phone"), max_length=30)

    def clean_phone(self):
        return clean_phone_translated(self.cleaned_data["phone"])


SECTIONS: dict[str, type[forms.Form] | type[forms.BaseFormSet]] = {
    "about": AboutForm,
    "psychiatric": PsychiatricForm,
    "antidepressants": TrialFormSet,
    "treatments": TreatmentsForm,
    "medical": MedicalForm,
    "medications": MedicationsForm,
    "lifestyle": LifestyleForm,
    "body": BodyForm,
    "escort": EscortForm,
}
SECTION_TITLES = {
    "antidepressants": _("Antidepressants you have tried"),
    **{key: form.title for key, form in SECTIONS.items() if hasattr(form, "title")},
}


def as_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def answers_of(section: str, form: Any) -> Any:
    if section == "antidepressants":
        return [as_json(f.cleaned_data) for f in form.forms if f.cleaned_data]
    return as_json(form.cleaned_data)


def _shown(name: str, field: forms.Field, value: Any, saved: dict) -> str:
    """An answer as the patient would read it: choice labels, not values."""
    if name.endswith("phone"):
        return format_phone(str(value), saved.get(f"{name}_extension", ""))
    choices = {str(key): label for key, label in getattr(field, "choices", ())}
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(choices.get(str(item), item)) for item in values)


def summary(section: str, saved: Any) -> list[tuple[str, str]]:
    """The answers of one section as (question, answer) lines, for the patient
    to check before sending; questions left empty are left out."""
    if not saved:
        return []
    if section == "antidepressants":
        fields = TrialForm().fields
        return [
            (
                str(trial.get("drug", "")),
                "; ".join(
                    f"{fields[name].label}: {_shown(name, fields[name], value, trial)}"
                    for name, value in trial.items()
                    if name in fields and name != "drug" and value not in ("", None)
                ),
            )
            for trial in saved
        ]
    form = form_for(section, None, saved)
    return [
        (str(field.label), _shown(name, field, saved[name], saved))
        for name, field in form.fields.items()
        if saved.get(name) not in (None, "", [])
    ]


def chart_initial(section: str, patient: Any) -> dict[str, Any]:
    """What the chart already knows, offered in a section not yet answered."""
    if section == "about":
        phone = format_phone(patient.phone, patient.phone_extension)
        return {"phone": phone, "email": patient.email}
    return {}


def form_for(
    section: str, data: Any = None, saved: Any = None, patient: Any = None
) -> Any:
    if section == "antidepressants":
        return TrialFormSet(data=data, initial=saved or [], prefix="trial")
    form_class = SECTIONS[section]
    if not saved and patient is not None:
        saved = chart_initial(section, patient)
    return form_class(data=data, initial=saved or None)


class PublishForm(forms.Form):
    """A new version of a consent document."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), max_length=50000)
