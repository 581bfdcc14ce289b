from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import cast

from django import forms
from django.utils import timezone

from ketaclinic.clinics.models import Resource
from ketaclinic.inputs import CalendarDateField, CalendarDateTimeField
from ketaclinic.patients.forms import DateInput
from ketaclinic.scheduling.eligibility import REASON_CHARS
from ketaclinic.scheduling.models import AppointmentType

WEEKDAYS = [
    (0, "Mon"),
    (1, "Tue"),
    (2, "Wed"),
    (3, "Thu"),
    (4, "Fri"),
    (5, "Sat"),
    (6, "Sun"),
]
# How far ahead the slot search looks.
SEARCH_DAYS = 56


class PlaceChoiceField(forms.ModelChoiceField):
    """A chair or room, by its name alone (the location is the page's)."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class FindTimeForm(forms.Form):
    type = forms.ModelChoiceField(
        label="Appointment type",
        queryset=AppointmentType.objects.filter(active=True),
        empty_label=None,
    )
    start_date = CalendarDateField(label="From", widget=DateInput())
    resource = PlaceChoiceField(
        label="Chair or room",
        queryset=Resource.objects.none(),
        required=False,
        empty_label="Any free one",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Days that suit the patient",
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    not_before = forms.TimeField(
        label="Not before",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    not_after = forms.TimeField(
        label="Starting by",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def __init__(self, *args, location=None, **kwargs):
        super().__init__(*args, **kwargs)
        places = Resource.objects.filter(location=location, active=True)
        cast(PlaceChoiceField, self.fields["resource"]).queryset = places

    def clean_start_date(self) -> date:
        start = self.cleaned_data["start_date"]
        today = timezone.localdate()
        if start < today:
            raise forms.ValidationError("Pick today or a later day.")
        if start > today + timedelta(days=366):
            raise forms.ValidationError("Pick a day within the next year.")
        return start

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        a, b = cleaned.get("not_before"), cleaned.get("not_after")
        if a and b and b <= a:
            self.add_error("not_after", "This must be later than “Not before”.")
        return cleaned

    def day_window(self) -> tuple[time, time] | None:
        a = self.cleaned_data.get("not_before")
        b = self.cleaned_data.get("not_after")
        if not a and not b:
            return None
        return (a or time(0, 0), b or time(23, 59))


class BookForm(forms.Form):
    """The chosen time, as the slot list posts it back."""

    type = forms.ModelChoiceField(queryset=AppointmentType.objects.filter(active=True))
    starts_at = CalendarDateTimeField()
    notes = forms.CharField(required=False, max_length=500)
    resource = forms.IntegerField(required=False)

    def clean_starts_at(self) -> datetime:
        value = self.cleaned_data["starts_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class MoveDayForm(forms.Form):
    """The day a visit may move to: the page then offers that day's free times."""

    move_day = CalendarDateField(label="Move to the day", widget=DateInput())


class MoveForm(forms.Form):
    """A new start, chosen among the free times offered (`times`)."""

    starts_at = CalendarDateTimeField(label="New start", widget=forms.RadioSelect)
    reason = forms.CharField(label="Why it moves", max_length=200)

    def __init__(self, *args, zone=None, times: Sequence[datetime] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["starts_at"].widget.choices = [
            (f"{moment:%Y-%m-%dT%H:%M}", f"{moment:%H:%M}") for moment in times
        ]

    def clean_starts_at(self) -> datetime:
        value = self.cleaned_data["starts_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value, self.zone)
        return value


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why it is cancelled", max_length=200)


class WaitlistForm(forms.Form):
    type = forms.ModelChoiceField(
        label="Appointment type",
        queryset=AppointmentType.objects.filter(active=True),
        empty_label=None,
    )
    earliest = CalendarDateField(label="From", widget=DateInput())
    latest = CalendarDateField(label="Until", widget=DateInput())
    notes = forms.CharField(required=False, max_length=200)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        a, b = cleaned.get("earliest"), cleaned.get("latest")
        if a and a < timezone.localdate():
            self.add_error("earliest", "Pick today or a later day.")
        if a and b and b < a:
            self.add_error("latest", "This must not be before “From”.")
        return cleaned


class AcknowledgeForm(forms.Form):
    """One reason per open urgent task, to book an infusion despite it
    (scheduling.eligibility)."""

    def __init__(self, *args, needed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.needed = tuple(needed)
        for item in self.needed:
            self.fields[f"ack_{item.key}"] = forms.CharField(
                label=f"Acknowledge the open urgent task: {item.about}",
                max_length=REASON_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Why the infusion is booked while this task is open "
                "(for example: assessed today by the provider, safety plan in "
                "place).",
                error_messages={
                    "required": "Give your reason to book despite this task."
                },
            )

    def reasons(self) -> dict[str, str]:
        return {item.key: self.data.get(f"ack_{item.key}", "") for item in self.needed}
