"""Vital signs on infusion day: what a reading means against the plan's limits, and
when the next reading is due (CLINICAL.md 1.5, 1.6, 1.7 and 1.9).

Pure data and checks, as the rest of ``clinical/``. ``judge`` turns one reading
into findings, each with the action the plan's limits ask for, the reason in plain
words with values and units, and its source; the worst finding is the judgement.
The software proposes; a clinician decides (CLINICAL.md, framing): a judgement
never runs or stops a pump by itself.

The limits are the ones stored on a signed plan (``plan_orders.vital_limits``);
a limit a plan does not carry (signed before the limit existed) is the default of
``plan_orders.DEFAULT_VITAL_LIMITS``.

Rules (CLINICAL.md 1.7, suggested default policy):

- before the infusion: blood pressure at or above the hold limit (160/100 mmHg)
  asks for a re-check after 5 minutes' rest; still at or above it on the re-check
  (``previous``), hold and a clinician reviews. At or above the acknowledgement
  limit (140/90 mmHg) the infusion proceeds only with a clinician's
  acknowledgement.
- during the infusion and in recovery: systolic at or above 180 or diastolic at
  or above 110 mmHg pauses; a rise in blood pressure with chest pain, severe
  headache, a change in vision, a new neurological deficit or breathlessness
  stops (hypertensive emergency, Yip 2022); heart rate above 120 beats/min
  pauses when it was also above on the reading before (a single one alerts);
  oxygen saturation below 92 % pauses, below 90 % on two readings in a row
  stops; a MOAA/S of 3 or less pauses; a CADSS-6 total at or above the plan's
  limit alerts.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ketaclinic.clinical.plan_orders import (
    DEFAULT_VITAL_LIMITS,
    SOURCE_VITAL_LIMITS,
    VitalLimit,
)

# --- Sources ----------------------------------------------------------------------

SOURCE_BASELINE = (
    "CLINICAL.md 1.5 and 1.7: baseline BP, HR and SpO2 before start; BP >= 160/100 "
    "after 5 min rest and one re-check: hold, clinician review; 140-159/90-99: "
    "proceed only with clinician acknowledgement (mirrors Spravato PI > 140/90) "
    "(suggested default policy, clinic-configurable)"
)
SOURCE_BP_PAUSE = (
    "CLINICAL.md 1.7: during infusion SBP >= 180 or DBP >= 110: pause pump, re-check "
    "in 5 min, clinician at chair (severe hypertension > 180/110, Hebert & Vidt "
    "2008; suggested default policy, clinic-configurable)"
)
SOURCE_HYPERTENSIVE_EMERGENCY = (
    "CLINICAL.md 1.7: any BP rise with chest pain, severe headache, visual change, "
    "neuro deficit or dyspnoea: stop infusion, emergency pathway (hypertensive "
    "emergency; Yip et al., Front Psychiatry 2022;13:1017504)"
)
SOURCE_HEART_RATE = (
    "CLINICAL.md 1.7: HR > 120 sustained, or new arrhythmia: pause, clinician "
    "review (threshold GK, clinic-configurable)"
)
SOURCE_OXYGEN = (
    "CLINICAL.md 1.7: SpO2 < 92%: verbal/tactile stimulation, O2, pause; < 90% "
    "sustained: stop, airway support (SpO2 > 92% on room air: modified Aldrete)"
)
SOURCE_SEDATION = (
    "CLINICAL.md 1.7 and 1.9: MOAA/S <= 3 (responds only to loud voice or less): "
    "pause; ketamine for depression should not cause more than light sedation "
    "(ASA 2025)"
)
SOURCE_DISSOCIATION = (
    "CLINICAL.md 1.7 and 1.9: distressing dissociation: reduce, slow or pause, calm "
    "environment, as-needed benzodiazepine per standing order. CADSS-6 (items 1, 2, "
    "6, 7, 15, 22 scored 0-4, total 0-24; Rodrigues et al. 2021). No source fixes "
    "an alert value: the default 12 is an average of 'moderately' (2) on each of "
    "the six items, illustrative and clinic-configurable"
)
SOURCE_INTERVALS = (
    "CLINICAL.md 1.6: BP every 10 min during the infusion (Dunlop 2018, Emory; "
    "Yale 2024) and every 15 min after (Dunlop 2018); practical default NIBP every "
    "5-10 min during infusion and every 15 min in recovery"
)
SOURCE_RECHECK = (
    "CLINICAL.md 1.7: pre-infusion BP re-checked after 5 min rest; during infusion "
    "re-check in 5 min"
)
SOURCE_PHYSICAL = (
    "Physical ranges a monitor can report for a living patient, wide on purpose: "
    "a value outside them is a typing slip or a probe off, never a finding"
)

# Minutes of rest before a baseline re-check, and the re-check after a pause
# (CLINICAL.md 1.7).
RECHECK_MINUTES = 5
# The finding of a baseline re-check taken before the rest was over: the
# reading after it is judged against the reading that asked for the re-check.
EARLY_RECHECK = "pre_bp_recheck_early"


def is_early_recheck(findings: Sequence[Mapping[str, Any]] | None) -> bool:
    """Whether stored findings (dicts with a "key") say the reading was a
    re-check taken before the rest was over."""
    return any(f.get("key") == EARLY_RECHECK for f in findings or ())


# The most a dissociation score can be: CADSS-6, six items of 0-4
# (CLINICAL.md 1.9). A clinic that records another scale passes its maximum.
DISSOCIATION_MAXIMUM = 24

# Symptoms of end-organ damage that make a raised blood pressure an emergency
# (CLINICAL.md 1.7): key -> plain words.
HYPERTENSION_SYMPTOMS: Mapping[str, str] = MappingProxyType(
    {
        "chest_pain": "chest pain",
        "severe_headache": "severe headache",
        "visual_change": "a change in vision",
        "neuro_deficit": "a new weakness, numbness or difficulty speaking",
        "dyspnoea": "shortness of breath",
    }
)


class Phase(enum.StrEnum):
    BASELINE = "baseline"
    INFUSION = "infusion"
    RECOVERY = "recovery"

    @property
    def label(self) -> str:
        return {
            Phase.BASELINE: "before the infusion",
            Phase.INFUSION: "during the infusion",
            Phase.RECOVERY: "in recovery",
        }[self]


class Action(enum.StrEnum):
    """What a reading asks for, from the least to the most severe."""

    PROCEED = "proceed"
    ACKNOWLEDGE = "acknowledge"  # a provider acknowledges before the start
    RECHECK = "recheck"  # baseline over the hold limit: re-check after rest
    ALERT = "alert"  # tell the provider; carry on
    HOLD = "hold"  # baseline still over the hold limit: do not start
    PAUSE = "pause"  # pause the pump; provider to the chair
    STOP = "stop"  # stop the infusion; emergency pathway

    @property
    def rank(self) -> int:
        """0 for PROCEED up to 6 for STOP: the higher, the more severe."""
        return _ACTION_ORDER.index(self)

    @property
    def label(self) -> str:
        return {
            Action.PROCEED: "proceed",
            Action.ACKNOWLEDGE: "a provider's acknowledgement is needed",
            Action.RECHECK: "re-check after rest",
            Action.ALERT: "tell the provider",
            Action.HOLD: "hold: do not start",
            Action.PAUSE: "pause",
            Action.STOP: "stop",
        }[self]


_ACTION_ORDER: tuple[Action, ...] = tuple(Action)


# --- Readings ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """One set of observations at the chair; a value not taken is None.

    ``moaas`` is the MOAA/S sedation score (0-5, 5 = responds readily to name),
    ``dissociation`` the CADSS-6 total (0-24), ``symptoms`` keys of
    ``HYPERTENSION_SYMPTOMS``."""

    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    heart_rate_bpm: int | None = None
    spo2_pct: int | None = None
    resp_rate_per_min: int | None = None
    moaas: int | None = None
    dissociation: int | None = None
    symptoms: frozenset[str] = field(default_factory=frozenset)


class ReadingRefused(ValueError):
    """A reading that cannot be true: ``field`` names the input to correct."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class PhysicalRange:
    """The values a measure can physically take (inclusive)."""

    low: int
    high: int
    unit: str
    words: str


# field -> range (SOURCE_PHYSICAL). Wide on purpose: a real reading is never
# refused; a slip of the keyboard (SpO2 190 %, heart rate 0) is.
PHYSICAL_RANGES: Mapping[str, PhysicalRange] = MappingProxyType(
    {
        "systolic_mmhg": PhysicalRange(40, 300, "mmHg", "Systolic pressure"),
        "diastolic_mmhg": PhysicalRange(20, 200, "mmHg", "Diastolic pressure"),
        "heart_rate_bpm": PhysicalRange(20, 300, "beats/min", "Heart rate"),
        "spo2_pct": PhysicalRange(50, 100, "%", "Oxygen saturation"),
        "resp_rate_per_min": PhysicalRange(0, 80, "breaths/min", "Breathing rate"),
        "moaas": PhysicalRange(0, 5, "", "The sedation score (MOAA/S)"),
        "dissociation": PhysicalRange(
            0, DISSOCIATION_MAXIMUM, "", "The dissociation score (CADSS-6)"
        ),
    }
)


def check(
    reading: Reading, *, dissociation_maximum: int = DISSOCIATION_MAXIMUM
) -> None:
    """Refuse a reading that cannot be true, naming the value and its unit."""
    for name, physical in PHYSICAL_RANGES.items():
        value = getattr(reading, name)
        if value is None:
            continue
        high = dissociation_maximum if name == "dissociation" else physical.high
        if isinstance(value, bool) or not isinstance(value, int):
            raise ReadingRefused(
                f"{physical.words} must be a whole number.", field=name
            )
        if not physical.low <= value <= high:
            unit = f" {physical.unit}" if physical.unit else ""
            raise ReadingRefused(
                f"{physical.words} of {value}{unit} is not possible: give a value "
                f"from {physical.low} to {high}{unit}.",
                field=name,
            )
    systolic, diastolic = reading.systolic_mmhg, reading.diastolic_mmhg
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        raise ReadingRefused(
            f"Systolic pressure {systolic} mmHg must be higher than diastolic "
            f"pressure {diastolic} mmHg: check the two are not swapped.",
            field="diastolic_mmhg",
        )
    unknown = reading.symptoms - HYPERTENSION_SYMPTOMS.keys()
    if unknown:
        raise ReadingRefused(
            "Choose symptoms from the list: "
            + ", ".join(HYPERTENSION_SYMPTOMS.values())
            + ".",
            field="symptoms",
        )


# --- Judgement --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One limit crossed: what to do, why in plain words, and the source.

    ``key`` names the rule: ``pre_bp_hold``, ``pre_bp_ack``, ``bp_pause``,
    ``bp_symptoms``, ``symptoms``, ``hr_pause``, ``spo2_pause``, ``spo2_stop``,
    ``moaas_pause``, ``dissociation_alert`` (and ``baseline_hr``,
    ``baseline_spo2``, ``baseline_moaas`` before the start)."""

    action: Action
    key: str
    message: str
    source: str


@dataclass(frozen=True, slots=True)
class Judgement:
    """The worst action any finding asks for, and every finding, worst first."""

    action: Action
    findings: tuple[Finding, ...]

    @property
    def words(self) -> str:
        if not self.findings:
            return "Every reading is within the plan's limits: proceed."
        return " ".join(f"{finding.message}." for finding in self.findings)


def limit_values(limits: Sequence[VitalLimit]) -> dict[str, Decimal]:
    """key -> value of the plan's limits; a key the plan lacks takes the default."""
    values = {limit.key: limit.value for limit in DEFAULT_VITAL_LIMITS}
    values.update({limit.key: limit.value for limit in limits})
    return values


def judge(
    reading: Reading,
    limits: Sequence[VitalLimit],
    phase: Phase,
    *,
    previous: Reading | None = None,
    baseline: Reading | None = None,
    rested: timedelta | None = None,
) -> Judgement:
    """What ``reading`` asks for against the plan's ``limits`` in ``phase``.

    ``previous`` is the reading before this one in the same session (the first
    baseline reading, for a baseline re-check); ``baseline`` the reading taken
    before the start, against which a rise in blood pressure is measured;
    ``rested`` the time from ``previous`` to this reading, when known (a
    baseline re-check taken before the rest is over is no re-check). A
    reading that cannot be true is refused (``ReadingRefused``)."""
    check(reading)
    if previous is not None:
        check(previous)
    if baseline is not None:
        check(baseline)
    values = limit_values(limits)
    if phase is Phase.BASELINE:
        findings = _baseline(reading, values, previous, rested)
    else:
        findings = _during(reading, values, phase, previous, baseline)
    ordered = tuple(sorted(findings, key=lambda f: -f.action.rank))
    worst = ordered[0].action if ordered else Action.PROCEED
    return Judgement(action=worst, findings=ordered)


def _baseline(
    reading: Reading,
    values: Mapping[str, Decimal],
    previous: Reading | None,
    rested: timedelta | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    hold = (values["pre_sbp_hold"], values["pre_dbp_hold"])
    ack = (values["pre_sbp_ack"], values["pre_dbp_ack"])
    bp = _bp(reading)
    rest = timedelta(minutes=RECHECK_MINUTES)
    if (
        previous is not None
        and _bp_at_or_over(previous, hold)
        and rested is not None
        and rested < rest
    ):
        # Whatever it reads, a re-check before the rest is over neither
        # clears the first reading nor confirms it.
        findings.append(
            Finding(
                Action.RECHECK,
                EARLY_RECHECK,
                f"Blood pressure {bp} was taken {_minutes(rested)} after the "
                f"reading of {_bp(previous)}, before {RECHECK_MINUTES} minutes' "
                f"rest: re-check once the patient has rested {RECHECK_MINUTES} "
                "minutes",
                SOURCE_RECHECK,
            )
        )
    elif _bp_at_or_over(reading, hold):
        if previous is not None and _bp_at_or_over(previous, hold):
            findings.append(
                Finding(
                    Action.HOLD,
                    "pre_bp_hold",
                    f"Blood pressure {bp} is still at or above the hold limit of "
                    f"{_pair(hold)} after the re-check (first {_bp(previous)}): "
                    "hold the infusion; a provider reviews",
                    SOURCE_BASELINE,
                )
            )
        else:
            findings.append(
                Finding(
                    Action.RECHECK,
                    "pre_bp_hold",
                    f"Blood pressure {bp} is at or above the hold limit of "
                    f"{_pair(hold)}: re-check after {RECHECK_MINUTES} minutes' rest",
                    SOURCE_BASELINE,
                )
            )
    elif _bp_at_or_over(reading, ack):
        findings.append(
            Finding(
                Action.ACKNOWLEDGE,
                "pre_bp_ack",
                f"Blood pressure {bp} is at or above {_pair(ack)}: proceed only "
                "when a provider acknowledges it",
                SOURCE_BASELINE,
            )
        )
    if reading.symptoms:
        findings.append(
            Finding(
                Action.HOLD,
                "symptoms",
                f"The patient reports {_symptoms(reading.symptoms)} before the "
                "infusion: do not start; a provider sees the patient now",
                SOURCE_HYPERTENSIVE_EMERGENCY,
            )
        )
    hr, spo2, moaas = reading.heart_rate_bpm, reading.spo2_pct, reading.moaas
    if hr is not None and hr > values["hr_pause"]:
        findings.append(
            Finding(
                Action.ALERT,
                "baseline_hr",
                f"Heart rate {hr} beats/min before the infusion is above "
                f"{_n(values['hr_pause'])} beats/min: a provider reviews before "
                "the start",
                SOURCE_HEART_RATE,
            )
        )
    if spo2 is not None and spo2 < values["spo2_pause"]:
        findings.append(
            Finding(
                Action.ALERT,
                "baseline_spo2",
                f"Oxygen saturation {spo2} % before the infusion is below "
                f"{_n(values['spo2_pause'])} %: a provider reviews before the start",
                SOURCE_OXYGEN,
            )
        )
    if moaas is not None and moaas <= values["moaas_pause"]:
        findings.append(
            Finding(
                Action.ALERT,
                "baseline_moaas",
                f"Sedation score (MOAA/S) {moaas} of 5 before the infusion is at or "
                f"below {_n(values['moaas_pause'])}: a provider reviews before the "
                "start",
                SOURCE_SEDATION,
            )
        )
    return findings


def _during(
    reading: Reading,
    values: Mapping[str, Decimal],
    phase: Phase,
    previous: Reading | None,
    baseline: Reading | None,
) -> list[Finding]:
    findings: list[Finding] = []
    running = phase is Phase.INFUSION
    pause_words = (
        "pause the pump, re-check in 5 minutes, provider to the chair"
        if running
        else "keep the patient in recovery, re-check in 5 minutes, provider to "
        "the chair"
    )
    pause = (values["sbp_pause"], values["dbp_pause"])
    bp = _bp(reading)
    if _bp_at_or_over(reading, pause):
        findings.append(
            Finding(
                Action.PAUSE,
                "bp_pause",
                f"Blood pressure {bp} is at or above the pause limit of "
                f"{_pair(pause)}: {pause_words}",
                SOURCE_BP_PAUSE,
            )
        )
    if reading.symptoms:
        symptoms = _symptoms(reading.symptoms)
        rise = _bp_rise(reading, values, previous, baseline)
        if rise is not None:
            stop_words = (
                "stop the infusion and start the emergency pathway"
                if running
                else "start the emergency pathway"
            )
            findings.append(
                Finding(
                    Action.STOP,
                    "bp_symptoms",
                    f"Blood pressure {bp} {rise} and the patient reports "
                    f"{symptoms}: {stop_words}",
                    SOURCE_HYPERTENSIVE_EMERGENCY,
                )
            )
        else:
            unknown = reading.systolic_mmhg is None and reading.diastolic_mmhg is None
            what = (
                "measure blood pressure now"
                if unknown
                else "re-check blood pressure in 5 minutes"
            )
            findings.append(
                Finding(
                    Action.PAUSE,
                    "symptoms",
                    f"The patient reports {symptoms}: {pause_words}; {what}",
                    SOURCE_HYPERTENSIVE_EMERGENCY,
                )
            )
    hr = reading.heart_rate_bpm
    hr_limit = values["hr_pause"]
    if hr is not None and hr > hr_limit:
        before = previous.heart_rate_bpm if previous is not None else None
        if before is not None and before > hr_limit:
            findings.append(
                Finding(
                    Action.PAUSE,
                    "hr_pause",
                    f"Heart rate {hr} beats/min stays above {_n(hr_limit)} beats/min "
                    f"(before: {before} beats/min): {pause_words}",
                    SOURCE_HEART_RATE,
                )
            )
        else:
            findings.append(
                Finding(
                    Action.ALERT,
                    "hr_pause",
                    f"Heart rate {hr} beats/min is above {_n(hr_limit)} beats/min: "
                    f"tell the provider and re-check in {RECHECK_MINUTES} minutes",
                    SOURCE_HEART_RATE,
                )
            )
    spo2 = reading.spo2_pct
    if spo2 is not None:
        stop, low = values["spo2_stop"], values["spo2_pause"]
        before = previous.spo2_pct if previous is not None else None
        oxygen = "stimulate by voice and touch, give oxygen"
        if spo2 < stop and before is not None and before < stop:
            findings.append(
                Finding(
                    Action.STOP,
                    "spo2_stop",
                    f"Oxygen saturation {spo2} % stays below {_n(stop)} % (before: "
                    f"{before} %): "
                    + ("stop the infusion, " if running else "")
                    + "support the airway, provider to the chair",
                    SOURCE_OXYGEN,
                )
            )
        elif spo2 < low:
            findings.append(
                Finding(
                    Action.PAUSE,
                    "spo2_pause",
                    f"Oxygen saturation {spo2} % is below {_n(low)} %: {oxygen}; "
                    f"{pause_words}"
                    + (
                        f"; if it stays below {_n(stop)} %, stop and support the airway"
                        if spo2 < stop
                        else ""
                    ),
                    SOURCE_OXYGEN,
                )
            )
    moaas = reading.moaas
    if moaas is not None and moaas <= values["moaas_pause"]:
        findings.append(
            Finding(
                Action.PAUSE,
                "moaas_pause",
                f"Sedation score (MOAA/S) {moaas} of 5 is at or below "
                f"{_n(values['moaas_pause'])} (responds only to a loud voice or "
                f"less): {pause_words}",
                SOURCE_SEDATION,
            )
        )
    dissociation = reading.dissociation
    if dissociation is not None and dissociation >= values["dissociation_alert"]:
        findings.append(
            Finding(
                Action.ALERT,
                "dissociation_alert",
                f"Dissociation score (CADSS-6) {dissociation} of "
                f"{DISSOCIATION_MAXIMUM} is at or above "
                f"{_n(values['dissociation_alert'])}: tell the provider; slow or "
                "pause if distressing, calm the room, as-needed benzodiazepine per "
                "standing order",
                SOURCE_DISSOCIATION,
            )
        )
    return findings


def _bp_rise(
    reading: Reading,
    values: Mapping[str, Decimal],
    previous: Reading | None,
    baseline: Reading | None,
) -> str | None:
    """How blood pressure has risen, in words, or None: higher than before the
    infusion or than the reading before, or at or above the acknowledgement
    limit (raised whatever the comparison)."""
    for earlier, words in (
        (baseline, "before the infusion"),
        (previous, "at the reading before"),
    ):
        if earlier is None:
            continue
        if _higher(reading.systolic_mmhg, earlier.systolic_mmhg) or _higher(
            reading.diastolic_mmhg, earlier.diastolic_mmhg
        ):
            return f"has risen from {_bp(earlier)} {words}"
    ack = (values["pre_sbp_ack"], values["pre_dbp_ack"])
    if _bp_at_or_over(reading, ack):
        return f"is raised (at or above {_pair(ack)})"
    return None


def _higher(now: int | None, before: int | None) -> bool:
    return now is not None and before is not None and now > before


def _bp_at_or_over(reading: Reading, limits: tuple[Decimal, Decimal]) -> bool:
    systolic, diastolic = reading.systolic_mmhg, reading.diastolic_mmhg
    return (systolic is not None and systolic >= limits[0]) or (
        diastolic is not None and diastolic >= limits[1]
    )


def _bp(reading: Reading) -> str:
    systolic, diastolic = reading.systolic_mmhg, reading.diastolic_mmhg
    if systolic is not None and diastolic is not None:
        return f"{systolic}/{diastolic} mmHg"
    if systolic is not None:
        return f"systolic {systolic} mmHg"
    if diastolic is not None:
        return f"diastolic {diastolic} mmHg"
    return "not measured"


def _minutes(span: timedelta) -> str:
    """2 minutes, 1 minute, less than a minute."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _pair(limits: tuple[Decimal, Decimal]) -> str:
    return f"{_n(limits[0])}/{_n(limits[1])} mmHg"


def _symptoms(keys: frozenset[str]) -> str:
    words = [HYPERTENSION_SYMPTOMS[key] for key in HYPERTENSION_SYMPTOMS if key in keys]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


# --- When the next reading is due (CLINICAL.md 1.6) -------------------------------


@dataclass(frozen=True, slots=True)
class Intervals:
    """Minutes between blood-pressure readings in each phase (SOURCE_INTERVALS);
    ``recheck_minutes`` is the rest before a baseline re-check."""

    infusion_minutes: int = 10
    recovery_minutes: int = 15
    recheck_minutes: int = RECHECK_MINUTES

    def __post_init__(self) -> None:
        for name in ("infusion_minutes", "recovery_minutes", "recheck_minutes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than 0 minutes")

    def minutes(self, phase: Phase) -> int:
        return {
            Phase.BASELINE: self.recheck_minutes,
            Phase.INFUSION: self.infusion_minutes,
            Phase.RECOVERY: self.recovery_minutes,
        }[phase]


DEFAULT_INTERVALS = Intervals()


def next_check_due(
    last_at: datetime | None,
    phase: Phase,
    started_at: datetime,
    intervals: Intervals = DEFAULT_INTERVALS,
) -> datetime:
    """When the next reading of ``phase`` is due.

    ``started_at`` is when the phase began (arrival at the chair, the pump's
    start, the pump's stop). The first reading of a phase is due when it begins
    (a reading from an earlier phase does not count); after that, one interval
    after the last reading. Before the infusion the interval is the rest before
    a re-check."""
    if last_at is None or last_at < started_at:
        return started_at
    return last_at + timedelta(minutes=intervals.minutes(phase))


def is_overdue(
    last_at: datetime | None,
    phase: Phase,
    started_at: datetime,
    now: datetime,
    intervals: Intervals = DEFAULT_INTERVALS,
) -> bool:
    """True once ``now`` is past the time the next reading was due."""
    return now > next_check_due(last_at, phase, started_at, intervals)


__all__ = [
    "DEFAULT_INTERVALS",
    "DISSOCIATION_MAXIMUM",
    "HYPERTENSION_SYMPTOMS",
    "PHYSICAL_RANGES",
    "EARLY_RECHECK",
    "RECHECK_MINUTES",
    "SOURCE_BASELINE",
    "SOURCE_BP_PAUSE",
    "SOURCE_DISSOCIATION",
    "SOURCE_HEART_RATE",
    "SOURCE_HYPERTENSIVE_EMERGENCY",
    "SOURCE_INTERVALS",
    "SOURCE_OXYGEN",
    "SOURCE_PHYSICAL",
    "SOURCE_RECHECK",
    "SOURCE_SEDATION",
    "SOURCE_VITAL_LIMITS",
    "Action",
    "Finding",
    "Intervals",
    "Judgement",
    "Phase",
    "PhysicalRange",
    "Reading",
    "ReadingRefused",
    "check",
    "is_overdue",
    "is_early_recheck",
    "judge",
    "limit_values",
    "next_check_due",
]
