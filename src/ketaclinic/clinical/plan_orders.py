"""What a treatment plan orders beside the ketamine: standing as-needed orders and
the vital-sign limits the nurse works to (CLINICAL.md 1.7 and 1.8).

Pure data and checks, as the rest of ``clinical/``. The defaults are illustrative
and clinic-configurable: a protocol carries its own copy, a plan its own again,
and the provider who signs the plan owns what it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from ketaclinic.clinical import codes

# --- Sources ----------------------------------------------------------------------

SOURCE_ONDANSETRON = (
    "CLINICAL.md 1.8: ondansetron 4 mg IV is the usual adult dose (GK); no single "
    "IV dose over 16 mg (FDA Drug Safety Communication 2012, QT prolongation)"
)
SOURCE_MIDAZOLAM = (
    "CLINICAL.md 1.8: benzodiazepine as needed for anxiety or dysphoria, e.g. "
    "midazolam 1-2 mg IV (GK); Schwartzman 2009 gave midazolam 2 mg IV x 2"
)
SOURCE_VITAL_LIMITS = (
    "CLINICAL.md 1.7: suggested default policy (clinic-configurable, illustrative, "
    "to be approved by the medical director); no guideline fixes these values"
)

ROUTES = ("IV", "PO", "SL", "IM", "IN")


class OrderRefused(ValueError):
    """A standing order that cannot be signed: ``field`` names the input."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class StandingOrder:
    """A drug the nurse may give when needed, within the limits the provider set."""

    drug: str
    rxnorm: str
    dose_mg: Decimal
    route: str
    indication: str  # what it is for, in plain words
    min_interval_minutes: int
    max_per_session_mg: Decimal
    max_single_dose_mg: Decimal
    source: str = ""

    def as_record(self) -> dict[str, str | int]:
        return {
            "drug": self.drug,
            "rxnorm": self.rxnorm,
            "dose_mg": str(self.dose_mg),
            "route": self.route,
            "indication": self.indication,
            "min_interval_minutes": self.min_interval_minutes,
            "max_per_session_mg": str(self.max_per_session_mg),
            "max_single_dose_mg": str(self.max_single_dose_mg),
            "source": self.source,
        }

    @property
    def words(self) -> str:
        """Ondansetron 4 mg IV for nausea, at least 30 min apart, at most 8 mg."""
        return (
            f"{self.drug.capitalize()} {_n(self.dose_mg)} mg {self.route} for "
            f"{self.indication}, at least {self.min_interval_minutes} min apart, "
            f"at most {_n(self.max_per_session_mg)} mg in one session"
        )


# The most any one dose of a drug may be, whatever the order says (mg).
SINGLE_DOSE_MAXIMUM_MG: Mapping[str, Decimal] = MappingProxyType(
    {"ondansetron": Decimal(16), "midazolam": Decimal(2)}
)

DEFAULT_STANDING_ORDERS: tuple[StandingOrder, ...] = (
    StandingOrder(
        drug="ondansetron",
        rxnorm=codes.RXNORM_ONDANSETRON.code,
        dose_mg=Decimal(4),
        route="IV",
        indication="nausea or vomiting",
        min_interval_minutes=30,
        max_per_session_mg=Decimal(8),
        max_single_dose_mg=Decimal(16),
        source=SOURCE_ONDANSETRON,
    ),
    StandingOrder(
        drug="midazolam",
        rxnorm=codes.RXNORM_MIDAZOLAM.code,
        dose_mg=Decimal(1),
        route="IV",
        indication="distressing dissociation, anxiety or agitation",
        min_interval_minutes=15,
        max_per_session_mg=Decimal(2),
        max_single_dose_mg=Decimal(2),
        source=SOURCE_MIDAZOLAM,
    ),
)


def _decimal(value: Any, field: str, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise OrderRefused(f"{what} must be a number.", field=field) from None
    if not number.is_finite() or number <= 0:
        raise OrderRefused(f"{what} must be more than 0.", field=field)
    return number


def standing_order(data: Mapping[str, Any]) -> StandingOrder:
    """A standing order from what was typed, or a refusal in plain words: no
    drug, no maximum, a dose over the maximum or over the drug's single-dose
    limit, an unknown route, an interval of 0."""
    drug = str(data.get("drug") or "").strip().lower()
    if not drug:
        raise OrderRefused("Name the drug.", field="drug")
    code = codes.RXNORM_CODES.get(str(data.get("rxnorm") or "").strip())
    known = {c.display: c for c in codes.RXNORM_CODES.values()}.get(drug)
    if code is None:
        code = known
    if code is None:
        raise OrderRefused(
            f"No RxNorm code is known for {drug}: give its ingredient code.",
            field="rxnorm",
        )
    if not str(data.get("max_per_session_mg") or "").strip():
        raise OrderRefused(
            f"Give the most {drug} the nurse may give in one session.",
            field="max_per_session_mg",
        )
    dose = _decimal(data.get("dose_mg"), "dose_mg", "The dose")
    most = _decimal(data.get("max_per_session_mg"), "max_per_session_mg", "The maximum")
    single = SINGLE_DOSE_MAXIMUM_MG.get(drug, most)
    if dose > single:
        raise OrderRefused(
            f"{_n(dose)} mg of {drug} in one dose is over the limit of "
            f"{_n(single)} mg.",
            field="dose_mg",
        )
    if dose > most:
        raise OrderRefused(
            f"The dose of {_n(dose)} mg is more than the session's maximum of "
            f"{_n(most)} mg.",
            field="dose_mg",
        )
    route = str(data.get("route") or "").strip().upper()
    if route not in ROUTES:
        raise OrderRefused(
            f"Give the route as one of {', '.join(ROUTES)}.", field="route"
        )
    try:
        interval = int(str(data.get("min_interval_minutes") or "").strip())
    except ValueError:
        interval = 0
    if interval <= 0:
        raise OrderRefused(
            "Give the shortest time between two doses, in minutes.",
            field="min_interval_minutes",
        )
    indication = str(data.get("indication") or "").strip()
    if not indication:
        raise OrderRefused("Say what the drug is for.", field="indication")
    return StandingOrder(
        drug=drug,
        rxnorm=code.code,
        dose_mg=dose,
        route=route,
        indication=indication,
        min_interval_minutes=interval,
        max_per_session_mg=most,
        max_single_dose_mg=single,
        source=str(data.get("source") or ""),
    )


@dataclass(frozen=True, slots=True)
class VitalLimit:
    """One limit the nurse works to, and what to do when it is crossed."""

    key: str
    trigger: str
    action: str
    value: Decimal
    unit: str

    def as_record(self) -> dict[str, str]:
        return {
            "key": self.key,
            "trigger": self.trigger,
            "action": self.action,
            "value": str(self.value),
            "unit": self.unit,
        }


DEFAULT_VITAL_LIMITS: tuple[VitalLimit, ...] = (
    VitalLimit(
        "pre_sbp_hold",
        "Before the infusion, systolic pressure at or above",
        "hold; clinician review",
        Decimal(160),
        "mmHg",
    ),
    VitalLimit(
        "pre_dbp_hold",
        "Before the infusion, diastolic pressure at or above",
        "hold; clinician review",
        Decimal(100),
        "mmHg",
    ),
    VitalLimit(
        "sbp_pause",
        "During the infusion, systolic pressure at or above",
        "pause the pump, re-check in 5 min, clinician at the chair",
        Decimal(180),
        "mmHg",
    ),
    VitalLimit(
        "dbp_pause",
        "During the infusion, diastolic pressure at or above",
        "pause the pump, re-check in 5 min, clinician at the chair",
        Decimal(110),
        "mmHg",
    ),
    VitalLimit(
        "hr_pause",
        "Heart rate above, sustained",
        "pause; clinician review",
        Decimal(120),
        "beats/min",
    ),
    VitalLimit(
        "spo2_pause",
        "Oxygen saturation below",
        "stimulate, give oxygen, pause",
        Decimal(92),
        "%",
    ),
    # Added with the infusion-day checks (CLINICAL.md 1.7 and 1.9). A plan signed
    # before they existed falls back to these values.
    VitalLimit(
        "pre_sbp_ack",
        "Before the infusion, systolic pressure at or above",
        "proceed only with a clinician's acknowledgement",
        Decimal(140),
        "mmHg",
    ),
    VitalLimit(
        "pre_dbp_ack",
        "Before the infusion, diastolic pressure at or above",
        "proceed only with a clinician's acknowledgement",
        Decimal(90),
        "mmHg",
    ),
    VitalLimit(
        "spo2_stop",
        "Oxygen saturation below, sustained",
        "stop the infusion; airway support",
        Decimal(90),
        "%",
    ),
    VitalLimit(
        "moaas_pause",
        "Sedation score (MOAA/S, 5 = fully alert) at or below",
        "pause; clinician review",
        Decimal(3),
        "MOAA/S points",
    ),
    VitalLimit(
        "dissociation_alert",
        "Dissociation score (CADSS-6 total) at or above",
        "slow or pause, calm room; as-needed benzodiazepine per standing order",
        Decimal(12),
        "CADSS-6 points",
    ),
)

# The plausible range of each unit: a limit outside it is a typing slip.
_PLAUSIBLE = {
    "mmHg": (Decimal(60), Decimal(250)),
    "beats/min": (Decimal(40), Decimal(200)),
    "%": (Decimal(80), Decimal(100)),
    # MOAA/S runs 0-5 (CLINICAL.md 1.9); a pause limit of 5 would pause every
    # fully alert patient, so 4 is the most that makes sense.
    "MOAA/S points": (Decimal(1), Decimal(4)),
    # CADSS-6: six items scored 0-4 (CLINICAL.md 1.9).
    "CADSS-6 points": (Decimal(1), Decimal(24)),
}
# Scores are whole numbers.
_WHOLE_UNITS = frozenset({"MOAA/S points", "CADSS-6 points"})
# Limit pairs where the first must be lower than the second (or, for oxygen,
# the stop limit lower than the pause limit).
_ORDERED = (
    ("pre_sbp_ack", "acknowledgement", "pre_sbp_hold", "hold"),
    ("pre_dbp_ack", "acknowledgement", "pre_dbp_hold", "hold"),
    ("spo2_stop", "stop", "spo2_pause", "pause"),
)


def plausible_range(limit: VitalLimit) -> tuple[Decimal, Decimal]:
    """The lowest and highest value accepted for a limit, in its unit."""
    return _PLAUSIBLE[limit.unit]


def vital_limits(values: Mapping[str, Any]) -> tuple[VitalLimit, ...]:
    """The default limits with the values typed for them (key -> value); a
    value that is not a number or is implausible for its unit is refused, and so
    is an acknowledgement limit at or above its hold limit (or an oxygen stop
    limit at or above its pause limit)."""
    limits = []
    for default in DEFAULT_VITAL_LIMITS:
        typed = values.get(default.key, default.value)
        value = _decimal(typed, default.key, "A vital-sign limit")
        low, high = _PLAUSIBLE[default.unit]
        if not low <= value <= high:
            raise OrderRefused(
                f"{_n(value)} {default.unit} is not a plausible limit: give a value "
                f"from {_n(low)} to {_n(high)} {default.unit}.",
                field=default.key,
            )
        if default.unit in _WHOLE_UNITS and value != value.to_integral_value():
            raise OrderRefused(
                f"Give the limit as a whole number of {default.unit}.",
                field=default.key,
            )
        limits.append(
            VitalLimit(
                default.key, default.trigger, default.action, value, default.unit
            )
        )
    by_key = {limit.key: limit for limit in limits}
    for lower, lower_name, higher, higher_name in _ORDERED:
        low_limit, high_limit = by_key[lower], by_key[higher]
        if low_limit.value >= high_limit.value:
            raise OrderRefused(
                f"The {lower_name} limit of {_n(low_limit.value)} {low_limit.unit} "
                f"must be lower than the {higher_name} limit of "
                f"{_n(high_limit.value)} {high_limit.unit}.",
                field=lower,
            )
    return tuple(limits)


def orders_of(records: Sequence[Mapping[str, Any]]) -> tuple[StandingOrder, ...]:
    return tuple(standing_order(record) for record in records)


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


__all__ = [
    "DEFAULT_STANDING_ORDERS",
    "DEFAULT_VITAL_LIMITS",
    "ROUTES",
    "SINGLE_DOSE_MAXIMUM_MG",
    "SOURCE_VITAL_LIMITS",
    "OrderRefused",
    "StandingOrder",
    "VitalLimit",
    "orders_of",
    "plausible_range",
    "standing_order",
    "vital_limits",
]
