"""Recovery after the infusion: the discharge scores and when a patient may leave
(CLINICAL.md 3, 3.1 and 3.2).

Pure data and checks, as the rest of ``clinical/``. Each score item carries its
options as (points, plain words) so a form can offer them as choices; the items
that can be read off the vital signs (Aldrete circulation and oxygen saturation,
PADSS vital signs) are computed from the reading before the infusion and the
current one, the others come from the nurse's observations.

The software proposes; a clinician decides (CLINICAL.md, framing): ``readiness``
says what is still missing before discharge, it discharges no one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from ketaclinic.clinical.vitals import Reading, check

# --- Sources ----------------------------------------------------------------------

SOURCE_RECOVERY_FLOOR = (
    "CLINICAL.md 3: the clinic's patient page: 30 min post-infusion monitoring, "
    "then release to a family member or friend; clinics give 20-30 min after "
    "40-min infusions, ~1 h after 2+ h pain infusions (ketwell.com, mipmpc.com)"
)
SOURCE_ESCORT = (
    "CLINICAL.md 3: a responsible adult (18+) takes the patient home; no escort, no "
    "discharge (citclinics.com; jirahanesthesia.com; Ketalar PI)"
)
SOURCE_ALDRETE = (
    "CLINICAL.md 3.1: modified Aldrete (Aldrete 1995), total 0-10, 9 or more to "
    "leave phase I recovery (World J Gastroenterol 2015 table; "
    "nursingeducation.podia.com for the percent variant)"
)
SOURCE_ALDRETE_MINIMUMS = (
    "CLINICAL.md 3.1: one variant also asks for 2 points in respiration and in "
    "oxygen saturation (omicsonline table)"
)
SOURCE_PADSS = (
    "CLINICAL.md 3.2: modified PADSS (Chung 1995; clinician.com modified version), "
    "total 0-10, 9 or more = fit for discharge home with a competent adult. For "
    "ketamine infusions surgical bleeding is bleeding at the IV site and intake "
    "and output is dropped; pain and nausea/vomiting are scored apart, as in the "
    "modified PADSS, so the total stays 0-10"
)

# --- Defaults (CLINICAL.md 3) -------------------------------------------------------

# No plan may ask for less recovery than this (the clinic's patient page).
RECOVERY_MINUTES_FLOOR = 30
# The least total of either score that passes (CLINICAL.md 3.1, 3.2).
DISCHARGE_THRESHOLD = 9

# Aldrete oxygen saturation (CLINICAL.md 3.1): more than 92 % on room air for 2;
# more than 90 % with oxygen for 1; otherwise 0.
SPO2_ROOM_AIR_PCT = 92
SPO2_WITH_OXYGEN_PCT = 90

# The observation that says whether the patient is breathing added oxygen
# (1 yes, 0 no): needed when oxygen saturation is scored from a reading.
ON_OXYGEN = "on_oxygen"

# Per-item minimums of the stricter Aldrete variant (SOURCE_ALDRETE_MINIMUMS);
# pass them as ``minimums=`` where the clinic uses it.
ALDRETE_STRICT_MINIMUMS: Mapping[str, int] = MappingProxyType(
    {"respiration": 2, "oxygen": 2}
)


class Scale(enum.StrEnum):
    ALDRETE = "aldrete"
    PADSS = "padss"

    @property
    def name_words(self) -> str:
        return {
            Scale.ALDRETE: "modified Aldrete score",
            Scale.PADSS: "discharge score (modified PADSS)",
        }[self]

    @property
    def label(self) -> str:
        return self.name_words[0].upper() + self.name_words[1:]


class ScoreRefused(ValueError):
    """Observations that cannot be scored: ``field`` names the item to correct."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Item:
    """One item of a score: its choices as (points, plain words), best first."""

    key: str
    label: str
    options: tuple[tuple[int, str], ...]
    source: str

    @property
    def maximum(self) -> int:
        return max(points for points, _ in self.options)

    def words_for(self, points: int) -> str:
        for option, words in self.options:
            if option == points:
                return words
        raise ScoreRefused(
            f"{self.label}: {points} is not one of the choices.", field=self.key
        )


_CIRCULATION_MMHG = Item(
    "circulation",
    "Circulation",
    (
        (2, "blood pressure within 20 mmHg of the level before the infusion"),
        (1, "blood pressure 21 to 50 mmHg away from the level before the infusion"),
        (0, "blood pressure more than 50 mmHg away from the level before the infusion"),
    ),
    SOURCE_ALDRETE,
)
_CIRCULATION_PERCENT = Item(
    "circulation",
    "Circulation",
    (
        (2, "blood pressure within 20 % of the level before the infusion"),
        (1, "blood pressure more than 20 % and less than 50 % away from before"),
        (0, "blood pressure 50 % or more away from the level before the infusion"),
    ),
    SOURCE_ALDRETE,
)


def aldrete_items(
    circulation: Literal["mmHg", "percent"] = "mmHg",
) -> tuple[Item, ...]:
    """The modified Aldrete items, with circulation measured in mmHg or percent
    (CLINICAL.md 3.1: two variants exist; the clinic picks one)."""
    return (
        Item(
            "activity",
            "Activity",
            (
                (2, "moves all four limbs on their own or when asked"),
                (1, "moves two limbs"),
                (0, "cannot move any limb"),
            ),
            SOURCE_ALDRETE,
        ),
        Item(
            "respiration",
            "Breathing",
            (
                (2, "breathes deeply and coughs freely"),
                (1, "short of breath, shallow or limited breathing"),
                (0, "not breathing"),
            ),
            SOURCE_ALDRETE,
        ),
        _CIRCULATION_PERCENT if circulation == "percent" else _CIRCULATION_MMHG,
        Item(
            "consciousness",
            "Consciousness",
            (
                (2, "fully awake"),
                (1, "wakes when called"),
                (0, "does not respond"),
            ),
            SOURCE_ALDRETE,
        ),
        Item(
            "oxygen",
            "Oxygen saturation",
            (
                (2, f"above {SPO2_ROOM_AIR_PCT} % breathing room air"),
                (1, f"needs oxygen to stay above {SPO2_WITH_OXYGEN_PCT} %"),
                (0, f"{SPO2_WITH_OXYGEN_PCT} % or less even with oxygen"),
            ),
            SOURCE_ALDRETE,
        ),
    )


ALDRETE_ITEMS: tuple[Item, ...] = aldrete_items("mmHg")

PADSS_ITEMS: tuple[Item, ...] = (
    Item(
        "vital_signs",
        "Vital signs",
        (
            (2, "within 20 % of the values before the infusion"),
            (1, "20 to 40 % away from the values before the infusion"),
            (0, "more than 40 % away from the values before the infusion"),
        ),
        SOURCE_PADSS,
    ),
    Item(
        "activity",
        "Activity and mental state",
        (
            (2, "knows who and where they are and the date, and walks steadily"),
            (1, "either knows who and where they are and the date, or walks steadily"),
            (0, "neither"),
        ),
        SOURCE_PADSS,
    ),
    Item(
        "nausea",
        "Nausea or vomiting",
        (
            (2, "minimal"),
            (1, "moderate, has needed treatment"),
            (0, "severe, needs treatment"),
        ),
        SOURCE_PADSS,
    ),
    Item(
        "pain",
        "Pain",
        (
            (2, "minimal"),
            (1, "moderate, has needed treatment"),
            (0, "severe, needs treatment"),
        ),
        SOURCE_PADSS,
    ),
    Item(
        "bleeding",
        "Bleeding at the drip site",
        (
            (2, "minimal"),
            (1, "moderate"),
            (0, "severe"),
        ),
        SOURCE_PADSS,
    ),
)

# Which items are computed from the readings when they are given.
COMPUTED_ITEMS: Mapping[Scale, frozenset[str]] = MappingProxyType(
    {
        Scale.ALDRETE: frozenset({"circulation", "oxygen"}),
        Scale.PADSS: frozenset({"vital_signs"}),
    }
)


@dataclass(frozen=True, slots=True)
class Score:
    """A total and how each item was scored: (key, points, plain words)."""

    scale: Scale
    total: int
    maximum: int
    items: tuple[tuple[str, int, str], ...]
    passes: bool
    threshold: int = DISCHARGE_THRESHOLD

    @property
    def words(self) -> str:
        """Modified Aldrete score 8 of 10: not yet, 9 needed. Breathing: ..."""
        head = f"{self.scale.label} {self.total} of {self.maximum}: " + (
            "passes" if self.passes else f"not yet, {self.threshold} needed"
        )
        labels = {item.key: item.label for item in _items(self.scale)}
        short = [
            f"{labels.get(key, key)}: {words} ({points} of 2)"
            for key, points, words in self.items
            if points < 2
        ]
        return head + "." + "".join(f" {line}." for line in short)


def _items(scale: Scale) -> tuple[Item, ...]:
    return ALDRETE_ITEMS if scale is Scale.ALDRETE else PADSS_ITEMS


def aldrete(
    observations: Mapping[str, int],
    *,
    baseline: Reading,
    current: Reading,
    circulation: Literal["mmHg", "percent"] = "mmHg",
    minimums: Mapping[str, int] = MappingProxyType({}),
    threshold: int = DISCHARGE_THRESHOLD,
) -> Score:
    """The modified Aldrete score (CLINICAL.md 3.1).

    Circulation is scored from the systolic pressure now against before the
    infusion, and oxygen saturation from the current reading (with the
    observation ``on_oxygen``: 1 when the patient breathes added oxygen, 0 on
    room air; without it, the nurse's points for oxygen saturation stand
    alone), whenever the readings have them; activity, breathing and
    consciousness, and any item the readings cannot give, from the nurse's
    ``observations`` (item key -> points). Where both a reading and an
    observation score an item, the lower counts."""
    items = aldrete_items(circulation)
    computed: dict[str, int] = {}
    change = _systolic_change(baseline, current, percent=circulation == "percent")
    if change is not None:
        if circulation == "percent":
            computed["circulation"] = 2 if change <= 20 else 1 if change < 50 else 0
        else:
            computed["circulation"] = 2 if change <= 20 else 1 if change <= 50 else 0
    nurse_only = ON_OXYGEN not in observations and "oxygen" in observations
    if current.spo2_pct is not None and not nurse_only:
        on_oxygen = _on_oxygen(observations)
        spo2 = current.spo2_pct
        if spo2 > SPO2_ROOM_AIR_PCT and not on_oxygen:
            computed["oxygen"] = 2
        elif spo2 > SPO2_WITH_OXYGEN_PCT:
            computed["oxygen"] = 1
        else:
            computed["oxygen"] = 0
    return _score(Scale.ALDRETE, items, observations, computed, minimums, threshold)


def padss(
    observations: Mapping[str, int],
    *,
    baseline: Reading,
    current: Reading,
    minimums: Mapping[str, int] = MappingProxyType({}),
    threshold: int = DISCHARGE_THRESHOLD,
) -> Score:
    """The modified PADSS (CLINICAL.md 3.2; intake and output dropped, see
    SOURCE_PADSS).

    Vital signs are scored from the largest change, in percent of the value
    before the infusion, of systolic pressure, diastolic pressure, heart rate
    and breathing rate, among those both readings have: within 20 % 2 points,
    up to 40 % 1, more 0. The other items come from the nurse's
    ``observations``; where both score vital signs, the lower counts."""
    computed: dict[str, int] = {}
    change = _largest_change_percent(baseline, current)
    if change is not None:
        computed["vital_signs"] = 2 if change <= 20 else 1 if change <= 40 else 0
    return _score(Scale.PADSS, PADSS_ITEMS, observations, computed, minimums, threshold)


def _score(
    scale: Scale,
    items: tuple[Item, ...],
    observations: Mapping[str, int],
    computed: Mapping[str, int],
    minimums: Mapping[str, int],
    threshold: int,
) -> Score:
    keys = {item.key for item in items}
    unknown = set(observations) - keys - {ON_OXYGEN}
    if unknown:
        raise ScoreRefused(
            f"{scale.label} has no item called {sorted(unknown)[0]}.",
            field=sorted(unknown)[0],
        )
    for key in minimums:
        if key not in keys:
            raise ScoreRefused(f"{scale.label} has no item called {key}.", field=key)
    scored: list[tuple[str, int, str]] = []
    for item in items:
        observed = observations.get(item.key)
        if observed is not None:
            if isinstance(observed, bool) or not isinstance(observed, int):
                raise ScoreRefused(
                    f"{item.label}: choose one of the answers.", field=item.key
                )
            item.words_for(observed)  # refuses points that are not a choice
        reading = computed.get(item.key)
        if observed is None and reading is None:
            raise ScoreRefused(
                f"{item.label}: choose one of the answers.", field=item.key
            )
        points = min(p for p in (observed, reading) if p is not None)
        scored.append((item.key, points, item.words_for(points)))
    total = sum(points for _, points, _ in scored)
    maximum = sum(item.maximum for item in items)
    meets_minimums = all(points >= minimums.get(key, 0) for key, points, _ in scored)
    return Score(
        scale=scale,
        total=total,
        maximum=maximum,
        items=tuple(scored),
        passes=total >= threshold and meets_minimums,
        threshold=threshold,
    )


def _on_oxygen(observations: Mapping[str, int]) -> bool:
    value = observations.get(ON_OXYGEN)
    if value is None:
        raise ScoreRefused(
            "Say whether the patient is breathing added oxygen.", field=ON_OXYGEN
        )
    if value not in (0, 1) or isinstance(value, bool):
        raise ScoreRefused(
            "Say whether the patient is breathing added oxygen: yes or no.",
            field=ON_OXYGEN,
        )
    return value == 1


def _systolic_change(
    baseline: Reading, current: Reading, *, percent: bool
) -> Decimal | None:
    """How far systolic pressure is from before the infusion, in mmHg or in
    percent of the value before; None when a reading lacks it."""
    check(baseline)
    check(current)
    before, now = baseline.systolic_mmhg, current.systolic_mmhg
    if before is None or now is None:
        return None
    difference = Decimal(abs(now - before))
    if percent:
        return difference * 100 / before
    return difference


# The vital signs PADSS compares with the values before the infusion
# (CLINICAL.md 3.2: BP, HR, RR, temperature; no temperature is taken here).
_PADSS_VITALS = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "resp_rate_per_min",
)


def _largest_change_percent(baseline: Reading, current: Reading) -> Decimal | None:
    check(baseline)
    check(current)
    changes = []
    for name in (
        "systolic_mmhg",
        "diastolic_mmhg",
        "heart_rate_bpm",
        "resp_rate_per_min",
    ):
        before, now = getattr(baseline, name), getattr(current, name)
        if before is None or now is None or before == 0:
            continue
        changes.append(Decimal(abs(now - before)) * 100 / before)
    return max(changes, default=None)


# --- Ready to leave (CLINICAL.md 3) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the patient may leave, what is still missing in plain words, and
    the earliest time the recovery minimum allows."""

    ready: bool
    reasons: tuple[str, ...]
    earliest: datetime

    @property
    def words(self) -> str:
        if self.ready:
            return "Ready to leave with the escort, if the provider agrees."
        return " ".join(self.reasons)


def readiness(
    *,
    stopped_at: datetime,
    now: datetime,
    minimum_minutes: int,
    score: Score | None,
    escort_verified: bool,
) -> Readiness:
    """What stands between the patient and the door: the recovery minimum
    (never below ``RECOVERY_MINUTES_FLOOR``) counted from when the infusion
    stopped, a passing discharge score, and an adult escort."""
    minimum = max(minimum_minutes, RECOVERY_MINUTES_FLOOR)
    earliest = stopped_at + timedelta(minutes=minimum)
    reasons: list[str] = []
    if now < earliest:
        left = earliest - now
        minutes = -(-int(left.total_seconds()) // 60)  # whole minutes, rounded up
        reasons.append(
            f"Recovery lasts at least {minimum} minutes after the infusion stops: "
            f"{minutes} {'minute' if minutes == 1 else 'minutes'} to go."
        )
    if score is None:
        reasons.append("No discharge score has been recorded yet.")
    elif not score.passes:
        reasons.append(
            f"The {score.scale.name_words} is {score.total} of {score.maximum}; "
            f"{score.threshold} or more is needed"
            + (
                ", with no item below its minimum."
                if score.total >= score.threshold
                else "."
            )
        )
    if not escort_verified:
        reasons.append("No adult escort has been confirmed to take the patient home.")
    return Readiness(ready=not reasons, reasons=tuple(reasons), earliest=earliest)


__all__ = [
    "ALDRETE_ITEMS",
    "ALDRETE_STRICT_MINIMUMS",
    "COMPUTED_ITEMS",
    "DISCHARGE_THRESHOLD",
    "ON_OXYGEN",
    "PADSS_ITEMS",
    "RECOVERY_MINUTES_FLOOR",
    "SOURCE_ALDRETE",
    "SOURCE_ALDRETE_MINIMUMS",
    "SOURCE_ESCORT",
    "SOURCE_PADSS",
    "SOURCE_RECOVERY_FLOOR",
    "SPO2_ROOM_AIR_PCT",
    "SPO2_WITH_OXYGEN_PCT",
    "Item",
    "Readiness",
    "Score",
    "ScoreRefused",
    "Scale",
    "aldrete",
    "aldrete_items",
    "padss",
    "readiness",
]
