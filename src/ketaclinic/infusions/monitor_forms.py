"""The monitoring forms of the infusion chart, made for one hand on a tablet:
big touch targets, numeric keyboards, the unit beside every field. Each form
carries `client_id`, made when it is drawn, so that a double submit stores once.
The forms read what was typed; the services (`monitoring`) judge it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.clinical import plan_orders, vitals
from ketaclinic.infusions.models import Session, SideEffect

NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}

# MOAA/S in the words of CLINICAL.md 1.9, 5 (fully alert) first.
MOAAS_WORDS = (
    (5, "5 · responds readily to name in a normal tone"),
    (4, "4 · lethargic response to name in a normal tone"),
    (3, "3 · responds only after name called loudly or repeatedly"),
    (2, "2 · responds only after mild prodding or shaking"),
    (1, "1 · responds only after a painful squeeze of the shoulder"),
    (0, "0 · no response to a painful squeeze"),
)
ASK_SYMPTOMS = (
    "Blood pressure is at or above the pause limit: ask the patient about each "
    "symptom and tick what they report, or tick “None of these”."
)
SYMPTOMS_AND_NONE = "Tick the symptoms reported, or “None of these”, not both."


def _number(label: str, unit: str, *, decimal: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=12,
        help_text=unit,
        widget=forms.TextInput(attrs=DECIMAL if decimal else NUMERIC),
    )


def _time_field() -> forms.TimeField:
    return forms.TimeField(
        label="Time taken",
        required=False,
        help_text="Leave empty for now; give the time for an entry made later.",
        widget=forms.TimeInput(
            attrs={"type": "time", "data-now-on-submit": "true"}, format="%H:%M"
        ),
        error_messages={"invalid": "Give the time as hours and minutes."},
    )


class ChartedForm(forms.Form):
    """What every monitoring form has: its entry id and the time charted."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    charted_time = _time_field()

    def __init__(self, *args, session: Session, now: datetime | None = None, **kw):
        self.session = session
        self.now = timezone.localtime(now or timezone.now(), session.location.zone)
        super().__init__(*args, **kw)
        # The page fills an empty time in the clinic's zone (monitor.js).
        self.fields["charted_time"].widget.attrs["data-zone"] = str(
            session.location.time_zone
        )
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())

    def charted_at(self) -> datetime:
        """Today's date (where the clinic is) at the time charted; a time
        later than now by more than half a day is yesterday's (just after
        midnight); now when no time was given (the page's script fills in the
        clinic's time when the nurse saves, so that a second tap sends the same)."""
        typed = self.cleaned_data.get("charted_time")
        if typed is None:
            return self.now
        moment = datetime.combine(self.now.date(), typed, tzinfo=self.now.tzinfo)
        if moment > self.now + timedelta(hours=12):
            moment -= timedelta(days=1)
        return moment

    def refused(self, errors: dict) -> None:
        """Put the service's refusals next to their fields."""
        rename = {"charted_at": "charted_time", "client_id": None}
        for field, message in errors.items():
            name = rename.get(field, field)
            self.add_error(name if name in self.fields else None, message)


class VitalsForm(ChartedForm):
    systolic_mmhg = _number("Systolic pressure", "mmHg")
    diastolic_mmhg = _number("Diastolic pressure", "mmHg")
    heart_rate_bpm = _number("Heart rate", "beats/min")
    spo2_pct = _number("Oxygen saturation (SpO2)", "%")
    resp_rate_per_min = _number("Breathing rate", "breaths/min")
    moaas = forms.TypedChoiceField(
        label="Sedation (MOAA/S)",
        choices=MOAAS_WORDS,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect(attrs={"class": "big-choice"}),
    )
    dissociation = _number("Dissociation (CADSS-6 total)", "points of 24")
    symptoms = forms.MultipleChoiceField(
        label="Does the patient have any of these now?",
        choices=list(vitals.HYPERTENSION_SYMPTOMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    symptoms_none = forms.BooleanField(label="None of these", required=False)

    def __init__(
        self, *args, session: Session, limits=(), ask_symptoms: bool = True, **kw
    ):
        super().__init__(*args, session=session, **kw)
        self.limits = vitals.limit_values(limits)
        # A reading sent later from a tablet is stored even when the questions
        # were not answered (an observation is never lost); online, they are
        # asked before it is saved.
        self.require_symptom_answers = ask_symptoms
        if settings.KETACLINIC_DISSOCIATION_SCALE != "cadss6":
            del self.fields["dissociation"]

    def values(self) -> dict:
        data = self.cleaned_data
        names = ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_pct")
        values = {name: data.get(name) or None for name in names}
        values["resp_rate_per_min"] = data.get("resp_rate_per_min") or None
        values["moaas"] = data.get("moaas")
        values["dissociation"] = data.get("dissociation") or None
        values["symptoms"] = data.get("symptoms") or []
        return values

    def clean(self):
        data = super().clean() or {}
        symptoms, none = data.get("symptoms"), data.get("symptoms_none")
        if symptoms and none:
            self.add_error("symptoms", SYMPTOMS_AND_NONE)
        elif (
            self.require_symptom_answers
            and not symptoms
            and not none
            and self.over_pause_limit()
        ):
            self.add_error("symptoms", ASK_SYMPTOMS)
        return data

    def over_pause_limit(self) -> bool:
        """Blood pressure typed at or above the plan's pause limit (during or
        after the infusion), when the symptom questions must be asked."""
        from ketaclinic.infusions.monitoring import phase_of

        if phase_of(self.session) is vitals.Phase.BASELINE:
            return False
        for name, key in (
            ("systolic_mmhg", "sbp_pause"),
            ("diastolic_mmhg", "dbp_pause"),
        ):
            typed = str(self.data.get(self.add_prefix(name)) or "").strip()
            if typed.isdigit() and int(typed) >= self.limits[key]:
                return True
        return False

    def ask_symptoms(self) -> bool:
        return self.is_bound and (self.over_pause_limit() or "symptoms" in self.errors)


class SideEffectForm(ChartedForm):
    kind = forms.ChoiceField(
        label="What happened",
        choices=SideEffect.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "big-choice"}),
    )
    severity = forms.ChoiceField(
        label="How severe",
        choices=SideEffect.Severity.choices,
        widget=forms.RadioSelect(attrs={"class": "big-choice"}),
    )
    notes = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.TextInput
    )


class MedicationForm(ChartedForm):
    drug = forms.CharField(
        label="Medicine",
        max_length=120,
        widget=forms.TextInput(attrs={"list": "standing-order-drugs"}),
    )
    dose_mg = _number("Dose", "mg", decimal=True)
    route = forms.ChoiceField(
        label="Route",
        choices=[(r, r) for r in plan_orders.ROUTES],
        widget=forms.RadioSelect(attrs={"class": "big-choice"}),
    )
    indication = forms.CharField(label="What for", max_length=200)
    effect = forms.CharField(label="Effect (can be added later)", required=False)
    ordered_by = forms.ModelChoiceField(
        label="Ordered by (provider)",
        queryset=User.objects.none(),
        required=False,
        help_text="Only for a medicine with no standing order.",
    )
    order_reason = forms.CharField(label="Reason for the order", required=False)
    order_secret = forms.CharField(
        label="Provider's password or authenticator code",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, session: Session, providers=(), **kw):
        super().__init__(*args, session=session, **kw)
        field = self.fields["ordered_by"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[p.pk for p in providers])
        field.choices = [("", "—")] + [(p.pk, str(p)) for p in providers]


class EffectForm(ChartedForm):
    """The effect of a medicine given, charted later."""

    medication = forms.UUIDField(widget=forms.HiddenInput)
    effect = forms.CharField(label="Effect", max_length=300)


class AlertHandleForm(forms.Form):
    note = forms.CharField(label="What was done", max_length=500)


def providers_of(session: Session) -> list[User]:
    """The providers who can order on the spot at the session's location."""
    users = User.objects.filter(is_active=True, locations=session.location)
    return [
        u for u in users.order_by("last_name", "first_name", "id") if can(u, Perm.SIGN)
    ]
