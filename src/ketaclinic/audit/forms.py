from __future__ import annotations

from django import forms

from ketaclinic.audit.models import AuditEvent
from ketaclinic.inputs import CalendarDateField


class AuditSearchForm(forms.Form):
    patient = forms.CharField(
        label="Patient MRN", required=False, max_length=16, strip=True
    )
    user = forms.CharField(label="Staff username", required=False, max_length=150)
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEvent.Action.choices]
    )
    date_from = CalendarDateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = CalendarDateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
