"""The forms of treatment decisions."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.clinical import overrides, screening
from ketaclinic.treatment.models import ScreeningDecision


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=ScreeningDecision.Outcome.choices, widget=forms.RadioSelect
    )
    indication = forms.ChoiceField(
        required=False,
        choices=[("", "—")]
        + [(i, i.replace("_", " ")) for i in sorted(screening.INDICATIONS)],
        help_text="For a candidate: the indication treated.",
    )
    needs = forms.CharField(label="Information needed", required=False, max_length=300)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    reason = forms.CharField(label="Reason for the amendment", max_length=500)

    def __init__(
        self,
        *args: Any,
        amending: bool = False,
        needed: tuple[overrides.OverrideNeeded, ...] = (),
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        if not amending:
            del self.fields["reason"]
        self.needed = needed
        for item in needed:
            self.fields[f"override_{item.key}"] = forms.CharField(
                label=f"Override ({item.kind.label.lower()}): {item.about}",
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed to sign “candidate”: your reason to proceed "
                "despite this.",
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("outcome") == ScreeningDecision.Outcome.CANDIDATE:
            for item in self.needed:
                name = f"override_{item.key}"
                if not (cleaned.get(name) or "").strip():
                    self.add_error(
                        name,
                        "Give your reason to override this, or choose another outcome.",
                    )
        return cleaned

    def override_reasons(self) -> dict[str, str]:
        return {
            item.key: self.cleaned_data.get(f"override_{item.key}", "")
            for item in self.needed
        }
