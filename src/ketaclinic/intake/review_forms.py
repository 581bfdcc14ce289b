"""The review of one reported item: the chart's own fields, filled with what the
patient reported, checked as the chart checks them (ketaclinic.patients.forms)."""

from __future__ import annotations

import copy
from typing import Any

from django import forms

from ketaclinic.intake.review import DETAIL_FIELDS, Kind, ReportedItem
from ketaclinic.patients import forms as chart_forms
from ketaclinic.patients.models import Patient


class AllergyReview(chart_forms.AllergyForm):
    class Meta(chart_forms.AllergyForm.Meta):
        fields = ["substance", "reaction", "severity"]


class MedicationReview(chart_forms.MedicationForm):
    class Meta(chart_forms.MedicationForm.Meta):
        fields = ["name", "dose", "frequency"]


class EscortReview(chart_forms.EscortForm):
    class Meta(chart_forms.EscortForm.Meta):
        fields = ["name", "relation", "phone"]


class PhoneReview(forms.Form):
    phone = forms.CharField(label="Phone", max_length=30)

    def clean_phone(self) -> str:
        return chart_forms.clean_phone_value(self.cleaned_data["phone"], required=True)


class EmailReview(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class DetailsReview(forms.ModelForm):
    """The chart's name, date of birth and address, to correct as the patient
    asked; checked as on the chart's own form."""

    class Meta:
        model = Patient
        fields = list(DETAIL_FIELDS)
        widgets = {"date_of_birth": chart_forms.DateInput()}

    clean_first_name = chart_forms.PatientForm.clean_first_name
    clean_last_name = chart_forms.PatientForm.clean_last_name
    clean_preferred_name = chart_forms.PatientForm.clean_preferred_name
    clean_date_of_birth = chart_forms.PatientForm.clean_date_of_birth


FORMS: dict[str, type[forms.BaseForm]] = {
    Kind.ALLERGY: AllergyReview,
    Kind.MEDICATION: MedicationReview,
    Kind.ESCORT: EscortReview,
    Kind.PHONE: PhoneReview,
    Kind.EMAIL: EmailReview,
    Kind.DETAILS: DetailsReview,
}


def review_form(item: ReportedItem, patient: Patient, data: Any = None) -> Any:
    """The form of one item, its fields named after the item (one page holds
    many), filled with what the patient reported."""
    form_class = FORMS[item.kind]
    kwargs: dict[str, Any] = {
        "data": data,
        "prefix": item.key,
        "initial": dict(item.proposed),
    }
    if issubclass(form_class, forms.ModelForm):
        model = form_class._meta.model
        # Validation writes onto the instance: never onto the chart as loaded.
        kwargs["instance"] = (
            copy.copy(patient) if model is Patient else model(patient=patient)
        )
    return form_class(**kwargs)


def values_of(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields}
