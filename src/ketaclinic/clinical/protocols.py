"""Protocol defaults as data: the induction series, the chronic pain and CRPS
protocols and the maintenance boosters of CLINICAL.md 1.1-1.3, 2.1-2.3 and 7, each
part with its source.

These are the defaults a clinic starts from; its medical director edits them
(CLINICAL.md, framing: IV ketamine for these indications is off-label and no
guideline fixes doses or intervals). Nothing here is a standard: a source marked
GK was not checked against the primary document.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from ketaclinic.clinical.dosing import DoseLimits
from ketaclinic.clinical.maintenance import (
    ANXIETY_POLICY,
    CHRONIC_PAIN_POLICY,
    DEPRESSION_POLICY,
    PTSD_POLICY,
    MaintenancePolicy,
)

SODIUM_CHLORIDE_0_9 = "0.9% sodium chloride"


class Phase(enum.StrEnum):
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"


class DoseUnit(enum.StrEnum):
    """How the dose is ordered: per infusion (mg/kg over the infusion) or per
    hour (mg/kg/h, with an hourly cap in mg/h)."""

    MG_PER_KG = "mg/kg"
    MG_PER_KG_PER_H = "mg/kg/h"


@dataclass(frozen=True, slots=True)
class Series:
    """How many infusions, within how many days, how far apart.

    ``min_days_apart``: calendar days between two infusion dates (2: never on
    consecutive days; 1: daily). ``min_hours_apart``: None when only the dates
    matter.
    """

    infusions: int
    within_days: int
    min_days_apart: int
    min_hours_apart: int | None
    source: str

    def __post_init__(self) -> None:
        if self.infusions < 1 or self.min_days_apart < 0:
            raise ValueError(
                "A series needs one infusion or more, at 0 days apart or more."
            )
        if (self.infusions - 1) * self.min_days_apart >= self.within_days:
            raise ValueError(
                "The series cannot fit: too many infusions for its window."
            )


@dataclass(frozen=True, slots=True)
class TitrationStep:
    """Raise the dose to ``mg_per_kg`` when there is no response after
    ``after_infusions`` infusions."""

    after_infusions: int
    amount_per_kg: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class Protocol:
    key: str
    name: str
    indication: str  # as screening.INDICATIONS
    phase: Phase
    dose_unit: DoseUnit
    amount_per_kg: Decimal  # mg/kg, or mg/kg/h
    limits: DoseLimits  # usual range and hard maximum per kg; cap in mg or mg/h
    minutes: int
    bag_volume_ml: Decimal
    diluent: str
    series: Series
    recovery_minutes: int
    maintenance: MaintenancePolicy
    source: str  # for the dose, duration and bag
    recovery_source: str
    titration: tuple[TitrationStep, ...] = ()

    def __post_init__(self) -> None:
        if not self.limits.usual_low <= self.amount_per_kg <= self.limits.usual_high:
            raise ValueError(f"{self.name}: the dose is outside its usual range.")
        for step in self.titration:
            if not self.amount_per_kg < step.amount_per_kg <= self.limits.usual_high:
                raise ValueError(
                    f"{self.name}: a titration step must raise the dose within the "
                    "usual range."
                )
        if self.minutes <= 0 or self.bag_volume_ml < 0:
            raise ValueError(f"{self.name}: a duration and a bag volume are needed.")
        if self.recovery_minutes < RECOVERY_MINUTES_MIN:
            raise ValueError(
                f"{self.name}: recovery lasts at least {RECOVERY_MINUTES_MIN} minutes."
            )


# --- Sources ----------------------------------------------------------------------

SOURCE_DEPRESSION_DOSE = (
    "CLINICAL.md 1.1: Sanacora et al., JAMA Psychiatry 2017 (0.5 mg/kg IV over "
    "40 min); CLINICAL.md 7: 0.5 mg/kg in 100 mL 0.9% NaCl over 40 min "
    "(mecp.springeropen.com 2024; common practice)"
)
SOURCE_IV_RANGE = (
    "CLINICAL.md 1.1: Andrade 2017 (usually 0.5 mg/kg; some respond to 0.1 mg/kg, "
    "some need up to 0.75 mg/kg); hard maximum 1.0 mg/kg, the highest single dose "
    "in the dose-ranging trial (Fava et al., Mol Psychiatry, NCT01920555), clinic "
    "policy. No cap in mg: none in any guideline (CLINICAL.md 1.3)"
)
SOURCE_DEPRESSION_SERIES = (
    "CLINICAL.md 1.2: six infusions over about two weeks, often Monday, Wednesday "
    "and Friday (altasano.com, ketamine-infusion.com, nyketamine.com; Murrough et "
    "al. 2013, GK), alternate days (mecp.springeropen.com 2024); a three-week "
    "window leaves room for the schedule (clinic policy)"
)
SOURCE_DEPRESSION_TITRATION = (
    "CLINICAL.md 1.1: Andrade 2017 (some need up to 0.75 mg/kg); 0.75 mg/kg after "
    "two infusions without response is clinic policy"
)
SOURCE_RECOVERY_40_MIN = (
    "CLINICAL.md 3: 30 min post-infusion monitoring (the clinic's patient page); "
    "20-30 min after 40-min infusions (ketwell.com; ketamine-infusion.com)"
)
SOURCE_RECOVERY_LONG = (
    "CLINICAL.md 2.2 and 3: about 1 h of recovery after infusions of 2 h or more "
    "(jirahanesthesia.com; ketwell.com)"
)
SOURCE_PTSD_DOSE = (
    "CLINICAL.md 2.3: Feder et al., Am J Psychiatry 2021 (0.5 mg/kg over 40 min); "
    "bag as CLINICAL.md 7"
)
SOURCE_PTSD_RANGE = (
    "CLINICAL.md 2.3: 0.2 and 0.5 mg/kg studied (Abdallah et al. 2022; Feder et "
    "al. 2021); hard maximum as for depression (Fava et al., clinic policy)"
)
SOURCE_PTSD_SERIES = (
    "CLINICAL.md 1.2 and 2.3: six infusions, three times a week for two weeks "
    "(Feder et al. 2021); a three-week window leaves room (clinic policy)"
)
SOURCE_ANXIETY_DOSE = (
    "CLINICAL.md 2.3: Taylor et al. 2018 (social anxiety, 0.5 mg/kg IV over "
    "40 min); bag as CLINICAL.md 7"
)
SOURCE_ANXIETY_RANGE = (
    "CLINICAL.md 2.3: Glue et al. 2017 (0.25, 0.5 and 1 mg/kg, subcutaneous); "
    "hard maximum 1.0 mg/kg (Glue 2017's highest dose), clinic policy"
)
SOURCE_ANXIETY_SERIES = (
    "Same shape as the depression series (clinic policy, GK): no IV series for "
    "anxiety in CLINICAL.md 2.3 (Glue 2018 dosed once or twice weekly)"
)
SOURCE_ANXIETY_TITRATION = (
    "CLINICAL.md 2.3: Glue et al. 2017 raised the dose when there was no "
    "response; 0.75 mg/kg after two infusions is clinic policy"
)
SOURCE_CRPS_DOSE = (
    "CLINICAL.md 2.2: Schwartzman et al., Pain 2009 (NCT00579085): 100 mL NS at "
    "25 mL/h for 4 h; at most 0.35 mg/kg/h, never over 25 mg/h; CLINICAL.md 2.1: "
    "Cohen et al. 2018 (0.35 mg/kg/h over 4 h daily for 10 days, moderate evidence)"
)
SOURCE_CRPS_RANGE = (
    "CLINICAL.md 2.2: 0.1-0.35 mg/kg/h (scirp.org 110498); hard maximum 0.42 "
    "mg/kg/h, the highest hourly rate in Cohen et al. 2018's evidence (CLINICAL.md "
    "2.1), clinic policy; cap 25 mg/h (Schwartzman)"
)
SOURCE_CRPS_SERIES = (
    "CLINICAL.md 2.1-2.2: 4 h daily for 10 days (Schwartzman 2009; Cohen 2018); "
    "a two-week window allows weekdays only (clinic policy)"
)
SOURCE_PAIN_SHORT_DOSE = (
    "CLINICAL.md 2.2: Tankha et al., Reg Anesth Pain Med 2025 (Cleveland Clinic, "
    "n=1,034): 0.5 mg/kg over 40 min on 5 consecutive days; bag as CLINICAL.md 7"
)
SOURCE_PAIN_SHORT_SERIES = (
    "CLINICAL.md 2.2: 5 consecutive days (Tankha et al. 2025); a one-week window"
)
SOURCE_BOOSTER = (
    "CLINICAL.md 1.2: single 'booster' infusions (nyketamine.com; "
    "principiumpsychiatry.com), at the induction dose (clinic policy)"
)

# The clinic's patient page promises 30 minutes of monitoring after an infusion
# (CLINICAL.md 3); no protocol may plan less.
RECOVERY_MINUTES_MIN = 30

# --- The protocols ----------------------------------------------------------------

_IV_40_MIN_LIMITS = DoseLimits(
    usual_low=Decimal("0.1"),
    usual_high=Decimal("0.75"),
    hard_max=Decimal("1.0"),
    source=SOURCE_IV_RANGE,
)
_SIX_IN_THREE_WEEKS = Series(
    infusions=6,
    within_days=21,
    min_days_apart=2,
    min_hours_apart=48,
    source=SOURCE_DEPRESSION_SERIES,
)

DEPRESSION_INDUCTION = Protocol(
    key="depression_induction",
    name="Depression: induction series",
    indication="depression",
    phase=Phase.INDUCTION,
    dose_unit=DoseUnit.MG_PER_KG,
    amount_per_kg=Decimal("0.5"),
    limits=_IV_40_MIN_LIMITS,
    minutes=40,
    bag_volume_ml=Decimal(100),
    diluent=SODIUM_CHLORIDE_0_9,
    series=_SIX_IN_THREE_WEEKS,
    titration=(
        TitrationStep(
            after_infusions=2,
            amount_per_kg=Decimal("0.75"),
            source=SOURCE_DEPRESSION_TITRATION,
        ),
    ),
    recovery_minutes=30,
    maintenance=DEPRESSION_POLICY,
    source=SOURCE_DEPRESSION_DOSE,
    recovery_source=SOURCE_RECOVERY_40_MIN,
)
PTSD_INDUCTION = Protocol(
    key="ptsd_induction",
    name="PTSD: induction series",
    indication="ptsd",
    phase=Phase.INDUCTION,
    dose_unit=DoseUnit.MG_PER_KG,
    amount_per_kg=Decimal("0.5"),
    limits=DoseLimits(
        usual_low=Decimal("0.2"),
        usual_high=Decimal("0.5"),
        hard_max=Decimal("1.0"),
        source=SOURCE_PTSD_RANGE,
    ),
    minutes=40,
    bag_volume_ml=Decimal(100),
    diluent=SODIUM_CHLORIDE_0_9,
    series=dataclasses.replace(_SIX_IN_THREE_WEEKS, source=SOURCE_PTSD_SERIES),
    recovery_minutes=30,
    maintenance=PTSD_POLICY,
    source=SOURCE_PTSD_DOSE,
    recovery_source=SOURCE_RECOVERY_40_MIN,
)
ANXIETY_INDUCTION = Protocol(
    key="anxiety_induction",
    name="Anxiety: induction series",
    indication="anxiety",
    phase=Phase.INDUCTION,
    dose_unit=DoseUnit.MG_PER_KG,
    amount_per_kg=Decimal("0.5"),
    limits=DoseLimits(
        usual_low=Decimal("0.25"),
        usual_high=Decimal("0.75"),
        hard_max=Decimal("1.0"),
        source=SOURCE_ANXIETY_RANGE,
    ),
    minutes=40,
    bag_volume_ml=Decimal(100),
    diluent=SODIUM_CHLORIDE_0_9,
    series=dataclasses.replace(_SIX_IN_THREE_WEEKS, source=SOURCE_ANXIETY_SERIES),
    titration=(
        TitrationStep(
            after_infusions=2,
            amount_per_kg=Decimal("0.75"),
            source=SOURCE_ANXIETY_TITRATION,
        ),
    ),
    recovery_minutes=30,
    maintenance=ANXIETY_POLICY,
    source=SOURCE_ANXIETY_DOSE,
    recovery_source=SOURCE_RECOVERY_40_MIN,
)
CRPS_HOURLY = Protocol(
    key="crps_hourly",
    name="Chronic pain and CRPS: 4-hour infusions, 10 days",
    indication="chronic_pain",
    phase=Phase.INDUCTION,
    dose_unit=DoseUnit.MG_PER_KG_PER_H,
    amount_per_kg=Decimal("0.35"),
    limits=DoseLimits(
        usual_low=Decimal("0.1"),
        usual_high=Decimal("0.35"),
        hard_max=Decimal("0.42"),
        cap=Decimal(25),  # mg/h
        source=SOURCE_CRPS_RANGE,
    ),
    minutes=240,
    bag_volume_ml=Decimal(100),
    diluent=SODIUM_CHLORIDE_0_9,
    series=Series(
        infusions=10,
        within_days=14,
        min_days_apart=1,
        min_hours_apart=None,
        source=SOURCE_CRPS_SERIES,
    ),
    recovery_minutes=60,
    maintenance=CHRONIC_PAIN_POLICY,
    source=SOURCE_CRPS_DOSE,
    recovery_source=SOURCE_RECOVERY_LONG,
)
CHRONIC_PAIN_DAILY_40_MIN = Protocol(
    key="chronic_pain_daily_40_min",
    name="Chronic pain: 40-minute infusions, 5 days",
    indication="chronic_pain",
    phase=Phase.INDUCTION,
    dose_unit=DoseUnit.MG_PER_KG,
    amount_per_kg=Decimal("0.5"),
    limits=_IV_40_MIN_LIMITS,
    minutes=40,
    bag_volume_ml=Decimal(100),
    diluent=SODIUM_CHLORIDE_0_9,
    series=Series(
        infusions=5,
        within_days=7,
        min_days_apart=1,
        min_hours_apart=None,
        source=SOURCE_PAIN_SHORT_SERIES,
    ),
    recovery_minutes=30,
    maintenance=CHRONIC_PAIN_POLICY,
    source=SOURCE_PAIN_SHORT_DOSE,
    recovery_source=SOURCE_RECOVERY_40_MIN,
)

_SINGLE_BOOSTER = Series(
    infusions=1,
    within_days=1,
    min_days_apart=0,
    min_hours_apart=None,
    source=SOURCE_BOOSTER,
)


def booster_of(induction: Protocol) -> Protocol:
    """The maintenance booster that follows an induction protocol: one infusion
    at the induction dose, spaced by the indication's maintenance policy."""
    return dataclasses.replace(
        induction,
        key=induction.key.replace("induction", "maintenance").replace(
            "hourly", "hourly_maintenance"
        ),
        name=f"{induction.name.split(':')[0]}: maintenance booster",
        phase=Phase.MAINTENANCE,
        series=_SINGLE_BOOSTER,
        titration=(),
    )


INDUCTION_PROTOCOLS = (
    DEPRESSION_INDUCTION,
    PTSD_INDUCTION,
    ANXIETY_INDUCTION,
    CRPS_HOURLY,
    CHRONIC_PAIN_DAILY_40_MIN,
)
MAINTENANCE_PROTOCOLS = tuple(
    booster_of(protocol)
    for protocol in (
        DEPRESSION_INDUCTION,
        PTSD_INDUCTION,
        ANXIETY_INDUCTION,
        CRPS_HOURLY,
    )
)
PROTOCOLS: Mapping[str, Protocol] = MappingProxyType(
    {protocol.key: protocol for protocol in INDUCTION_PROTOCOLS + MAINTENANCE_PROTOCOLS}
)


__all__ = [
    "ANXIETY_INDUCTION",
    "CHRONIC_PAIN_DAILY_40_MIN",
    "CRPS_HOURLY",
    "DEPRESSION_INDUCTION",
    "INDUCTION_PROTOCOLS",
    "MAINTENANCE_PROTOCOLS",
    "PROTOCOLS",
    "PTSD_INDUCTION",
    "RECOVERY_MINUTES_MIN",
    "DoseUnit",
    "Phase",
    "Protocol",
    "Series",
    "TitrationStep",
    "booster_of",
]
