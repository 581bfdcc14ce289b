from __future__ import annotations

from typing import cast

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

FIELD = "link_birth_date"
# A browser without a date picker sends what was typed: day first in Spanish.
TYPED_FORMATS = {"en": ["%m/%d/%Y", "%m-%d-%Y"], "es": ["%d/%m/%Y", "%d-%m-%Y"]}


class BirthDateForm(forms.Form):
    link_birth_date = forms.DateField(
        label=_("Your date of birth"),
        widget=forms.DateInput(
            attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
        ),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter your date of birth, e.g. 1980-05-17."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        typed = TYPED_FORMATS.get(translation.get_language() or "en", [])
        field = cast(forms.DateField, self.fields[FIELD])
        field.input_formats = ["%Y-%m-%d", *typed]
