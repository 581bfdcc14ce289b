"""Validated questionnaires as data, and their scoring (CLINICAL.md 5.1-5.3).

An instrument is data: its items, each item's answer options, how it is scored, its
severity bands and the flags it raises. A form renders the items; ``score`` turns the
answers into a total, a band and flags; ``change`` compares two scores against a
response and remission definition that is data too, and names the one it used.

Instruments: PHQ-9, GAD-7, PCL-5, pain NRS, Brief Pain Inventory short form and the
C-SSRS screener. Higher totals mean more symptoms on every one of them.

Item wording is that of the published forms (PHQ-9 and GAD-7: Pfizer, public domain;
PCL-5: VA National Center for PTSD, public domain; C-SSRS screener: Columbia
Lighthouse Project). The BPI short form is copyrighted (Cleeland; licence fees apply
for some uses, CLINICAL.md 5.1): its items are given here by their content, and a
clinic must hold the licence before showing the form to patients.

LOINC codes are given only where CLINICAL.md 5.3 verifies them (PHQ-9 panel, items,
answers and total; GAD-7 panel and total; pain NRS); everything else has None.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from ketaclinic.clinical import codes
from ketaclinic.clinical.rounding import for_display, fraction_for_display


class ScoringKind(enum.StrEnum):
    """How an instrument's answers become a score."""

    SUM = "sum"  # total = sum of the scored items (PHQ-9, GAD-7, PCL-5)
    MEAN_OF_ITEMS = "mean_of_items"  # subscale means, unrounded (BPI)
    NRS = "nrs"  # one 0-10 rating is the total (pain NRS)
    CSSRS = "cssrs"  # yes/no answers with branching give a risk level


class Flag(enum.StrEnum):
    """Something a score says that someone must act on, with a message for staff."""

    SUICIDE_RISK = "suicide_risk"
    SUICIDE_RISK_HIGH = "suicide_risk_high"
    SUICIDAL_IDEATION_LOW_RISK = "suicidal_ideation_low_risk"
    DEPRESSION_SCREEN_POSITIVE = "depression_screen_positive"
    ANXIETY_SCREEN_POSITIVE = "anxiety_screen_positive"
    PROVISIONAL_PTSD_BY_TOTAL = "provisional_ptsd_by_total"
    PROVISIONAL_PTSD_BY_DSM_RULE = "provisional_ptsd_by_dsm_rule"

    @property
    def message(self) -> str:
        return _FLAG_MESSAGES[self]

    @property
    def urgent(self) -> bool:
        """An urgent flag raises an urgent task for a clinician (intake issue)."""
        return self in URGENT_FLAGS


_FLAG_MESSAGES = {
    # CLINICAL.md 5.1: PHQ-9 item 9 >= 1 -> same-day suicide-risk assessment (GK,
    # standard practice); C-SSRS moderate or high risk.
    Flag.SUICIDE_RISK: (
        "Suicide risk: a clinician must assess suicide risk today (for example with "
        "the C-SSRS). A screening answer, not a diagnosis."
    ),
    # CLINICAL.md 5.1: C-SSRS high risk -> immediate evaluation and precautions.
    Flag.SUICIDE_RISK_HIGH: (
        "High suicide risk on the C-SSRS screener: immediate mental-health evaluation "
        "and safety precautions."
    ),
    Flag.SUICIDAL_IDEATION_LOW_RISK: (
        "C-SSRS screener: a wish to be dead or non-specific thoughts of suicide only "
        "(low risk). A clinician reviews the answers at this visit."
    ),
    Flag.DEPRESSION_SCREEN_POSITIVE: (
        "PHQ-9 total at or above the screening cut-off (10 by default): screens "
        "positive for major depression."
    ),
    Flag.ANXIETY_SCREEN_POSITIVE: (
        "GAD-7 total at or above the screening cut-off (10 by default): screens "
        "positive for generalised anxiety."
    ),
    Flag.PROVISIONAL_PTSD_BY_TOTAL: (
        "PCL-5 total at or above the cut-off: provisional PTSD, to be confirmed by a "
        "clinician."
    ),
    Flag.PROVISIONAL_PTSD_BY_DSM_RULE: (
        "PCL-5 answers follow the DSM-5 pattern (items rated 2 or more: at least 1 in "
        "B, 1 in C, 2 in D and 2 in E): provisional PTSD, to be confirmed by a "
        "clinician."
    ),
}

URGENT_FLAGS = frozenset({Flag.SUICIDE_RISK, Flag.SUICIDE_RISK_HIGH})


class CssrsRisk(enum.StrEnum):
    """The C-SSRS screener's risk levels (CLINICAL.md 5.1), lowest first."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def level(self) -> int:
        return list(CssrsRisk).index(self)


@dataclass(frozen=True, slots=True)
class Option:
    """One answer an item offers: the stored value and the label the patient sees."""

    value: int
    label: str
    loinc: str | None = None  # LOINC answer code, only where CLINICAL.md 5.3 has it


@dataclass(frozen=True, slots=True)
class FlagRule:
    """Raise ``flag`` when a value (an item's answer, or a total) is >= ``at_least``."""

    flag: Flag
    at_least: int


@dataclass(frozen=True, slots=True)
class Item:
    """A question of an instrument.

    ``asked_if`` = (key, value): the item is asked only when that earlier item was
    answered with that value (the C-SSRS branching); otherwise it must be left
    unanswered. An unscored item (PHQ-9 difficulty) is stored but not added up.
    """

    key: str
    text: str
    options: tuple[Option, ...]
    scored: bool = True
    loinc: str | None = None
    required: bool = True
    asked_if: tuple[str, int] | None = None
    flag: FlagRule | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def is_yes_no(self) -> bool:
        return set(self.values) == {0, 1} and len(self.options) == 2

    def label_of(self, value: int) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        raise ValueError(f"Item {self.key!r} has no answer {value}.")


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band: totals from ``low`` to ``high``, both included."""

    low: int
    high: int
    label: str
    flags: tuple[Flag, ...] = ()

    def contains(self, value: int | Decimal) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class Subscale:
    """A mean of some items, scored when at least ``min_answered`` are answered."""

    key: str
    label: str
    item_keys: tuple[str, ...]
    min_answered: int


@dataclass(frozen=True, slots=True)
class Cluster:
    """A DSM symptom cluster: ``needed`` of its items must be endorsed."""

    key: str
    label: str
    item_keys: tuple[str, ...]
    needed: int


@dataclass(frozen=True, slots=True)
class OutcomeDefinition:
    """What counts as response and remission on one measure (CLINICAL.md 5.2).

    Response is met when any of the response criteria given is met: a reduction of
    at least ``response_reduction_percent`` from baseline, a drop of at least
    ``response_drop_points``, or (the Keith variant) a current value below
    ``response_below``. Remission: a current value below ``remission_below``.
    ``measure`` is "total" or the key of a subscore (BPI "interference").
    """

    key: str
    label: str
    source: str
    measure: str = "total"
    response_reduction_percent: Decimal | None = None
    response_drop_points: Decimal | None = None
    response_below: Decimal | None = None
    substantial_reduction_percent: Decimal | None = None
    remission_below: Decimal | None = None

    def __post_init__(self) -> None:
        criteria = (
            self.response_reduction_percent,
            self.response_drop_points,
            self.response_below,
        )
        if all(criterion is None for criterion in criteria):
            raise ValueError(f"Outcome definition {self.key!r} defines no response.")
        for name in (
            "response_reduction_percent",
            "response_drop_points",
            "response_below",
            "substantial_reduction_percent",
            "remission_below",
        ):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, Decimal) and value.is_finite() and value > 0
            ):
                raise ValueError(
                    f"Outcome definition {self.key!r}: {name} must be a positive "
                    f"Decimal, not {value!r}."
                )


@dataclass(frozen=True, slots=True)
class Instrument:
    """A questionnaire as data. Build variants with ``dataclasses.replace``."""

    code: str
    name: str
    prompt: str  # the stem shown above the items
    recall_period: str
    scoring: ScoringKind
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    source: str
    loinc_panel: str | None = None
    loinc_total: str | None = None
    total_flags: tuple[FlagRule, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    cluster_item_endorsed_at: int | None = None
    cluster_flag: Flag | None = None
    outcome: OutcomeDefinition | None = None  # the default; see OUTCOME_DEFINITIONS

    def __post_init__(self) -> None:
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: an item key is listed twice.")
        seen: dict[str, Item] = {}
        for item in self.items:
            if not item.options or len(set(item.values)) != len(item.options):
                raise ValueError(f"{self.name} item {item.key!r}: bad options.")
            if item.asked_if is not None:
                parent_key, parent_value = item.asked_if
                parent = seen.get(parent_key)
                if parent is None or parent_value not in parent.values:
                    raise ValueError(
                        f"{self.name} item {item.key!r} depends on {parent_key!r}, "
                        "which must be an earlier item with that answer."
                    )
            seen[item.key] = item
        grouped = [key for group in self.subscales for key in group.item_keys]
        grouped += [key for group in self.clusters for key in group.item_keys]
        for key in grouped:
            if key not in seen:
                raise ValueError(f"{self.name}: no item {key!r} to group.")
        if self.bands:
            self._check_bands()

    def _check_bands(self) -> None:
        low, high = self.total_range
        expected = low
        for band in self.bands:
            if band.low != expected or band.high < band.low:
                raise ValueError(
                    f"{self.name}: bands must cover {low}-{high} in order, without "
                    f"gaps or overlaps; {band.label!r} starts at {band.low}."
                )
            expected = band.high + 1
        if expected != high + 1:
            raise ValueError(f"{self.name}: bands must end at {high}.")

    @property
    def total_range(self) -> tuple[int, int]:
        """The lowest and highest total (for C-SSRS: risk levels 0-3)."""
        if self.scoring is ScoringKind.CSSRS:
            return 0, len(CssrsRisk) - 1
        scored = [item for item in self.items if item.scored]
        return (
            sum(min(item.values) for item in scored),
            sum(max(item.values) for item in scored),
        )

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise ValueError(
            f"{self.name} has no item {key!r}; its items are "
            f"{', '.join(item.key for item in self.items)}."
        )

    def band_for(self, value: int | Decimal) -> Band | None:
        for band in self.bands:
            if band.contains(value):
                return band
        return None


@dataclass(frozen=True, slots=True)
class Score:
    """A scored questionnaire, keeping every item's answer (None: not answered).

    ``total``: an int for summed scales, the severity mean (Decimal, unrounded:
    ``for_display`` shows it to 0.1) for the BPI, None for the C-SSRS screener,
    whose result is its risk ``band``.
    ``subscores``: PCL-5 cluster sums, BPI severity and interference means (None
    when too few items were answered).
    """

    instrument: str
    answers: Mapping[str, int | None]
    total: int | Decimal | None
    band: str | None
    flags: tuple[Flag, ...]
    subscores: Mapping[str, int | Decimal | None]

    @property
    def urgent(self) -> bool:
        return any(flag.urgent for flag in self.flags)

    @property
    def total_shown(self) -> int | Decimal | None:
        """The total as a page shows and a record keeps it: a mean to 0.1."""
        if isinstance(self.total, Decimal):
            return for_display(self.total)
        return self.total


@dataclass(frozen=True, slots=True)
class Change:
    """Baseline against current on one measure, judged by ``definition``.

    ``change_points`` and ``percent_change`` are current minus baseline: negative
    means fewer symptoms. ``percent_change`` is rounded half up to 0.1 for display;
    response, substantial response and remission are judged on the exact values
    (a BPI mean as the exact fraction of its answers, never rounded first). None
    means "cannot say": no percent change from a baseline of 0, no definition, or a
    definition without remission.
    """

    instrument: str
    measure: str
    definition: OutcomeDefinition | None
    baseline: int | Decimal
    current: int | Decimal
    change_points: Decimal
    percent_change: Decimal | None
    response: bool | None
    substantial: bool | None
    remission: bool | None


# --- Answer options ---------------------------------------------------------------

_FREQUENCY_LABELS = (
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
)
# PHQ-9 answers carry their LOINC answer codes (CLINICAL.md 5.3).
PHQ_OPTIONS = tuple(
    Option(value, label, codes.LOINC_PHQ_ANSWERS_BY_SCORE[value].code)
    for value, label in enumerate(_FREQUENCY_LABELS)
)
# GAD-7 uses the same words; CLINICAL.md 5.3 verifies the codes for PHQ only.
GAD_OPTIONS = tuple(
    Option(value, label) for value, label in enumerate(_FREQUENCY_LABELS)
)
DIFFICULTY_OPTIONS = tuple(
    Option(value, label)
    for value, label in enumerate(
        (
            "Not difficult at all",
            "Somewhat difficult",
            "Very difficult",
            "Extremely difficult",
        )
    )
)
PCL5_OPTIONS = tuple(
    Option(value, label)
    for value, label in enumerate(
        ("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")
    )
)
YES_NO_OPTIONS = (Option(0, "No"), Option(1, "Yes"))


def _zero_to_ten(low_label: str, high_label: str) -> tuple[Option, ...]:
    labels = {0: low_label, 10: high_label}
    return tuple(Option(value, labels.get(value, str(value))) for value in range(11))


PAIN_OPTIONS = _zero_to_ten("No pain", "Pain as bad as you can imagine")
INTERFERENCE_OPTIONS = _zero_to_ten("Does not interfere", "Completely interferes")
RELIEF_PERCENT_OPTIONS = tuple(
    Option(value, f"{value}%") for value in range(0, 101, 10)
)

_DIFFICULTY_TEXT = (
    "If you checked off any problems, how difficult have these problems made it for "
    "you to do your work, take care of things at home, or get along with other "
    "people?"
)

# --- PHQ-9: Kroenke, Spitzer, Williams, J Gen Intern Med 2001 (CLINICAL.md 5.1) ---

PHQ9_ITEM_TEXTS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \N{EM DASH} or that you are a failure or have let "
    "yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching "
    "television",
    "Moving or speaking so slowly that other people could have noticed? Or the "
    "opposite \N{EM DASH} being so fidgety or restless that you have been moving "
    "around a lot more than usual",
    # Item 9 as CLINICAL.md 5.1 and LOINC 44260-8 give it.
    codes.LOINC_PHQ9_ITEM_9.display,
)
# Item 9 answered 1 ("several days") or more: suicide risk (CLINICAL.md 5.1, GK).
PHQ9_ITEM9_FLAG_AT = 1
# Total >= 10 detects major depression, sensitivity and specificity 88% (5.1).
PHQ9_SCREEN_POSITIVE_AT = 10
# PHQ-9 response >= 50% reduction; remission total < 5 (CLINICAL.md 5.2, GK).
PHQ9_RESPONSE_REDUCTION_PERCENT = Decimal("50")
PHQ9_REMISSION_BELOW = Decimal("5")
# Keith et al.: response = 50% reduction or final PHQ-9 < 10 (CLINICAL.md 5.2).
PHQ9_KEITH_RESPONSE_BELOW = Decimal("10")

PHQ9_OUTCOME = OutcomeDefinition(
    key="phq9_kroenke_bands",
    label="Response: total falls by 50% or more. Remission: total below 5.",
    source=(
        "CLINICAL.md 5.2: convention derived from the Kroenke 2001 bands (GK); "
        "50% reduction as for any depression scale (PMC8049072)"
    ),
    response_reduction_percent=PHQ9_RESPONSE_REDUCTION_PERCENT,
    remission_below=PHQ9_REMISSION_BELOW,
)
PHQ9_OUTCOME_KEITH = OutcomeDefinition(
    key="phq9_keith",
    label=(
        "Response: total falls by 50% or more, or ends below 10. Remission: total "
        "below 5."
    ),
    source=(
        "CLINICAL.md 5.2: Keith et al., J Clin Psychopharmacol (responders: 50% "
        "reduction or final PHQ-9 < 10); remission as the default definition"
    ),
    response_reduction_percent=PHQ9_RESPONSE_REDUCTION_PERCENT,
    response_below=PHQ9_KEITH_RESPONSE_BELOW,
    remission_below=PHQ9_REMISSION_BELOW,
)

PHQ9 = Instrument(
    code="phq9",
    name="PHQ-9",
    prompt=(
        "Over the last 2 weeks, how often have you been bothered by any of the "
        "following problems?"
    ),
    recall_period="the last 2 weeks",
    scoring=ScoringKind.SUM,
    items=(
        *(
            Item(
                key=f"q{number}",
                text=text,
                options=PHQ_OPTIONS,
                loinc=loinc.code,
                flag=(
                    FlagRule(Flag.SUICIDE_RISK, PHQ9_ITEM9_FLAG_AT)
                    if number == 9
                    else None
                ),
            )
            for number, (text, loinc) in enumerate(
                zip(PHQ9_ITEM_TEXTS, codes.LOINC_PHQ9_ITEMS, strict=True), start=1
            )
        ),
        Item(
            key="difficulty",
            text=_DIFFICULTY_TEXT,
            options=DIFFICULTY_OPTIONS,
            scored=False,
            loinc=codes.LOINC_PHQ9_DIFFICULTY.code,
            required=False,
        ),
    ),
    # 0-4 minimal/none, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27
    # severe (Kroenke 2001, CLINICAL.md 5.1).
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    source=(
        "CLINICAL.md 5.1: Kroenke, Spitzer, Williams, J Gen Intern Med "
        "2001;16:606-13; item 9 handling GK (standard practice)"
    ),
    loinc_panel=codes.LOINC_PHQ9_PANEL.code,
    loinc_total=codes.LOINC_PHQ9_TOTAL.code,
    total_flags=(FlagRule(Flag.DEPRESSION_SCREEN_POSITIVE, PHQ9_SCREEN_POSITIVE_AT),),
    outcome=PHQ9_OUTCOME,
)

# --- GAD-7: Spitzer et al., Arch Intern Med 2006 (CLINICAL.md 5.1, bands GK) ------

GAD7_ITEM_TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)
GAD7_SCREEN_POSITIVE_AT = 10  # >= 10 screen positive (CLINICAL.md 5.1)

GAD7 = Instrument(
    code="gad7",
    name="GAD-7",
    prompt=(
        "Over the last 2 weeks, how often have you been bothered by the following "
        "problems?"
    ),
    recall_period="the last 2 weeks",
    scoring=ScoringKind.SUM,
    items=(
        *(
            Item(key=f"q{number}", text=text, options=GAD_OPTIONS)
            for number, text in enumerate(GAD7_ITEM_TEXTS, start=1)
        ),
        Item(
            key="difficulty",
            text=_DIFFICULTY_TEXT,
            options=DIFFICULTY_OPTIONS,
            scored=False,
            required=False,
        ),
    ),
    # 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe (CLINICAL.md 5.1, GK).
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    source="CLINICAL.md 5.1: Spitzer et al., Arch Intern Med 2006;166:1092 (bands GK)",
    loinc_panel=codes.LOINC_GAD7_PANEL.code,
    loinc_total=codes.LOINC_GAD7_TOTAL.code,
    total_flags=(FlagRule(Flag.ANXIETY_SCREEN_POSITIVE, GAD7_SCREEN_POSITIVE_AT),),
    # CLINICAL.md 5.2 gives no response or remission definition for the GAD-7.
    outcome=None,
)

# --- PCL-5: VA National Center for PTSD (CLINICAL.md 5.1) -------------------------

PCL5_ITEM_TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually "
    "happening again (as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful "
    "experience (for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, "
    "places, conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for "
    "example, having thoughts such as: I am bad, there is something seriously wrong "
    "with me, no one can be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened "
    "after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel "
    "happiness or have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)
# Provisional PTSD: total >= 31-33 (CLINICAL.md 5.1); 33 by default, configurable
# within that range.
PCL5_CUTOFF_LOWEST = 31
PCL5_CUTOFF_HIGHEST = 33
PCL5_CUTOFF_DEFAULT = 33
# DSM rule: an item rated 2 ("moderately") or more counts as endorsed (5.1).
PCL5_ITEM_ENDORSED_AT = 2
PCL5_CLUSTERS = (
    Cluster("B", "Intrusion", tuple(f"q{n}" for n in range(1, 6)), needed=1),
    Cluster("C", "Avoidance", ("q6", "q7"), needed=1),
    Cluster(
        "D",
        "Negative alterations in cognitions and mood",
        tuple(f"q{n}" for n in range(8, 15)),
        needed=2,
    ),
    Cluster(
        "E",
        "Alterations in arousal and reactivity",
        tuple(f"q{n}" for n in range(15, 21)),
        needed=2,
    ),
)
# A 10-point drop is clinically meaningful (10-20 points, CLINICAL.md 5.2).
PCL5_MEANINGFUL_DROP_POINTS = Decimal("10")


def pcl5(provisional_ptsd_cutoff: int = PCL5_CUTOFF_DEFAULT) -> Instrument:
    """The PCL-5 with a provisional-PTSD cut-off of 31, 32 or 33 (CLINICAL.md 5.1).

    Remission (CLINICAL.md 5.2: "below 31-33") follows the same cut-off.
    """
    if not PCL5_CUTOFF_LOWEST <= provisional_ptsd_cutoff <= PCL5_CUTOFF_HIGHEST:
        raise ValueError(
            f"The PCL-5 cut-off must be between {PCL5_CUTOFF_LOWEST} and "
            f"{PCL5_CUTOFF_HIGHEST} (CLINICAL.md 5.1), not {provisional_ptsd_cutoff}."
        )
    return Instrument(
        code="pcl5",
        name="PCL-5",
        prompt=(
            "Below is a list of problems that people sometimes have in response to a "
            "very stressful experience. Please read each problem carefully and then "
            "choose one of the answers to indicate how much you have been bothered "
            "by that problem in the past month. In the past month, how much were "
            "you bothered by:"
        ),
        recall_period="the past month",
        scoring=ScoringKind.SUM,
        items=tuple(
            Item(key=f"q{number}", text=text, options=PCL5_OPTIONS)
            for number, text in enumerate(PCL5_ITEM_TEXTS, start=1)
        ),
        # CLINICAL.md 5.1: "no empirical severity bands".
        bands=(),
        source=(
            "CLINICAL.md 5.1: Weathers et al. 2013, VA National Center for PTSD; "
            "scoring: comorbidityguidelines.org.au, onlinemedicaltools.com"
        ),
        total_flags=(
            FlagRule(Flag.PROVISIONAL_PTSD_BY_TOTAL, provisional_ptsd_cutoff),
        ),
        clusters=PCL5_CLUSTERS,
        cluster_item_endorsed_at=PCL5_ITEM_ENDORSED_AT,
        cluster_flag=Flag.PROVISIONAL_PTSD_BY_DSM_RULE,
        outcome=OutcomeDefinition(
            key=f"pcl5_10_points_below_{provisional_ptsd_cutoff}",
            label=(
                "Response: total falls by 10 points or more (clinically "
                f"meaningful). Remission: total below {provisional_ptsd_cutoff}."
            ),
            source=(
                "CLINICAL.md 5.2: 10-20 point drop clinically meaningful "
                "(onlinemedicaltools.com); remission below the 31-33 cut-off"
            ),
            response_drop_points=PCL5_MEANINGFUL_DROP_POINTS,
            remission_below=Decimal(provisional_ptsd_cutoff),
        ),
    )


PCL5 = pcl5()

# --- Pain NRS (CLINICAL.md 5.1, bands GK) -----------------------------------------

# IMMPACT: >= 30% moderately important, >= 50% substantial, about 2 points
# clinically important (Dworkin et al., J Pain 2008; Farrar et al., Pain 2001).
PAIN_MODERATE_REDUCTION_PERCENT = Decimal("30")
PAIN_SUBSTANTIAL_REDUCTION_PERCENT = Decimal("50")
PAIN_IMPORTANT_DROP_POINTS = Decimal("2")
_IMMPACT_SOURCE = (
    "CLINICAL.md 5.2: IMMPACT, Dworkin et al., J Pain 2008;9:105; Farrar et al., "
    "Pain 2001;94:149"
)

PAIN_NRS_OUTCOME = OutcomeDefinition(
    key="pain_immpact_percent",
    label=(
        "Response: pain falls by 30% or more (moderately important); substantial: "
        "by 50% or more."
    ),
    source=_IMMPACT_SOURCE,
    response_reduction_percent=PAIN_MODERATE_REDUCTION_PERCENT,
    substantial_reduction_percent=PAIN_SUBSTANTIAL_REDUCTION_PERCENT,
)
PAIN_NRS_OUTCOME_POINTS = OutcomeDefinition(
    key="pain_immpact_points",
    label="Response: pain falls by 2 points or more (clinically important).",
    source=_IMMPACT_SOURCE,
    response_drop_points=PAIN_IMPORTANT_DROP_POINTS,
)

PAIN_NRS = Instrument(
    code="pain_nrs",
    name="Pain numeric rating scale",
    prompt=(
        "Please rate your pain right now from 0 (no pain) to 10 (worst pain "
        "imaginable)."
    ),
    recall_period="right now",
    scoring=ScoringKind.NRS,
    items=(
        Item(
            key="pain",
            text="Your pain right now",
            options=_zero_to_ten("No pain", "Worst pain imaginable"),
            loinc=codes.LOINC_PAIN_SEVERITY_NRS.code,
        ),
    ),
    # 0 none, mild 1-3, moderate 4-6, severe 7-10 (CLINICAL.md 5.1, GK).
    bands=(
        Band(0, 0, "none"),
        Band(1, 3, "mild"),
        Band(4, 6, "moderate"),
        Band(7, 10, "severe"),
    ),
    source="CLINICAL.md 5.1: painmanagementcollaboratory.org (bands GK)",
    loinc_total=codes.LOINC_PAIN_SEVERITY_NRS.code,
    outcome=PAIN_NRS_OUTCOME,
)

# --- Brief Pain Inventory, short form (CLINICAL.md 5.1) ---------------------------

BPI_SEVERITY_ITEMS = (
    ("worst", "Your pain at its worst in the last 24 hours"),
    ("least", "Your pain at its least in the last 24 hours"),
    ("average", "Your pain on the average"),
    ("now", "How much pain you have right now"),
)
BPI_INTERFERENCE_ITEMS = (
    ("general_activity", "General activity"),
    ("mood", "Mood"),
    ("walking_ability", "Walking ability"),
    ("normal_work", "Normal work (includes both work outside the home and housework)"),
    ("relations", "Relations with other people"),
    ("sleep", "Sleep"),
    ("enjoyment_of_life", "Enjoyment of life"),
)
# Interference is scored when at least 4 of its 7 items are answered (5.1, GK).
BPI_INTERFERENCE_MIN_ANSWERED = 4
# BPI interference: minimally important change 1 point (IMMPACT, CLINICAL.md 5.1).
BPI_INTERFERENCE_IMPORTANT_DROP_POINTS = Decimal("1")

BPI_SEVERITY_OUTCOME = OutcomeDefinition(
    key="bpi_severity_immpact_percent",
    label=(
        "Response: pain severity falls by 30% or more (moderately important); "
        "substantial: by 50% or more."
    ),
    source=(
        f"{_IMMPACT_SOURCE}; CLINICAL.md 2.1: positive response >= 30% pain "
        "reduction (Cohen 2018)"
    ),
    measure="severity",
    response_reduction_percent=PAIN_MODERATE_REDUCTION_PERCENT,
    substantial_reduction_percent=PAIN_SUBSTANTIAL_REDUCTION_PERCENT,
)
BPI_INTERFERENCE_OUTCOME = OutcomeDefinition(
    key="bpi_interference_immpact",
    label="Response: pain interference falls by 1 point or more.",
    source="CLINICAL.md 5.1: BPI interference minimally important change 1 point "
    "(IMMPACT, bandolier.org.uk)",
    measure="interference",
    response_drop_points=BPI_INTERFERENCE_IMPORTANT_DROP_POINTS,
)

BPI = Instrument(
    code="bpi_sf",
    name="Brief Pain Inventory (short form)",
    prompt=(
        "Rate your pain from 0 (no pain) to 10 (pain as bad as you can imagine), "
        "and how much pain has interfered with your life from 0 (does not "
        "interfere) to 10 (completely interferes)."
    ),
    recall_period="the last 24 hours",
    scoring=ScoringKind.MEAN_OF_ITEMS,
    items=(
        *(
            Item(key=key, text=text, options=PAIN_OPTIONS)
            for key, text in BPI_SEVERITY_ITEMS
        ),
        Item(
            key="relief_percent",
            text=(
                "In the last 24 hours, how much relief have pain treatments or "
                "medications provided?"
            ),
            options=RELIEF_PERCENT_OPTIONS,
            scored=False,
            required=False,
        ),
        *(
            Item(
                key=key,
                text=f"During the past 24 hours, how much has pain interfered with "
                f"your: {text}",
                options=INTERFERENCE_OPTIONS,
                required=False,
            )
            for key, text in BPI_INTERFERENCE_ITEMS
        ),
    ),
    # CLINICAL.md gives no severity bands for the BPI.
    bands=(),
    source=(
        "CLINICAL.md 5.1: BPI short form (scribd BPI-SF form); interference scored "
        "if >= 4 of 7 answered (GK); licence fees apply for some uses (sralab.org)"
    ),
    subscales=(
        # The first subscale is the total: severity = mean of the 4 severity items.
        Subscale(
            "severity",
            "Pain severity",
            tuple(key for key, _ in BPI_SEVERITY_ITEMS),
            min_answered=len(BPI_SEVERITY_ITEMS),
        ),
        Subscale(
            "interference",
            "Pain interference",
            tuple(key for key, _ in BPI_INTERFERENCE_ITEMS),
            min_answered=BPI_INTERFERENCE_MIN_ANSWERED,
        ),
    ),
    outcome=BPI_SEVERITY_OUTCOME,
)

# --- C-SSRS screener (CLINICAL.md 5.1) --------------------------------------------

_ASKED_IF_Q2_YES = ("q2", 1)

CSSRS = Instrument(
    code="cssrs_screener",
    name="C-SSRS screener",
    # Addressed to the patient, who fills it in: the form's own instruction is
    # for an interviewer ("Ask questions 1 and 2...").
    prompt=(
        "Answer questions 1 and 2. If you answer yes to question 2, also answer "
        "questions 3, 4 and 5; if no, go on to question 6. Questions 1-5 are about "
        "the past month."
    ),
    recall_period="the past month (questions 1-5); ever and the past 3 months (6)",
    scoring=ScoringKind.CSSRS,
    items=(
        Item(
            "q1",
            "Have you wished you were dead or wished you could go to sleep and not "
            "wake up?",
            YES_NO_OPTIONS,
        ),
        Item(
            "q2",
            "Have you actually had any thoughts of killing yourself?",
            YES_NO_OPTIONS,
        ),
        Item(
            "q3",
            "Have you been thinking about how you might do this?",
            YES_NO_OPTIONS,
            asked_if=_ASKED_IF_Q2_YES,
        ),
        Item(
            "q4",
            "Have you had these thoughts and had some intention of acting on them?",
            YES_NO_OPTIONS,
            asked_if=_ASKED_IF_Q2_YES,
        ),
        Item(
            "q5",
            "Have you started to work out or worked out the details of how to kill "
            "yourself? Do you intend to carry out this plan?",
            YES_NO_OPTIONS,
            asked_if=_ASKED_IF_Q2_YES,
        ),
        Item(
            "q6",
            "Have you ever done anything, started to do anything, or prepared to do "
            "anything to end your life?",
            YES_NO_OPTIONS,
        ),
        Item(
            "q6_past_3_months",
            "Was this within the past 3 months?",
            YES_NO_OPTIONS,
            asked_if=("q6", 1),
        ),
    ),
    # Bands on the risk level 0-3; their labels are the CssrsRisk values.
    bands=(
        Band(0, 0, CssrsRisk.NONE.value),
        Band(1, 1, CssrsRisk.LOW.value, (Flag.SUICIDAL_IDEATION_LOW_RISK,)),
        Band(2, 2, CssrsRisk.MODERATE.value, (Flag.SUICIDE_RISK,)),
        Band(3, 3, CssrsRisk.HIGH.value, (Flag.SUICIDE_RISK, Flag.SUICIDE_RISK_HIGH)),
    ),
    source=(
        "CLINICAL.md 5.1: C-SSRS triage guidelines (docsbay.net); Maine Medical use "
        "(docest.com); drcheng.ca; SAFE-T protocol"
    ),
)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        instrument.code: instrument
        for instrument in (PHQ9, GAD7, PCL5, PAIN_NRS, BPI, CSSRS)
    }
)

# Every outcome definition per instrument code, the default first.
OUTCOME_DEFINITIONS: Mapping[str, tuple[OutcomeDefinition, ...]] = MappingProxyType(
    {
        PHQ9.code: (PHQ9_OUTCOME, PHQ9_OUTCOME_KEITH),
        PCL5.code: (PCL5.outcome,) if PCL5.outcome else (),
        PAIN_NRS.code: (PAIN_NRS_OUTCOME, PAIN_NRS_OUTCOME_POINTS),
        BPI.code: (BPI_SEVERITY_OUTCOME, BPI_INTERFERENCE_OUTCOME),
    }
)


# --- Scoring ----------------------------------------------------------------------


def score(instrument: Instrument, answers: Mapping[str, int | bool | None]) -> Score:
    """Score a questionnaire; every item's answer is kept in ``Score.answers``.

    ``answers`` maps item keys to the value of the chosen option (None or absent:
    not answered). Yes/no items also take True and False. Raises ValueError, naming
    the item, for an unknown item, a value that is not one of the item's options, a
    required item left unanswered, or an answer to an item that was not to be asked.
    """
    normal = _normalise(instrument, answers)
    flags: list[Flag] = []
    for item in instrument.items:
        value = normal[item.key]
        if item.flag is not None and value is not None and value >= item.flag.at_least:
            flags.append(item.flag.flag)

    subscores: dict[str, int | Decimal | None] = {}
    total: int | Decimal | None
    band_value: int | Decimal | None
    if instrument.scoring is ScoringKind.CSSRS:
        risk = cssrs_risk(normal)
        total, band_value = None, risk.level
    elif instrument.scoring is ScoringKind.MEAN_OF_ITEMS:
        for subscale in instrument.subscales:
            subscores[subscale.key] = _mean(subscale, normal)
        total = subscores[instrument.subscales[0].key]
        band_value = total
    else:
        total = sum(
            value
            for item in instrument.items
            if item.scored and (value := normal[item.key]) is not None
        )
        band_value = total
        flags.extend(_cluster_results(instrument, normal, subscores))

    if total is not None:
        flags.extend(
            rule.flag for rule in instrument.total_flags if total >= rule.at_least
        )
    band = instrument.band_for(band_value) if band_value is not None else None
    if band is not None:
        flags.extend(band.flags)
    return Score(
        instrument=instrument.code,
        answers=MappingProxyType(normal),
        total=total,
        band=band.label if band is not None else None,
        flags=tuple(dict.fromkeys(flags)),
        subscores=MappingProxyType(subscores),
    )


def raises_task(score: Score, *, cssrs_q2_task: bool) -> bool:
    """Whether a scored questionnaire needs an urgent task for a clinician: an
    urgent flag, or, when the clinic's policy says so (``cssrs_q2_task``), a
    C-SSRS answer of real suicidal thoughts (question 2 yes) even with no
    method, intent or plan."""
    if score.urgent:
        return True
    return (
        cssrs_q2_task
        and score.instrument == CSSRS.code
        and score.answers.get("q2") == 1
    )


def cssrs_risk(answers: Mapping[str, int | None]) -> CssrsRisk:
    """The C-SSRS screener risk level from checked answers (CLINICAL.md 5.1).

    High: Q4 or Q5 yes, or suicidal behaviour in the past 3 months. Moderate: Q3
    yes, or behaviour more than 3 months ago. Low: Q1 or Q2 yes only. None
    otherwise.
    """

    def yes(key: str) -> bool:
        return answers.get(key) == 1

    behaviour = yes("q6")
    if yes("q4") or yes("q5") or (behaviour and yes("q6_past_3_months")):
        return CssrsRisk.HIGH
    if yes("q3") or behaviour:
        return CssrsRisk.MODERATE
    if yes("q1") or yes("q2"):
        return CssrsRisk.LOW
    return CssrsRisk.NONE


def change(
    instrument: Instrument,
    baseline: Score,
    current: Score,
    definition: OutcomeDefinition | None = None,
) -> Change:
    """Compare a current score with the baseline (CLINICAL.md 5.2).

    Uses ``definition``, else the instrument's default (``Instrument.outcome``);
    the result names the definition used. Without any definition (the GAD-7) the
    change is still measured, but response and remission are None.
    """
    for which, given in (("baseline", baseline), ("current", current)):
        if given.instrument != instrument.code:
            raise ValueError(
                f"The {which} score is a {given.instrument} score, not "
                f"{instrument.name}."
            )
    definition = definition if definition is not None else instrument.outcome
    measure = definition.measure if definition is not None else "total"
    shown_before = _measure(instrument, baseline, measure, "baseline")
    shown_after = _measure(instrument, current, measure, "current")
    before = _exact(instrument, baseline, measure, shown_before)
    after = _exact(instrument, current, measure, shown_after)
    drop = before - after
    # Computed apart from drop so that no change reads 0, never -0.
    change_points = Decimal(shown_after) - Decimal(shown_before)
    percent_change = (
        None if before == 0 else fraction_for_display((after - before) * 100 / before)
    )
    response = substantial = remission = None
    if definition is not None:
        response = _response(definition, before, after, drop)
        if definition.substantial_reduction_percent is not None:
            substantial = _reduced_by(
                before, drop, definition.substantial_reduction_percent
            )
        if definition.remission_below is not None:
            remission = after < Fraction(definition.remission_below)
    return Change(
        instrument=instrument.code,
        measure=measure,
        definition=definition,
        baseline=shown_before,
        current=shown_after,
        change_points=change_points,
        percent_change=percent_change,
        response=response,
        substantial=substantial,
        remission=remission,
    )


def _normalise(
    instrument: Instrument, answers: Mapping[str, int | bool | None]
) -> dict[str, int | None]:
    known = {item.key for item in instrument.items}
    for key in answers:
        if key not in known:
            raise ValueError(
                f"{instrument.name} has no item {key!r}; its items are "
                f"{', '.join(item.key for item in instrument.items)}."
            )
    normal: dict[str, int | None] = {}
    for item in instrument.items:
        value = _checked_value(instrument, item, answers.get(item.key))
        asked = True
        if item.asked_if is not None:
            parent_key, parent_value = item.asked_if
            asked = normal[parent_key] == parent_value
            if not asked and value is not None:
                raise ValueError(
                    f"{instrument.name} item {item.key!r} is asked only when "
                    f"{parent_key!r} is answered "
                    f"{instrument.item(parent_key).label_of(parent_value)!r}; "
                    f"it was answered although {parent_key!r} was not."
                )
        if asked and item.required and value is None:
            raise ValueError(
                f"{instrument.name} item {item.key!r} ({item.text}) is not answered; "
                "it is required."
            )
        normal[item.key] = value
    return normal


def _checked_value(
    instrument: Instrument, item: Item, value: int | bool | None
) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        if not item.is_yes_no:
            raise ValueError(
                f"{instrument.name} item {item.key!r} takes a number "
                f"({_describe(item.values)}), not {value!r}."
            )
        return int(value)
    if not isinstance(value, int):
        raise ValueError(
            f"{instrument.name} item {item.key!r} takes a whole number "
            f"({_describe(item.values)}), not {value!r}."
        )
    if value not in item.values:
        raise ValueError(
            f"{instrument.name} item {item.key!r}: {value} is out of range; the "
            f"answers are {_describe(item.values)}."
        )
    return value


def _describe(values: tuple[int, ...]) -> str:
    if list(values) == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(value) for value in values)


def _mean(subscale: Subscale, answers: Mapping[str, int | None]) -> Decimal | None:
    exact = _exact_mean(subscale, answers)
    if exact is None:
        return None
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def _exact_mean(
    subscale: Subscale, answers: Mapping[str, int | None]
) -> Fraction | None:
    given = [value for key in subscale.item_keys if (value := answers[key]) is not None]
    if len(given) < subscale.min_answered:
        return None
    return Fraction(sum(given), len(given))


def _exact(
    instrument: Instrument, given: Score, measure: str, value: int | Decimal
) -> Fraction:
    """A measure as an exact fraction: a mean from its answers (a Decimal mean of 7
    items is cut at 28 digits), any other score as it is."""
    if instrument.scoring is ScoringKind.MEAN_OF_ITEMS:
        key = instrument.subscales[0].key if measure == "total" else measure
        for subscale in instrument.subscales:
            if subscale.key == key:
                exact = _exact_mean(subscale, given.answers)
                if exact is not None:
                    return exact
    return Fraction(value)


def _cluster_results(
    instrument: Instrument,
    answers: Mapping[str, int | None],
    subscores: dict[str, int | Decimal | None],
) -> list[Flag]:
    """Cluster sums into ``subscores``; the DSM-rule flag when every cluster is met."""
    if not instrument.clusters:
        return []
    endorsed_at = instrument.cluster_item_endorsed_at
    all_met = True
    for cluster in instrument.clusters:
        values = [answers[key] or 0 for key in cluster.item_keys]
        subscores[cluster.key] = sum(values)
        endorsed = sum(
            1 for value in values if endorsed_at is not None and value >= endorsed_at
        )
        all_met = all_met and endorsed >= cluster.needed
    if all_met and instrument.cluster_flag is not None:
        return [instrument.cluster_flag]
    return []


def _measure(
    instrument: Instrument, given: Score, measure: str, which: str
) -> int | Decimal:
    if measure == "total":
        value = given.total
    elif measure in given.subscores:
        value = given.subscores[measure]
    else:
        raise ValueError(f"{instrument.name} has no measure {measure!r}.")
    if value is None:
        raise ValueError(
            f"The {which} {instrument.name} score has no {measure} to compare."
        )
    return value


def _response(
    definition: OutcomeDefinition, before: Fraction, after: Fraction, drop: Fraction
) -> bool | None:
    """Met when any criterion the definition uses is met; None when none is met
    but one cannot be judged (a percent reduction from a baseline of 0)."""
    results: list[bool | None] = []
    if definition.response_reduction_percent is not None:
        results.append(_reduced_by(before, drop, definition.response_reduction_percent))
    if definition.response_drop_points is not None:
        results.append(drop >= Fraction(definition.response_drop_points))
    if definition.response_below is not None:
        results.append(after < Fraction(definition.response_below))
    if any(result is True for result in results):
        return True
    if any(result is None for result in results):
        return None
    return False


def _reduced_by(before: Fraction, drop: Fraction, percent: Decimal) -> bool | None:
    """drop / before >= percent / 100, compared exactly; None when before is 0."""
    if before == 0:
        return None
    return drop * 100 >= Fraction(percent) * before


__all__ = [
    "BPI",
    "CSSRS",
    "GAD7",
    "INSTRUMENTS",
    "OUTCOME_DEFINITIONS",
    "PAIN_NRS",
    "PCL5",
    "PHQ9",
    "Band",
    "Change",
    "Cluster",
    "CssrsRisk",
    "Flag",
    "FlagRule",
    "Instrument",
    "Item",
    "Option",
    "OutcomeDefinition",
    "Score",
    "ScoringKind",
    "Subscale",
    "change",
    "cssrs_risk",
    "raises_task",
    "for_display",
    "pcl5",
    "score",
]
