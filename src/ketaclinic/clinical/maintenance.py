"""The next maintenance interval, from a patient's scores and the clinic's policy.

No validated rule exists for spacing maintenance infusions (CLINICAL.md 1.2 and
"Biggest uncertainties" 6): the evidence is Level 3 (CANMAT 2021), and the advice
is to "dose a little before the effect of the previous session is expected to wear
off" (Andrade 2017). So the rule here is clinic policy, stated in the open and
configurable per indication (``MaintenancePolicy``):

- no interval yet: the policy's starting interval;
- still responding and no worse than last time: lengthen (a step in days, or a
  factor), up to the cap;
- no longer responding, or worse by at least the instrument's meaningful change:
  shorten, down to the floor;
- a smaller rise, no score since treatment began, or a response that cannot be
  judged: keep the interval.

Response is judged against the score before treatment with the instrument's outcome
definition (``scales.change``, CLINICAL.md 5.2); "worse" compares the latest score
with the one before it. Every score here counts higher as worse (PHQ-9, GAD-7,
PCL-5, pain NRS, BPI). The proposal says why, in plain words; a clinician decides.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from ketaclinic.clinical.scales import (
    BPI,
    GAD7,
    PAIN_IMPORTANT_DROP_POINTS,
    PAIN_NRS,
    PCL5,
    PCL5_MEANINGFUL_DROP_POINTS,
    PHQ9,
    Instrument,
    OutcomeDefinition,
    Score,
    ScoringKind,
    change,
)

DAYS_PER_MONTH = Decimal("30.44")  # 365.25 / 12, for "about N months"
MONTHS_FROM_DAYS = 91  # from a quarter of a year, an interval also reads in months

# --- Sources ----------------------------------------------------------------------

SOURCE_NO_ALGORITHM = (
    "CLINICAL.md 1.2: no validated interval-lengthening algorithm; a clinic-defined "
    "policy. Evidence for maintenance Level 3 only (CANMAT 2021); Andrade 2017 "
    "(J Clin Psychiatry 2017;78(7):e852-7): dose a little before the effect of the "
    "previous session is expected to wear off"
)
SOURCE_DEPRESSION = (
    f"{SOURCE_NO_ALGORITHM}. Start 4 weeks: boosters every 3-4 weeks or on symptom "
    "return (principiumpsychiatry.com), relief between boosters 4-6 weeks on "
    "average (nyketamine.com); cap 13 weeks: for some patients every other month, "
    "every 3 months (nyketamine.com); floor 2 weeks: median time to relapse about "
    "18 days after six infusions (Murrough et al., Biol Psychiatry 2013, GK)"
)
SOURCE_PTSD = (
    f"{SOURCE_NO_ALGORITHM}. Start 3 weeks: median 27.5 days to loss of response "
    "after six infusions (Feder et al., Am J Psychiatry 2021, CLINICAL.md 2.3); "
    "floor, cap and steps as for depression (clinic policy)"
)
SOURCE_ANXIETY = (
    f"{SOURCE_NO_ALGORITHM}. Start 2 weeks, floor 1 week: anxiety relief lasted up "
    "to 7 days after a dose (Glue 2017), dosing once or twice weekly (Glue 2018), "
    "CLINICAL.md 2.3; cap as for depression (clinic policy)"
)
SOURCE_CHRONIC_PAIN = (
    f"{SOURCE_NO_ALGORITHM}. Start 8 weeks: CRPS improvement up to 12 weeks (Cohen "
    "et al. 2018, CLINICAL.md 2.1), relief lost by week 12 (Sigtermans 2009, "
    "CLINICAL.md 2.2); cap about 11 months: the clinic's promise for chronic pain, "
    "to be implemented as clinic policy (CLINICAL.md 1.2)"
)
SOURCE_WORSENING = (
    "A rise that counts as worse: PHQ-9 5 points (Löwe et al., Med Care "
    "2004;42:1194, GK); GAD-7 4 points (Toussaint et al. 2020, GK); PCL-5 10 points "
    "(clinically meaningful 10-20, CLINICAL.md 5.1); pain NRS and BPI severity "
    "2 points (about 2 points clinically important, IMMPACT, CLINICAL.md 5.2)"
)

# A rise of at least this many points since the last score counts as worse.
PHQ9_WORSE_POINTS = Decimal(5)
GAD7_WORSE_POINTS = Decimal(4)
WORSE_POINTS_DEFAULT: Mapping[str, Decimal] = MappingProxyType(
    {
        PHQ9.code: PHQ9_WORSE_POINTS,
        GAD7.code: GAD7_WORSE_POINTS,
        PCL5.code: PCL5_MEANINGFUL_DROP_POINTS,
        PAIN_NRS.code: PAIN_IMPORTANT_DROP_POINTS,
        BPI.code: PAIN_IMPORTANT_DROP_POINTS,
    }
)


@dataclass(frozen=True, slots=True)
class MaintenancePolicy:
    """How one indication's maintenance interval moves, in days.

    Lengthening gives ``ceil(current x lengthen_factor) + lengthen_step_days``,
    shortening ``floor(current x shorten_factor) - shorten_step_days``; both are
    kept within ``floor_days`` .. ``cap_days``.
    """

    indication: str
    start_days: int
    floor_days: int
    cap_days: int
    lengthen_step_days: int
    shorten_step_days: int
    source: str
    lengthen_factor: Decimal = Decimal(1)
    shorten_factor: Decimal = Decimal(1)
    worse_points: Mapping[str, Decimal] = field(
        default_factory=lambda: WORSE_POINTS_DEFAULT
    )

    def __post_init__(self) -> None:
        if not 0 < self.floor_days <= self.start_days <= self.cap_days:
            raise ValueError(
                "A maintenance policy needs 0 < shortest <= starting <= longest "
                "interval."
            )
        if self.lengthen_step_days < 0 or self.shorten_step_days < 0:
            raise ValueError("Maintenance steps must be 0 days or more.")
        if not self.lengthen_factor >= 1:
            raise ValueError("The lengthening factor must be 1 or more.")
        if not 0 < self.shorten_factor <= 1:
            raise ValueError("The shortening factor must be more than 0, at most 1.")
        if self.lengthen_step_days == 0 and self.lengthen_factor == 1:
            raise ValueError("Lengthening must lengthen: give a step or a factor.")
        if self.shorten_step_days == 0 and self.shorten_factor == 1:
            raise ValueError("Shortening must shorten: give a step or a factor.")

    def within(self, days: int) -> int:
        return min(max(days, self.floor_days), self.cap_days)

    def lengthened(self, days: int) -> int:
        longer = math.ceil(days * self.lengthen_factor) + self.lengthen_step_days
        return self.within(longer)

    def shortened(self, days: int) -> int:
        shorter = math.floor(days * self.shorten_factor) - self.shorten_step_days
        return self.within(shorter)


DEPRESSION_POLICY = MaintenancePolicy(
    indication="depression",
    start_days=28,
    floor_days=14,
    cap_days=91,
    lengthen_step_days=14,
    shorten_step_days=7,
    source=SOURCE_DEPRESSION,
)
PTSD_POLICY = MaintenancePolicy(
    indication="ptsd",
    start_days=21,
    floor_days=14,
    cap_days=91,
    lengthen_step_days=14,
    shorten_step_days=7,
    source=SOURCE_PTSD,
)
ANXIETY_POLICY = MaintenancePolicy(
    indication="anxiety",
    start_days=14,
    floor_days=7,
    cap_days=91,
    lengthen_step_days=7,
    shorten_step_days=7,
    source=SOURCE_ANXIETY,
)
CHRONIC_PAIN_POLICY = MaintenancePolicy(
    indication="chronic_pain",
    start_days=56,
    floor_days=28,
    cap_days=335,  # about 11 months
    lengthen_step_days=28,
    shorten_step_days=14,
    source=SOURCE_CHRONIC_PAIN,
)
DEFAULT_POLICIES: Mapping[str, MaintenancePolicy] = MappingProxyType(
    {
        policy.indication: policy
        for policy in (
            DEPRESSION_POLICY,
            PTSD_POLICY,
            ANXIETY_POLICY,
            CHRONIC_PAIN_POLICY,
        )
    }
)


class PolicyRefused(ValueError):
    """A maintenance policy that cannot be used: ``field`` names the value."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# The values of a policy a clinic sets and a plan or protocol stores, in days.
POLICY_FIELDS = (
    "start_days",
    "floor_days",
    "cap_days",
    "lengthen_step_days",
    "shorten_step_days",
)


def policy_from(
    values: Mapping[str, object], *, base: MaintenancePolicy
) -> MaintenancePolicy:
    """A policy from stored or typed values (field -> days) over ``base``, or a
    refusal in plain words naming the value: not a whole number of days, a
    shortest interval of 0, shortest > first > longest, a negative step, or a
    step of 0 where the policy has no factor to move the interval."""
    days: dict[str, int] = {}
    for name in POLICY_FIELDS:
        typed = values.get(name)
        if typed is None or str(typed).strip() == "":
            days[name] = getattr(base, name)
            continue
        try:
            number = Decimal(str(typed).strip())
        except ArithmeticError:
            number = Decimal("NaN")
        if not number.is_finite() or number != number.to_integral_value():
            raise PolicyRefused("Give a whole number of days.", field=name)
        days[name] = int(number)
    if days["floor_days"] <= 0:
        raise PolicyRefused(
            "The shortest interval must be at least 1 day.", field="floor_days"
        )
    if days["start_days"] < days["floor_days"]:
        raise PolicyRefused(
            f"The first interval of {plain_days(days['start_days'])} is shorter "
            f"than the shortest of {plain_days(days['floor_days'])}.",
            field="start_days",
        )
    if days["cap_days"] < days["start_days"]:
        raise PolicyRefused(
            f"The longest interval of {plain_days(days['cap_days'])} is shorter "
            f"than the first of {plain_days(days['start_days'])}.",
            field="cap_days",
        )
    for name in ("lengthen_step_days", "shorten_step_days"):
        if days[name] < 0:
            raise PolicyRefused("A step is 0 days or more.", field=name)
    if days["lengthen_step_days"] == 0 and base.lengthen_factor == 1:
        raise PolicyRefused(
            "Give a step of at least 1 day, or the interval never lengthens.",
            field="lengthen_step_days",
        )
    if days["shorten_step_days"] == 0 and base.shorten_factor == 1:
        raise PolicyRefused(
            "Give a step of at least 1 day, or the interval never shortens.",
            field="shorten_step_days",
        )
    source = values.get("source")
    return MaintenancePolicy(
        indication=base.indication,
        source=str(source) if source else base.source,
        lengthen_factor=base.lengthen_factor,
        shorten_factor=base.shorten_factor,
        worse_points=base.worse_points,
        **days,
    )


def policy_record(policy: MaintenancePolicy) -> dict[str, str | int]:
    """What a protocol or plan stores of a policy."""
    return {
        "indication": policy.indication,
        **{name: getattr(policy, name) for name in POLICY_FIELDS},
        "source": policy.source,
    }


@dataclass(frozen=True, slots=True)
class DatedScore:
    on: date
    score: Score


class Direction(enum.StrEnum):
    START = "start"
    LENGTHEN = "lengthen"
    KEEP = "keep"
    SHORTEN = "shorten"


@dataclass(frozen=True, slots=True)
class IntervalProposal:
    """The proposed interval, what it changes, and why."""

    interval_days: int
    previous_days: int | None
    direction: Direction
    reason: str
    due_on: date | None  # the last infusion plus the interval, when given
    source: str

    @property
    def interval_shown(self) -> str:
        return plain_days(self.interval_days)


_ProposalMaker = Callable[[int, Direction, str], IntervalProposal]


def propose_interval(
    history: Sequence[DatedScore],
    *,
    instrument: Instrument,
    policy: MaintenancePolicy,
    current_days: int | None = None,
    last_infusion_on: date | None = None,
    baseline: DatedScore | None = None,
    definition: OutcomeDefinition | None = None,
) -> IntervalProposal:
    """The next maintenance interval from ``history`` (one instrument's scores,
    any order) and ``policy``.

    ``baseline`` is the score before treatment (default: the earliest in
    ``history``); ``current_days`` the interval in force (None: none yet);
    ``definition`` the response definition (default: the instrument's).
    """
    if instrument.scoring is ScoringKind.CSSRS:
        raise ValueError(
            f"{instrument.name} gives a risk level, not a score to follow."
        )
    dated = sorted(history, key=lambda item: item.on)
    if baseline is None and dated:
        baseline = dated[0]
    follow_ups = [item for item in dated if baseline is None or item.on > baseline.on]

    def proposal(days: int, direction: Direction, reason: str) -> IntervalProposal:
        due_on = (
            None if last_infusion_on is None else last_infusion_on + timedelta(days)
        )
        return IntervalProposal(
            interval_days=days,
            previous_days=current_days,
            direction=direction,
            reason=reason,
            due_on=due_on,
            source=policy.source,
        )

    if current_days is None:
        return proposal(
            policy.start_days,
            Direction.START,
            f"First maintenance interval: the policy starts at "
            f"{plain_days(policy.start_days)}.",
        )
    if current_days <= 0:
        raise ValueError(
            f"The current interval must be 1 day or more, not {current_days}."
        )
    current = policy.within(current_days)
    keeping = f"Keep the interval at {plain_days(current)}."
    if baseline is None or not follow_ups:
        return proposal(
            current,
            Direction.KEEP,
            f"No {instrument.name} score since treatment began. {keeping}",
        )
    latest = follow_ups[-1]
    previous = follow_ups[-2] if len(follow_ups) > 1 else baseline
    since_start = change(instrument, baseline.score, latest.score, definition)
    since_last = change(instrument, previous.score, latest.score, definition)
    name = instrument.name
    now = _n(since_last.current)
    before = _n(since_last.baseline)
    rise = since_last.change_points
    worse_at = policy.worse_points.get(instrument.code)

    if since_start.response is False:
        assert since_start.definition is not None  # response is judged by one
        return _moved(
            proposal,
            current,
            policy.shortened(current),
            Direction.SHORTEN,
            f"No longer responding: {name} score {now}, against "
            f"{_n(since_start.baseline)} before treatment. "
            f"{since_start.definition.label}",
        )
    if worse_at is not None and rise >= worse_at:
        return _moved(
            proposal,
            current,
            policy.shortened(current),
            Direction.SHORTEN,
            f"Worse since last time: {name} score rose from {before} to {now}, "
            f"by {_n(worse_at)} points or more.",
        )
    if rise > 0:
        return proposal(
            current,
            Direction.KEEP,
            f"A little worse since last time: {name} score rose from {before} to "
            f"{now}. "
            f"{keeping}",
        )
    if since_start.response is None:
        return proposal(
            current,
            Direction.KEEP,
            f"Response cannot be judged: {_why_unjudged(since_start.definition, name)}"
            f" {keeping}",
        )
    return _moved(
        proposal,
        current,
        policy.lengthened(current),
        Direction.LENGTHEN,
        f"Still responding: {name} score {now}, against "
        f"{_n(since_start.baseline)} before "
        f"treatment, and no worse than last time ({before}).",
    )


# How a move reads: its verb, and what is said when the policy's limit stops it.
_MOVES = {
    Direction.LENGTHEN: ("Lengthen", "the longest the policy allows, {days}."),
    Direction.SHORTEN: (
        "Shorten",
        "the shortest the policy allows, {days}: a clinician should review the plan.",
    ),
}


def _moved(
    proposal: _ProposalMaker,
    current: int,
    moved: int,
    direction: Direction,
    why: str,
) -> IntervalProposal:
    """``why``, then the move from ``current`` to ``moved`` (the policy's
    longer or shorter interval), or keeping ``current`` when the policy's
    floor or cap leaves it where it is."""
    verb, at_limit = _MOVES[direction]
    if moved == current:
        return proposal(
            current,
            Direction.KEEP,
            f"{why} The interval is already "
            + at_limit.format(days=plain_days(current)),
        )
    return proposal(
        moved,
        direction,
        f"{why} {verb} from {plain_days(current)} to {plain_days(moved)}.",
    )


def _why_unjudged(definition: OutcomeDefinition | None, name: str) -> str:
    if definition is None:
        return f"{name} has no response definition chosen."
    return "the score before treatment was 0, so a fall in percent cannot be measured."


def plain_days(days: int) -> str:
    """An interval as people say it: "6 weeks", "10 days", "335 days (about 11
    months)"."""
    if days % 7 == 0:
        weeks = days // 7
        text = "1 week" if weeks == 1 else f"{weeks} weeks"
    else:
        text = "1 day" if days == 1 else f"{days} days"
    if days >= MONTHS_FROM_DAYS:
        months = round(Decimal(days) / DAYS_PER_MONTH)
        text += f" (about {months} months)"
    return text


def _n(value: int | Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


__all__ = [
    "DEFAULT_POLICIES",
    "DEPRESSION_POLICY",
    "CHRONIC_PAIN_POLICY",
    "ANXIETY_POLICY",
    "PTSD_POLICY",
    "WORSE_POINTS_DEFAULT",
    "DatedScore",
    "Direction",
    "IntervalProposal",
    "POLICY_FIELDS",
    "MaintenancePolicy",
    "PolicyRefused",
    "plain_days",
    "policy_from",
    "policy_record",
    "propose_interval",
]
