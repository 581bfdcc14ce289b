"""Forms of the public pages (translated) and of the lead pipeline (staff).

Every field has a size limit; a bad email or phone gets a message that says
what to type instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketaclinic.clinics.models import Location
from ketaclinic.inquiries import queries
from ketaclinic.inquiries.models import (
    Antidepressants,
    Condition,
    ConsultationMode,
    ConsultationNote,
    ContactEntry,
    ContactMethod,
    ContactTime,
    HeardFrom,
    SiteContent,
    Stage,
)
from ketaclinic.patients.forms import PatientForm
from ketaclinic.patients.text import (
    has_hidden_characters,
    has_symbols,
    parse_phone_parts,
)

MESSAGE_MAX = 2000
NAME_MAX = 80
NOT_SURE = "not_sure"


def clean_name(value: str) -> str:
    value = " ".join((value or "").split())
    if has_hidden_characters(value):
        raise forms.ValidationError(
            _(
                "A name cannot hold invisible control or direction characters; "
                "please type it again."
            )
        )
    if has_symbols(value):
        raise forms.ValidationError(
            _("Please type your name with letters only: no emoji or other symbols.")
        )
    if value and not any(ch.isalpha() for ch in value):
        raise forms.ValidationError(_("A name needs at least one letter."))
    return value


class GetStartedForm(forms.Form):
    """The public get-started form. `website` is a honeypot: people never see
    it, form-filling robots fill it in."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        error_messages={
            "invalid": _("Enter an email address such as name@example.com.")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
        ),
    )
    preferred_contact = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=ContactMethod.choices,
        initial=ContactMethod.PHONE,
        widget=forms.RadioSelect,
    )
    preferred_time = forms.ChoiceField(
        label=_("When is a good time?"),
        choices=ContactTime.choices,
        initial=ContactTime.ANY,
        widget=forms.RadioSelect,
    )
    location = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=queries.public_locations(),
        empty_label=None,
    )
    conditions = forms.MultipleChoiceField(
        label=_("What would you like treated?"),
        help_text=_("Choose all that apply."),
        choices=Condition.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one.")},
    )
    antidepressants = forms.ChoiceField(
        label=_("How many antidepressants have you tried?"),
        choices=[("", "—"), *Antidepressants.choices, (NOT_SURE, _("Not sure"))],
        required=False,
    )
    heard_from = forms.ChoiceField(
        label=_("How did you hear about us?"),
        choices=[("", "—"), *HeardFrom.choices],
        required=False,
    )
    message = forms.CharField(
        label=_("Anything you would like us to know?"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX}),
    )
    crisis = forms.ChoiceField(
        label=_("Are you thinking about harming yourself right now?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        # A yes shows the crisis help at once (app.js).
        widget=forms.RadioSelect(
            attrs={"data-reveal": "crisis-help", "data-reveal-value": "yes"}
        ),
        error_messages={"required": _("Please answer this question.")},
    )
    consent = forms.BooleanField(
        label=_("I agree that the clinic may contact me about my inquiry."),
        error_messages={"required": _("We can only answer if you agree to this.")},
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = cast(forms.ModelChoiceField, self.fields["location"]).queryset
        locations = list(choices) if choices is not None else []
        self.only_location = locations[0] if len(locations) == 1 else None
        if self.only_location is not None:
            self.fields["location"].initial = self.only_location.pk
            self.fields["location"].required = False
            self.fields["location"].widget = forms.HiddenInput()

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get(self.add_prefix("website"), "").strip())

    def clean_first_name(self) -> str:
        return clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_name(self.cleaned_data["last_name"])

    def clean_location(self) -> Location | None:
        return self.cleaned_data.get("location") or self.only_location

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        parts = parse_phone_parts(self.cleaned_data["phone"].strip())
        if parts is None:
            raise forms.ValidationError(
                _("Enter a phone number we can call, e.g. (303) 555-0142.")
            )
        e164, extension = parts
        if extension:
            raise forms.ValidationError(
                _(
                    "Please give a number that reaches you directly, without an "
                    "extension."
                )
            )
        return e164

    def clean_antidepressants(self) -> int | None:
        value = self.cleaned_data.get("antidepressants", "")
        return None if value in ("", NOT_SURE) else int(value)

    def clean_message(self) -> str:
        return self.cleaned_data["message"].strip()


class SlotForm(forms.Form):
    mode = forms.ChoiceField(choices=ConsultationMode.choices)
    starts_at = forms.CharField(max_length=40)

    def clean_starts_at(self) -> datetime:
        try:
            chosen = datetime.fromisoformat(self.cleaned_data["starts_at"])
        except ValueError:
            raise forms.ValidationError(_("Choose one of the times shown.")) from None
        if timezone.is_naive(chosen):
            raise forms.ValidationError(_("Choose one of the times shown."))
        return chosen


# --- Staff ------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, empty_label="All locations"
    )
    condition = forms.ChoiceField(
        choices=[("", "Any condition"), *Condition.choices], required=False
    )
    age = forms.ChoiceField(
        choices=[("", "Any age"), *((k, v[0]) for k, v in queries.AGES.items())],
        required=False,
    )
    urgent = forms.BooleanField(required=False, label="Urgent only")

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["location"]
        ).queryset = Location.objects.filter(
            pk__in=[location.pk for location in locations]
        )

    def filters(self) -> queries.BoardFilters:
        if not self.is_valid():
            return queries.BoardFilters()
        data = self.cleaned_data
        return queries.BoardFilters(
            location_id=data["location"].pk if data["location"] else None,
            condition=data["condition"],
            urgent=data["urgent"],
            age=data["age"],
        )


class ContactForm(forms.Form):
    kind = forms.ChoiceField(choices=ContactEntry.Kind.choices, label="What")
    summary = forms.CharField(
        label="What was said or done",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices, label="Move to")
    reason = forms.CharField(label="Why", max_length=200)


class UrgentClearForm(forms.Form):
    reason = forms.CharField(label="How it was handled", max_length=200)


class NoteForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=ConsultationNote.Outcome.choices,
        widget=forms.RadioSelect,
        label="Outcome",
    )
    text = forms.CharField(
        label="Note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Signed with your name when you save: it cannot be edited "
        "afterwards, only amended.",
    )
    appointment = forms.ChoiceField(required=False, label="Consultation")
    reason = forms.CharField(label="Reason for the amendment", max_length=500)

    def __init__(self, *args, appointments=(), amending=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not amending:
            del self.fields["reason"]
        self.appointments = {str(a.pk): a for a in appointments}
        cast(forms.ChoiceField, self.fields["appointment"]).choices = [("", "—")] + [
            (
                str(a.pk),
                f"{timezone.localtime(a.starts_at, a.location.zone):%b %-d, %H:%M} "
                f"· {a.type.name} · {a.get_status_display()}",
            )
            for a in appointments
        ]

    def clean_appointment(self):
        return self.appointments.get(self.cleaned_data.get("appointment") or "")


class ConvertForm(PatientForm):
    """The chart's form, filled from the lead: only what the lead lacks (the
    date of birth, at least) is typed."""


class SiteContentForm(forms.ModelForm):
    class Meta:
        model = SiteContent
        fields = [
            "clinic_name",
            "headline",
            "intro",
            "treatments",
            "candidates",
            "infusion_day",
            "aftercare",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 5})
            for name in ("intro", "treatments", "candidates", "infusion_day")
        } | {"aftercare": forms.Textarea(attrs={"rows": 5})}
