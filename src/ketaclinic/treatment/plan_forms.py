"""The plan form: what a provider types, parsed and checked field by field; the
clinical checks are the services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketaclinic.clinical import maintenance, plan_orders
from ketaclinic.clinical.dosing import VIAL_CONCENTRATIONS_MG_PER_ML, WeightBasis
from ketaclinic.scheduling.forms import FindTimeForm
from ketaclinic.treatment import plans
from ketaclinic.treatment.models import Protocol, TreatmentPlan
from ketaclinic.treatment.plans import PlanInput

ORDER_ROWS = 3
# Bounds of what a form accepts at all; the clinical checks come after.
BAG_MAX_ML = 1000  # the largest infusion bag in use
MINUTES_MAX = 24 * 60
INTERVAL_MAX_DAYS = 730


def _decimal(label: str, help_text: str = "", **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, help_text=help_text, max_digits=7, decimal_places=3, **kwargs
    )


def _whole(label: str, help_text: str = "", **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, help_text=help_text, **kwargs)


def shown(value: Decimal) -> Decimal:
    """A value as a form shows it: no trailing zeros and no exponent (160, not
    1.6E+2 or 160.000)."""
    plain = value.normalize()
    return plain.quantize(Decimal(1)) if plain == plain.to_integral_value() else plain


class StandingOrderForm(forms.Form):
    """One as-needed order; a blank row is no order."""

    drug = forms.CharField(label="Drug", max_length=60, required=False)
    dose_mg = _decimal("Dose (mg)", required=False)
    route = forms.ChoiceField(
        label="Route", choices=[(r, r) for r in plan_orders.ROUTES], initial="IV"
    )
    indication = forms.CharField(label="For", max_length=120, required=False)
    min_interval_minutes = _whole(
        "At least (minutes apart)", required=False, max_value=MINUTES_MAX
    )
    max_per_session_mg = _decimal("At most in one session (mg)", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("drug") or "").strip():
            if any(
                data.get(name) not in (None, "")
                for name in ("dose_mg", "indication", "max_per_session_mg")
            ):
                self.add_error("drug", "Name the drug, or clear this row.")
            return data
        try:
            data["order"] = plan_orders.standing_order(
                {key: "" if value is None else value for key, value in data.items()}
            )
        except plan_orders.OrderRefused as refused:
            field = refused.field if refused.field in self.fields else "drug"
            self.add_error(field, refused.message)
        return data


StandingOrderFormSet = forms.formset_factory(
    StandingOrderForm, extra=0, min_num=ORDER_ROWS, max_num=ORDER_ROWS
)


class PlanForm(forms.Form):
    protocol = forms.ModelChoiceField(
        Protocol.objects.filter(active=True), label="Protocol", empty_label=None
    )
    indication_code = forms.ChoiceField(
        label="Indication",
        help_text="ICD-10-CM, from the chart's active conditions.",
    )
    weight_basis = forms.ChoiceField(
        label="Dose on",
        choices=[(b.value, b.label.capitalize()) for b in WeightBasis],
        widget=forms.RadioSelect,
        initial=WeightBasis.ACTUAL.value,
    )
    amount_per_kg = _decimal(
        "Dose per kg",
        "mg/kg per infusion, or mg/kg per hour for an hourly protocol.",
    )
    titration_after = _whole(
        "Raise the dose after (infusions without response)",
        required=False,
        min_value=1,
    )
    titration_amount_per_kg = _decimal(
        "Raised dose per kg", "Leave empty for no titration.", required=False
    )
    max_dose_mg = _decimal(
        "Maximum dose",
        "mg per infusion (mg/h for an hourly protocol): a larger result is "
        "lowered to it.",
    )
    vial_mg_per_ml = forms.TypedChoiceField(
        label="Vial concentration",
        choices=[(str(c), f"{c} mg/mL") for c in VIAL_CONCENTRATIONS_MG_PER_ML],
        coerce=Decimal,
        help_text="100 mg/mL is never given undiluted.",
    )
    bag_volume_ml = _decimal("Bag volume (mL)", max_value=BAG_MAX_ML)
    diluent = forms.CharField(label="Diluent", max_length=60)
    minutes = _whole("Infusion length (minutes)", max_value=MINUTES_MAX)
    infusions = _whole("Number of infusions", min_value=1, max_value=60)
    within_days = _whole("Within (days)", min_value=1, max_value=365)
    min_days_apart = _whole("At least (days apart)", min_value=0, max_value=60)
    recovery_minutes = _whole(
        "Recovery (minutes)", "At least 30 minutes.", max_value=MINUTES_MAX
    )
    weight_max_age_hours = _whole(
        "Weight freshness window (hours)",
        "A dose is not released on a weight older than this.",
        min_value=1,
        max_value=24 * 30,
    )
    maintenance_start_days = _whole(
        "First maintenance interval (days)", max_value=INTERVAL_MAX_DAYS
    )
    maintenance_floor_days = _whole(
        "Shortest maintenance interval (days)", max_value=INTERVAL_MAX_DAYS
    )
    maintenance_cap_days = _whole(
        "Longest maintenance interval (days)", max_value=INTERVAL_MAX_DAYS
    )
    override_reason = forms.CharField(
        label="Reason to override the usual dose range",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed only for a dose outside the protocol's usual range.",
    )
    reason = forms.CharField(
        label="Why the plan changes",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    password = forms.CharField(
        label="Your password, to sign",
        strip=False,
        help_text="Or a current code of your authenticator app.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, conditions: list, amending: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        indication = self.fields["indication_code"]
        assert isinstance(indication, forms.ChoiceField)
        indication.choices = [
            (c.icd10_code, f"{c.icd10_code} {c.description}") for c in conditions
        ]
        for limit in plan_orders.DEFAULT_VITAL_LIMITS:
            self.fields[limit.key] = _decimal(
                f"{limit.trigger} ({limit.unit})",
                f"Then: {limit.action}.",
                initial=limit.value,
            )
        if not amending:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True

    def _group(self, *names: str) -> list:
        return [self[name] for name in names if name in self.fields]

    def dose_fields(self) -> list:
        return self._group(
            "protocol",
            "indication_code",
            "weight_basis",
            "amount_per_kg",
            "titration_after",
            "titration_amount_per_kg",
            "max_dose_mg",
            "override_reason",
        )

    def bag_fields(self) -> list:
        return self._group("vial_mg_per_ml", "bag_volume_ml", "diluent", "minutes")

    def series_fields(self) -> list:
        return self._group(
            "infusions",
            "within_days",
            "min_days_apart",
            "recovery_minutes",
            "weight_max_age_hours",
            "maintenance_start_days",
            "maintenance_floor_days",
            "maintenance_cap_days",
        )

    def sign_fields(self) -> list:
        return self._group("reason", "password")

    def vital_fields(self) -> list:
        return [self[limit.key] for limit in plan_orders.DEFAULT_VITAL_LIMITS]

    def plan_input(self, orders: tuple) -> PlanInput | None:
        """The typed plan, or None with the errors on the fields."""
        data = self.cleaned_data
        try:
            limits = plan_orders.vital_limits(
                {
                    limit.key: data[limit.key]
                    for limit in plan_orders.DEFAULT_VITAL_LIMITS
                }
            )
        except plan_orders.OrderRefused as refused:
            self.add_error(refused.field, refused.message)
            return None
        return PlanInput(
            protocol=data["protocol"],
            indication_code=data["indication_code"],
            weight_basis=data["weight_basis"],
            amount_per_kg=data["amount_per_kg"],
            titration_after=data.get("titration_after"),
            titration_amount_per_kg=data.get("titration_amount_per_kg"),
            max_dose_mg=data["max_dose_mg"],
            bag_volume_ml=data["bag_volume_ml"],
            diluent=data["diluent"],
            vial_mg_per_ml=data["vial_mg_per_ml"],
            minutes=data["minutes"],
            infusions=data["infusions"],
            within_days=data["within_days"],
            min_days_apart=data["min_days_apart"],
            recovery_minutes=data["recovery_minutes"],
            weight_max_age_hours=data["weight_max_age_hours"],
            maintenance_start_days=data["maintenance_start_days"],
            maintenance_floor_days=data["maintenance_floor_days"],
            maintenance_cap_days=data["maintenance_cap_days"],
            standing_orders=orders,
            vital_limits=limits,
            override_reason=data.get("override_reason", ""),
        )


def initial_from_protocol(
    protocol: Protocol, *, weight_max_age_hours: int, weight_kg: Decimal | None
) -> dict[str, Any]:
    """The plan form filled with the protocol's defaults."""
    hard_max_mg = None
    if weight_kg is not None:
        hard_max_mg = int(protocol.hard_max * weight_kg)
    step = protocol.titration[0] if protocol.titration else {}
    maintenance = protocol.maintenance or {}
    return {
        "protocol": protocol.pk,
        "weight_basis": WeightBasis.ACTUAL.value,
        "amount_per_kg": shown(protocol.amount_per_kg),
        "titration_after": step.get("after_infusions"),
        "titration_amount_per_kg": step.get("amount_per_kg"),
        "max_dose_mg": protocol.cap if protocol.cap is not None else hard_max_mg,
        "vial_mg_per_ml": "10",
        "bag_volume_ml": shown(protocol.bag_volume_ml),
        "diluent": protocol.diluent,
        "minutes": protocol.minutes,
        "infusions": protocol.infusions,
        "within_days": protocol.within_days,
        "min_days_apart": protocol.min_days_apart,
        "recovery_minutes": protocol.recovery_minutes,
        "weight_max_age_hours": weight_max_age_hours,
        "maintenance_start_days": maintenance.get("start_days"),
        "maintenance_floor_days": maintenance.get("floor_days"),
        "maintenance_cap_days": maintenance.get("cap_days"),
    } | _vitals(
        {
            limit["key"]: limit["value"]
            for limit in (protocol.vital_limits or {}).get("limits", [])
        }
    )


def initial_from_plan(plan: TreatmentPlan) -> dict[str, Any]:
    """A new version starts from the version it changes."""
    step = plan.titration[0] if plan.titration else {}
    return {
        "protocol": plan.protocol_id,
        "indication_code": plan.indication_code,
        "weight_basis": plan.weight_basis,
        "amount_per_kg": shown(plan.amount_per_kg),
        "titration_after": step.get("after_infusions"),
        "titration_amount_per_kg": step.get("amount_per_kg"),
        "max_dose_mg": shown(plan.max_dose_mg),
        "vial_mg_per_ml": str(int(plan.vial_mg_per_ml)),
        "bag_volume_ml": shown(plan.bag_volume_ml),
        "diluent": plan.diluent,
        "minutes": plan.minutes,
        "infusions": plan.infusions,
        "within_days": plan.within_days,
        "min_days_apart": plan.min_days_apart,
        "recovery_minutes": plan.recovery_minutes,
        "weight_max_age_hours": plan.weight_max_age_hours,
        "maintenance_start_days": plan.maintenance.get("start_days"),
        "maintenance_floor_days": plan.maintenance.get("floor_days"),
        "maintenance_cap_days": plan.maintenance.get("cap_days"),
    } | _vitals({limit["key"]: limit["value"] for limit in plan.vital_limits})


def _vitals(values: dict[str, str]) -> dict[str, Any]:
    return {key: shown(Decimal(value)) for key, value in values.items()}


def orders_initial(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "drug": r["drug"],
            "dose_mg": shown(Decimal(r["dose_mg"])),
            "route": r["route"],
            "indication": r["indication"],
            "min_interval_minutes": r["min_interval_minutes"],
            "max_per_session_mg": shown(Decimal(r["max_per_session_mg"])),
        }
        for r in records[:ORDER_ROWS]
    ]


MAINTENANCE_LABELS = {
    "start_days": ("First interval (days)", "After the induction series."),
    "floor_days": ("Shortest interval (days)", "Worsening never goes below it."),
    "cap_days": ("Longest interval (days)", "A response never goes above it."),
    "lengthen_step_days": (
        "Lengthen by (days)",
        "Added while the patient keeps responding.",
    ),
    "shorten_step_days": ("Shorten by (days)", "Taken off when scores worsen."),
}


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


class ProtocolForm(forms.ModelForm):
    """The clinic manager's protocol: its main fields, vital-sign limits and
    maintenance policy, each checked by the clinical core as a plan is. The
    standing orders are StandingOrderFormSet's."""

    class Meta:
        model = Protocol
        fields = [
            "name",
            "active",
            "appointment_type",
            "amount_per_kg",
            "usual_low",
            "usual_high",
            "hard_max",
            "cap",
            "minutes",
            "bag_volume_ml",
            "diluent",
            "infusions",
            "within_days",
            "min_days_apart",
            "recovery_minutes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocol = self.instance
        stored = {
            limit["key"]: limit["value"]
            for limit in (protocol.vital_limits or {}).get("limits", [])
        }
        for limit in plan_orders.DEFAULT_VITAL_LIMITS:
            low, high = plan_orders.plausible_range(limit)
            self.fields[limit.key] = _decimal(
                f"{limit.trigger} ({limit.unit})",
                f"Then: {limit.action}. From {_number(low)} to {_number(high)} "
                f"{limit.unit}.",
                initial=shown(Decimal(str(stored.get(limit.key, limit.value)))),
            )
        try:
            policy = plans.protocol_policy(protocol)
        except maintenance.PolicyRefused:
            policy = plans.base_policy(protocol)
        for name, (label, help_text) in MAINTENANCE_LABELS.items():
            self.fields[f"maintenance_{name}"] = _whole(
                label,
                help_text,
                max_value=INTERVAL_MAX_DAYS,
                initial=getattr(policy, name),
            )

    def _group(self, *names: str) -> list:
        return [self[name] for name in names if name in self.fields]

    def main_fields(self) -> list:
        return self._group(*self.Meta.fields)

    def vital_fields(self) -> list:
        return [self[limit.key] for limit in plan_orders.DEFAULT_VITAL_LIMITS]

    def maintenance_fields(self) -> list:
        return [self[f"maintenance_{name}"] for name in MAINTENANCE_LABELS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high, most, dose = (
            data.get(k)
            for k in ("usual_low", "usual_high", "hard_max", "amount_per_kg")
        )
        if low is not None and high is not None and most is not None:
            if not 0 < low <= high <= most:
                self.add_error(
                    "usual_high",
                    "The usual range must be above 0 and within the hard maximum.",
                )
            elif dose is not None and not low <= dose <= high:
                self.add_error(
                    "amount_per_kg", "The usual dose must be within its range."
                )
        for name in ("bag_volume_ml", "minutes", "infusions", "within_days"):
            value = data.get(name)
            if value is not None and value <= 0 and name != "bag_volume_ml":
                self.add_error(name, "Must be more than 0.")
            if name == "bag_volume_ml" and value is not None and value < 0:
                self.add_error(name, "A bag holds 0 mL or more.")
        keys = [limit.key for limit in plan_orders.DEFAULT_VITAL_LIMITS]
        if all(data.get(key) is not None for key in keys):
            try:
                data["vital_limits"] = plan_orders.vital_limits(
                    {key: data[key] for key in keys}
                )
            except plan_orders.OrderRefused as refused:
                self.add_error(refused.field, refused.message)
        names = [f"maintenance_{name}" for name in MAINTENANCE_LABELS]
        if all(data.get(name) is not None for name in names):
            try:
                data["maintenance_policy"] = maintenance.policy_from(
                    {name: data[f"maintenance_{name}"] for name in MAINTENANCE_LABELS}
                    | {"source": (self.instance.maintenance or {}).get("source")},
                    base=plans.base_policy(self.instance),
                )
            except maintenance.PolicyRefused as refused:
                self.add_error(f"maintenance_{refused.field}", refused.message)
        return data


class SeriesPreferencesForm(FindTimeForm):
    """The patient's preferred days and times for a series: the booking
    search's own fields (days that suit, not before, starting by), all
    optional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("type", "start_date", "resource"):
            del self.fields[name]
