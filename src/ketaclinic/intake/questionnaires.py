"""A form for any instrument, built from its data (ketaclinic.clinical.scales)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from ketaclinic.clinical import scales
from ketaclinic.intake import translations


class InstrumentForm(forms.Form):
    """Items and answers in the active language (``translations``); the values
    stored and scored are the instrument's, whatever the language."""

    def __init__(self, instrument: scales.Instrument, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.texts = translations.instrument_texts(instrument)
        for item in instrument.items:
            label = self.texts.item(item.key)
            if item.asked_if is not None:
                parent, value = item.asked_if
                label = _("If you answered “%(answer)s” above: %(text)s") % {
                    "answer": self.texts.option(parent, value),
                    "text": label,
                }
            self.fields[item.key] = forms.TypedChoiceField(
                label=label,
                choices=[
                    (o.value, self.texts.option(item.key, o.value))
                    for o in item.options
                ],
                coerce=int,
                widget=forms.RadioSelect,
                required=item.required and item.asked_if is None,
                empty_value=None,
            )
            self.fields[item.key].scored = item.scored  # type: ignore[attr-defined]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        answers = {}
        for item in self.instrument.items:
            value = cleaned.get(item.key)
            if item.asked_if is not None:
                parent, wanted = item.asked_if
                if cleaned.get(parent) != wanted:
                    value = None  # not asked: an answer given anyway is ignored
                elif value is None and item.required:
                    self.add_error(item.key, _("Please answer this question."))
                    continue
            answers[item.key] = value
        if not self.errors:
            try:
                self.score = scales.score(self.instrument, answers)
            except ValueError as problem:
                raise forms.ValidationError(str(problem)) from None
            self.answers = answers
        return cleaned


# Which instruments an intake asks, by what the patient wants treated.
BASE_INSTRUMENTS = ["phq9", "gad7", "cssrs_screener"]
BY_INDICATION = {"ptsd": ["pcl5"], "chronic_pain": ["pain_nrs", "bpi_sf"]}


def instruments_for(indications: list[str]) -> list[str]:
    codes = list(BASE_INSTRUMENTS)
    for indication in indications:
        codes += [c for c in BY_INDICATION.get(indication, []) if c not in codes]
    return codes
