"""The forms of recovery, discharge and the session note (tablet-sized)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from ketaclinic.clinical import recovery
from ketaclinic.infusions import discharge
from ketaclinic.infusions.models import Session

SECRET_HELP = "Or a current code of their authenticator app."  # noqa: S105


class DischargeForm(forms.Form):
    """The score's observations, the escort, and (when needed) the provider's
    override. The score's items are built from clinical.recovery's words."""

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        which = discharge.scale()
        computed = recovery.COMPUTED_ITEMS[which]
        self.item_keys: list[str] = []
        for item in discharge.items(which):
            field = forms.TypedChoiceField(
                label=item.label,
                choices=[
                    (points, f"{words} ({points} of 2)")
                    for points, words in item.options
                ],
                coerce=int,
                widget=forms.RadioSelect,
                required=item.key not in computed,
            )
            if item.key in computed:
                field.help_text = (
                    "Worked out from the vital signs charted; choose only to "
                    "score it lower than they show."
                )
            self.fields[f"item_{item.key}"] = field
            self.item_keys.append(item.key)
        if which is recovery.Scale.ALDRETE:
            self.fields["item_" + recovery.ON_OXYGEN] = forms.TypedChoiceField(
                label="Is the patient breathing added oxygen?",
                choices=[(0, "No, room air"), (1, "Yes")],
                coerce=int,
                widget=forms.RadioSelect,
            )
            self.item_keys.append(recovery.ON_OXYGEN)
        named = discharge.escort_words(session)
        self.fields["escort_seen"] = forms.BooleanField(
            label=f"I have seen {named}"
            if named
            else "No escort was named at check-in",
            required=False,
            disabled=not named,
        )
        self.fields["collected_by"] = forms.CharField(
            label="Who is taking the patient home, if someone else",
            required=False,
            max_length=120,
        )
        self.fields["collected_relation"] = forms.CharField(
            label="Who they are to the patient",
            required=False,
            max_length=60,
            help_text="For example: sister, friend.",
        )
        self.fields["override_by"] = forms.ModelChoiceField(
            label="Provider who agrees (only when not ready)",
            queryset=discharge.providers_at(session),
            required=False,
        )
        self.fields["override_secret"] = forms.CharField(
            label="The provider's password",
            required=False,
            strip=False,
            help_text=SECRET_HELP,
            widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        )
        # Made when the form is shown: sending it twice discharges once.
        self.fields["client_id"] = forms.UUIDField(
            required=False, widget=forms.HiddenInput, initial=uuid.uuid4
        )
        self.fields["override_reason"] = forms.CharField(
            label="Why the patient may leave now",
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def observations(self) -> dict[str, int]:
        data = self.cleaned_data
        return {
            key: data[f"item_{key}"]
            for key in self.item_keys
            if data.get(f"item_{key}") not in (None, "")
        }

    def field_for(self, key: str | None) -> str | None:
        """The form field a service refusal belongs beside."""
        if key is None:
            return None
        if key in self.item_keys:
            return f"item_{key}"
        return key if key in self.fields else None

    def item_fields(self):
        return [self[f"item_{key}"] for key in self.item_keys]

    def escort_fields(self):
        return [
            self[name] for name in ("escort_seen", "collected_by", "collected_relation")
        ]

    def override_fields(self):
        return [
            self[name] for name in ("override_by", "override_secret", "override_reason")
        ]


class NoteSignForm(forms.Form):
    text = forms.CharField(
        label="Session note",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text="Drafted from what was charted; correct it before you sign.",
    )
    amendment_reason = forms.CharField(
        label="Why the note is corrected",
        required=False,
        max_length=500,
    )
    secret = forms.CharField(
        label="Your password, to sign",
        strip=False,
        help_text="Or a current code of your authenticator app.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CoSignForm(forms.Form):
    secret = forms.CharField(
        label="Your password, to co-sign",
        strip=False,
        help_text="Or a current code of your authenticator app.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
