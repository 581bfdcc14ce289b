"""From intake facts to screening findings (CLINICAL.md 1.4, 1.5, 1.7, 5.1, 8, 8.1).

``screen(facts)`` lays out what decides candidacy for ketamine treatment: whether the
criteria for treatment-resistant depression are met and which antidepressant trials
counted as adequate; absolute and relative contraindications; interacting
medications; risk flags; and the facts still missing. Each finding carries its
reason (the facts it rests on) and its source in CLINICAL.md.

The software proposes; the clinician decides. Nothing here accepts or refuses a
patient: a finding is for a clinician to weigh, and a hard stop can be passed by a
named clinician's override with a reason (CLINICAL.md, framing).

Which conditions are absolute and which relative contraindications is clinic
policy (``ScreeningPolicy``). The defaults follow each source's words:
"contraindicated", "should not be used" and "avoid" are absolute; "with extreme
caution", "judiciously" and breastfeeding are relative. Four more are absolute by
default because the harm of missing them outweighs a clinician's override with a
reason: a primary psychotic disorder and current mania (the common clinic
exclusions of CLINICAL.md 1.4, beside Cohen 2018's "avoid" in poorly controlled
psychosis), pregnancy ("not recommended", CLINICAL.md 1.4; a pregnancy test when
the patient is not sure), an age under 18 (every protocol of CLINICAL.md is for
adults) and a blood pressure above 180/110 mmHg (severe hypertension, CLINICAL.md
1.7: defer and refer).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from ketaclinic.clinical import medicines
from ketaclinic.clinical.scales import PHQ9, PHQ9_ITEM9_FLAG_AT, CssrsRisk, Flag


class FindingKind(enum.StrEnum):
    """What a finding is; findings are listed in this order."""

    ABSOLUTE_CONTRAINDICATION = "absolute_contraindication"
    RELATIVE_CONTRAINDICATION = "relative_contraindication"
    RISK_FLAG = "risk_flag"
    INTERACTION = "interaction"
    UNIDENTIFIED_MEDICINE = "unidentified_medicine"
    CRITERION_MET = "criterion_met"
    CRITERION_NOT_MET = "criterion_not_met"
    MISSING_FACT = "missing_fact"

    @property
    def label(self) -> str:
        """The kind in plain words, for the screening page."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    FindingKind.ABSOLUTE_CONTRAINDICATION: "Hard stop",
    FindingKind.RELATIVE_CONTRAINDICATION: "Caution",
    FindingKind.RISK_FLAG: "Risk",
    FindingKind.INTERACTION: "Interacting medicine",
    FindingKind.UNIDENTIFIED_MEDICINE: "Could not identify",
    FindingKind.CRITERION_MET: "Criterion met",
    FindingKind.CRITERION_NOT_MET: "Criterion not met",
    FindingKind.MISSING_FACT: "Missing",
}


class TrialOutcome(enum.StrEnum):
    """How an antidepressant trial ended (CLINICAL.md 8)."""

    NO_RESPONSE = "no_response"
    PARTIAL = "partial"  # improved, but by less than 50%: a non-response
    RESPONSE_THEN_RELAPSE = "response_then_relapse"
    INTOLERANCE = "intolerance"
    UNKNOWN = "unknown"


# No response, or a partial response (< 50% reduction), is a failed trial
# (CLINICAL.md 8: non-response = < 50% symptom reduction, PMC8049072).
FAILED_OUTCOMES = frozenset({TrialOutcome.NO_RESPONSE, TrialOutcome.PARTIAL})

# What a patient can ask treatment for (DESIGN.md, the inquiry form).
INDICATIONS = frozenset({"depression", "ptsd", "anxiety", "chronic_pain", "other"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the clinician should see, with the facts and the source behind it."""

    kind: FindingKind
    code: str
    message: str  # plain words, for a clinician
    reason: str  # the facts it rests on
    source: str  # CLINICAL.md section and the citation there
    urgent: bool = False  # suicide risk: shown as urgent whatever its kind


# --- Sources ----------------------------------------------------------------------

SOURCE_KETALAR = "CLINICAL.md 1.4: Ketalar PI (rev. 10/2024)"
SOURCE_KETALAR_BP_CLAUSE = (
    "CLINICAL.md 1.4: Ketalar PI (contraindicated where a significant rise in blood "
    "pressure would be a serious hazard)"
)
SOURCE_SPRAVATO_VASCULAR = (
    "CLINICAL.md 1.4: Spravato PI (absolute contraindication), applied to IV "
    "ketamine under the Ketalar PI blood-pressure clause; CLINICAL.md 4"
)
SOURCE_COHEN = (
    "CLINICAL.md 1.4: Cohen et al., Reg Anesth Pain Med 2018;43(5):521-546 "
    "(ASRA/AAPM/ASA)"
)
SOURCE_CLINIC_EXCLUSIONS = (
    "CLINICAL.md 1.4: commonly used clinic exclusions (psyon.cz; droracle.ai; "
    "biologyinsights.com), not guideline text"
)
SOURCE_CV = (
    f"{SOURCE_COHEN}: 'should not be used' in poorly controlled cardiovascular "
    f"disease; {SOURCE_KETALAR_BP_CLAUSE}; {SOURCE_CLINIC_EXCLUSIONS}"
)
SOURCE_BP_POLICY = (
    "CLINICAL.md 1.7: suggested default policy (clinic-configurable, illustrative); "
    "mirrors Spravato's > 140/90 'consider delaying' (CLINICAL.md 1.5, 4)"
)
SOURCE_BP_SURGES = (
    "CLINICAL.md 1.6: Yale series, Gen Hosp Psychiatry 2024 (older age and known "
    "hypertension predict surges); physiciansweekly.com series (greater rise at age "
    ">= 50)"
)
SOURCE_TRD = (
    "CLINICAL.md 8: ketaclinic default; Gaynes et al., Depress Anxiety 2020; "
    "Depress Anxiety 2021;38:456 (PMC8049072); adequate dose per CLINICAL.md 8.1 "
    "(ATRQ conventions, GK)"
)
SOURCE_DOSE_TABLE = (
    "CLINICAL.md 8.1: minimum adequate daily dose (ATRQ conventions, GK); a drug "
    "missing from the table yields 'cannot judge adequacy'"
)
SOURCE_INTAKE = "CLINICAL.md 8: what intake should record"
SOURCE_PHQ9_ITEM9 = (
    "CLINICAL.md 5.1: PHQ-9 item 9 >= 1 -> same-day suicide-risk assessment "
    "(handling GK, standard practice)"
)
SOURCE_CSSRS = (
    "CLINICAL.md 5.1: C-SSRS triage guidelines (docsbay.net); SAFE-T protocol"
)
SOURCE_SEVERE_BP = (
    "CLINICAL.md 1.7: severe hypertension (hypertensive urgency) = BP > 180/110 "
    "without acute organ damage (Hebert & Vidt, Prim Care 2008); with end-organ "
    "symptoms a hypertensive emergency (emdocs.net; ACC/AHA 2017, GK); Ketalar PI "
    "(a significant rise in blood pressure a serious hazard, CLINICAL.md 1.4)"
)
SOURCE_PREGNANCY = (
    "CLINICAL.md 1.4: 'Safe Ketamine Use and Pregnancy', J Clin Psychiatry 2024 "
    "('not recommended'; little known about fetal effects; pregnancy testing is "
    f"clinic policy); CLINICAL.md 1.5 (pregnancy test); {SOURCE_CLINIC_EXCLUSIONS}"
)
SOURCE_ADULTS = (
    "CLINICAL.md 1.1-1.2 and 4 (every protocol and dose is for adults; Spravato "
    "dosing by adult age band); CLINICAL.md 3 (escort an adult, 18+); no "
    "paediatric source"
)
SOURCE_SUICIDE_HISTORY = (
    "CLINICAL.md 8 (intake records suicide history); CLINICAL.md 5.1: C-SSRS "
    "(suicidal behaviour in the past 3 months = high risk, earlier = moderate; "
    "docsbay.net triage guidelines; SAFE-T protocol)"
)
SOURCE_SUD_HISTORY = (
    "CLINICAL.md 1.1: Sanacora 2017 (attention to substance use; monitor substance "
    "use); CLINICAL.md 1.4: Cohen 2018 (universal precautions for abuse); "
    "CLINICAL.md 4: Spravato PI (substance use disorder history)"
)
SOURCE_MEDICINES = (
    "CLINICAL.md 1.4, 1.5, 4.1 and 8 (medicines that interact); brand and generic "
    "names in ketaclinic.clinical.medicines (US labels, GK)"
)
SOURCE_ESCORT = (
    "CLINICAL.md 1.5: citclinics.com; Ketalar PI ('accompanied by a responsible "
    "adult'); CLINICAL.md 3"
)


# --- The medical-history checklist ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """A medical-history question, and what a yes means for screening.

    Whether a yes is an absolute or a relative contraindication or a risk flag is
    set by ``ScreeningPolicy``.
    """

    key: str
    question: str  # plain language, for the patient
    message: str  # what a yes means, for the clinician
    source: str


_CONDITIONS = (
    Condition(
        "ketamine_hypersensitivity",
        "Have you ever had an allergic reaction to ketamine or esketamine (Spravato)?",
        "Hypersensitivity to ketamine: contraindicated (Ketalar label).",
        f"{SOURCE_KETALAR}; Spravato PI (CLINICAL.md 4)",
    ),
    Condition(
        "aneurysmal_vascular_disease",
        "Have you been told you have an aneurysm (a bulging blood vessel) in your "
        "brain, chest, belly, arms or legs?",
        "Aneurysmal vascular disease (intracranial, thoracic or abdominal aorta, "
        "peripheral arteries): a rise in blood pressure would be a serious hazard.",
        SOURCE_SPRAVATO_VASCULAR,
    ),
    Condition(
        "avm",
        "Have you been told you have an arteriovenous malformation (AVM), a tangle "
        "of blood vessels?",
        "Arteriovenous malformation: a rise in blood pressure would be a serious "
        "hazard.",
        SOURCE_SPRAVATO_VASCULAR,
    ),
    Condition(
        "intracerebral_haemorrhage",
        "Have you ever had bleeding inside the brain (a bleeding stroke)?",
        "History of intracerebral haemorrhage: a rise in blood pressure would be a "
        "serious hazard.",
        SOURCE_SPRAVATO_VASCULAR,
    ),
    Condition(
        "uncontrolled_hypertension",
        "Is your blood pressure high even with treatment, or has a doctor told you "
        "it is not under control?",
        "Uncontrolled hypertension: poorly controlled cardiovascular disease, and a "
        "further rise in blood pressure would be a serious hazard.",
        SOURCE_CV,
    ),
    Condition(
        "recent_mi_or_unstable_angina",
        "Have you recently had a heart attack, or do you have chest pain (angina) "
        "that is new, getting worse, or comes on at rest?",
        "Recent myocardial infarction or unstable angina: poorly controlled "
        "cardiovascular disease.",
        SOURCE_CV,
    ),
    Condition(
        "heart_failure_decompensated",
        "Do you have heart failure that is getting worse, for example more "
        "breathlessness or more swelling of the legs?",
        "Decompensated heart failure: poorly controlled cardiovascular disease.",
        SOURCE_CV,
    ),
    Condition(
        "poorly_controlled_cv_disease",
        "Do you have any other heart or blood-vessel problem that a doctor has told "
        "you is not well controlled?",
        "Poorly controlled cardiovascular disease: ketamine should not be used.",
        SOURCE_CV,
    ),
    Condition(
        "hypertension",
        "Do you have high blood pressure, or take medicine for it?",
        "Known hypertension: blood-pressure surges during infusions are more likely.",
        SOURCE_BP_SURGES,
    ),
    Condition(
        "heart_disease",
        "Have you ever had any other heart problem, such as a past heart attack, "
        "angina, an irregular heartbeat or a valve problem?",
        "Heart disease: judge whether a rise in blood pressure would be a serious "
        "hazard; ECG if cardiac risk (Cohen 2018, GK).",
        f"{SOURCE_KETALAR_BP_CLAUSE}; CLINICAL.md 2.1 (pre-infusion tests, GK)",
    ),
    Condition(
        "stroke",
        "Have you ever had a stroke or a mini-stroke (TIA)?",
        "Past stroke or TIA: judge whether a rise in blood pressure would be a "
        "serious hazard (a bleeding stroke is asked separately).",
        f"{SOURCE_KETALAR_BP_CLAUSE}; {SOURCE_INTAKE} (stroke/aneurysm/AVM)",
    ),
    Condition(
        "raised_icp",
        "Have you been told you have raised pressure inside your head, for example "
        "after a head injury or from a tumour or fluid on the brain?",
        "Raised intracranial pressure: do not use, or only at lower doses with "
        "extreme caution (grade C).",
        SOURCE_COHEN,
    ),
    Condition(
        "raised_iop_glaucoma",
        "Do you have glaucoma or raised pressure in your eyes?",
        "Raised intraocular pressure: do not use, or only at lower doses with "
        "extreme caution (grade C).",
        SOURCE_COHEN,
    ),
    Condition(
        "liver_disease",
        "Have you ever been told you have liver disease, such as hepatitis, fatty "
        "liver or cirrhosis?",
        "Liver disease: grade the impairment (severe: avoid; moderate: use "
        "judiciously with monitoring); LFTs if liver disease (Cohen 2018, GK).",
        f"{SOURCE_COHEN}; CLINICAL.md 2.1 (pre-infusion tests, GK)",
    ),
    Condition(
        "severe_hepatic_impairment",
        "Has a doctor told you that your liver works very poorly (severe liver "
        "disease, such as advanced cirrhosis)?",
        "Severe hepatic impairment: avoid.",
        SOURCE_COHEN,
    ),
    Condition(
        "moderate_hepatic_impairment",
        "Has a doctor told you that your liver works less well than it should "
        "(moderate liver disease)?",
        "Moderate hepatic impairment: use judiciously, with monitoring.",
        SOURCE_COHEN,
    ),
    Condition(
        "psychosis_poorly_controlled",
        "Do you now hear or see things that others do not, or hold beliefs that "
        "others find very unusual, which treatment has not brought under control?",
        "Poorly controlled psychosis: avoid.",
        f"{SOURCE_COHEN}; Sanacora 2017 (attention to psychosis history)",
    ),
    Condition(
        "schizophrenia",
        "Have you been diagnosed with schizophrenia, schizoaffective disorder or "
        "another psychotic disorder?",
        "Schizophrenia or another primary psychotic disorder: a common clinic "
        "exclusion.",
        SOURCE_CLINIC_EXCLUSIONS,
    ),
    Condition(
        "mania_current",
        "Are you in a manic or hypomanic episode now, for example with very high "
        "energy, little need for sleep or racing thoughts?",
        "Current mania or hypomania: a common clinic exclusion.",
        SOURCE_CLINIC_EXCLUSIONS,
    ),
    Condition(
        "seizure_disorder",
        "Have you ever had a seizure, or been diagnosed with epilepsy?",
        "Seizures: theophylline and aminophylline lower the seizure threshold with "
        "ketamine; check current medicines.",
        f"{SOURCE_KETALAR}; {SOURCE_INTAKE} (seizures)",
    ),
    Condition(
        "bladder_symptoms",
        "Do you have bladder pain, pain when passing urine, a frequent or urgent "
        "need to pass urine, or blood in your urine?",
        "Bladder symptoms: genitourinary pain and cystitis are reported with "
        "chronic ketamine use; record a baseline and monitor bladder function.",
        f"{SOURCE_KETALAR}; Sanacora 2017 (monitor bladder function); Spravato PI "
        "(ulcerative or interstitial cystitis, CLINICAL.md 4)",
    ),
)

CONDITIONS: Mapping[str, Condition] = MappingProxyType(
    {condition.key: condition for condition in _CONDITIONS}
)

# The medical-history checklist: key -> the question the patient answers.
CHECKLIST: Mapping[str, str] = MappingProxyType(
    {condition.key: condition.question for condition in _CONDITIONS}
)

# Findings from facts outside the checklist, classed by the policy like conditions.
FACT_RULES: Mapping[str, Condition] = MappingProxyType(
    {
        rule.key: rule
        for rule in (
            Condition(
                "pregnancy",
                "Are you pregnant?",
                "Pregnancy: ketamine is not recommended; little is known about "
                "effects on the fetus. A common clinic exclusion.",
                "CLINICAL.md 1.4: 'Safe Ketamine Use and Pregnancy', J Clin "
                f"Psychiatry 2024; {SOURCE_CLINIC_EXCLUSIONS}",
            ),
            Condition(
                "breastfeeding",
                "Are you breastfeeding?",
                "Breastfeeding: a common clinic exclusion; the Spravato label says "
                "not to breastfeed.",
                f"{SOURCE_CLINIC_EXCLUSIONS}; Spravato PI (CLINICAL.md 4)",
            ),
            Condition(
                "pregnancy_not_ruled_out",
                "Are you pregnant? (answered: not sure)",
                "Pregnancy not ruled out: the patient is not sure. Do a pregnancy "
                "test before any infusion; until it is negative, treat as pregnant.",
                SOURCE_PREGNANCY,
            ),
            Condition(
                "active_substance_use",
                "Do you have a substance use problem now?",
                "Active substance use disorder: no serial infusions (an induction "
                "series is serial); universal precautions for abuse.",
                f"{SOURCE_COHEN}; {SOURCE_CLINIC_EXCLUSIONS}",
            ),
            Condition(
                "substance_use_history",
                "Has a clinician ever told you that you have a substance use disorder?",
                "History of a substance use disorder: ketamine can be misused. Ask "
                "about use now, take precautions against misuse and monitor "
                "substance use throughout treatment.",
                SOURCE_SUD_HISTORY,
            ),
            Condition(
                "suicide_attempt_history",
                "Have you ever tried to end your life?",
                "Past suicide attempt: a clinician assesses current suicide risk "
                "(for example with the C-SSRS) before treatment; an attempt in the "
                "past 3 months is high risk.",
                SOURCE_SUICIDE_HISTORY,
            ),
            Condition(
                "severe_hypertension",
                "Blood pressure measured at intake",
                "Severe hypertension: defer treatment and refer for blood-pressure "
                "care. With chest pain, severe headache, a change in vision, "
                "weakness, numbness or breathlessness it is an emergency.",
                SOURCE_SEVERE_BP,
            ),
            Condition(
                "under_minimum_age",
                "Date of birth",
                "Below the clinic's minimum age: the protocols and defaults here are "
                "for adults.",
                SOURCE_ADULTS,
            ),
        )
    }
)

DEFAULT_ABSOLUTE = frozenset(
    {
        "ketamine_hypersensitivity",  # Ketalar PI: contraindication
        "aneurysmal_vascular_disease",  # Spravato PI: absolute
        "avm",
        "intracerebral_haemorrhage",
        "uncontrolled_hypertension",  # Cohen 2018: "should not be used"
        "recent_mi_or_unstable_angina",
        "heart_failure_decompensated",
        "poorly_controlled_cv_disease",
        "psychosis_poorly_controlled",  # Cohen 2018: "avoid"
        "schizophrenia",  # primary psychotic disorder: clinic exclusions, 1.4
        "mania_current",  # clinic exclusions, 1.4
        "severe_hepatic_impairment",  # Cohen 2018: "avoid"
        "active_substance_use",  # Cohen 2018: "no serial infusions"
        "pregnancy",  # J Clin Psychiatry 2024: "not recommended"; clinic exclusion
        "pregnancy_not_ruled_out",  # a hard stop until a pregnancy test is negative
        "severe_hypertension",  # CLINICAL.md 1.7: > 180/110, defer and refer
        "under_minimum_age",  # adult protocols only (CLINICAL.md 1.1-1.2, 4)
    }
)
DEFAULT_RELATIVE = frozenset(
    {
        "raised_icp",  # "or only at lower doses with extreme caution"
        "raised_iop_glaucoma",
        "moderate_hepatic_impairment",  # "use judiciously with monitoring"
        "breastfeeding",  # clinic exclusion; Spravato PI: do not breastfeed
    }
)
# Any other rule answered yes is a risk flag: suicide_attempt_history,
# substance_use_history, and the checklist's history questions.


# --- Interacting medications (CLINICAL.md 1.4, 1.5, 4.1, 8) -----------------------


@dataclass(frozen=True, slots=True)
class InteractionClass:
    """A class of medicines that interacts with ketamine, by common generic names.

    The names of each class are general knowledge (GK); the class and what it does
    with ketamine come from ``source``. A medicine line matches when
    ``medicines.identify`` reads one of ``drugs`` in it, by generic or brand name
    ("Lorazepam 1 mg at night", "Ativan 1 mg"); a line it cannot read is a "could
    not identify" finding.
    """

    key: str
    label: str
    drugs: frozenset[str]
    message: str
    source: str


INTERACTIONS: Mapping[str, InteractionClass] = MappingProxyType(
    {
        interaction.key: interaction
        for interaction in (
            InteractionClass(
                "benzodiazepines",
                "Benzodiazepine",
                medicines.INGREDIENT_GROUPS["benzodiazepines"],
                "Profound sedation and respiratory depression with ketamine. Clinics "
                "limit PRN benzodiazepines on treatment day (may blunt the effect); "
                "discuss high doses.",
                f"{SOURCE_KETALAR}; CLINICAL.md 1.5 (citclinics.com; ketwell.com)",
            ),
            InteractionClass(
                "opioids",
                "Opioid",
                medicines.INGREDIENT_GROUPS["opioids"],
                "Profound sedation and respiratory depression with ketamine. Clinics "
                "ask patients to skip opioids the morning of treatment.",
                f"{SOURCE_KETALAR}; CLINICAL.md 1.5 (citclinics.com)",
            ),
            InteractionClass(
                "cns_depressants",
                "Other CNS depressant",
                medicines.INGREDIENT_GROUPS["sedatives"],
                "Profound sedation and respiratory depression with ketamine. Clinics "
                "ask patients to skip sedative-hypnotics the morning of treatment.",
                f"{SOURCE_KETALAR}; CLINICAL.md 1.5 (citclinics.com); 4.1 "
                "(non-benzodiazepine sedative hypnotics)",
            ),
            InteractionClass(
                "theophyllines",
                "Theophylline or aminophylline",
                medicines.INGREDIENT_GROUPS["theophyllines"],
                "Lowers the seizure threshold with ketamine.",
                SOURCE_KETALAR,
            ),
            InteractionClass(
                "sympathomimetics",
                "Sympathomimetic or stimulant",
                medicines.INGREDIENT_GROUPS["stimulants"],
                "Monitor blood pressure. Clinics ask patients to skip stimulants the "
                "morning of treatment.",
                f"{SOURCE_KETALAR}; CLINICAL.md 1.5 (citclinics.com); 4.1 "
                "(psychostimulants)",
            ),
            InteractionClass(
                "maois",
                "Monoamine oxidase inhibitor",
                medicines.INGREDIENT_GROUPS["maois"],
                "May change blood pressure with ketamine; the Spravato REMS asks "
                "about MAOIs at every session.",
                "CLINICAL.md 4.1: Spravato REMS Patient Monitoring Form (medicines "
                "that may cause sedation or blood-pressure change); CLINICAL.md 8",
            ),
            InteractionClass(
                "lamotrigine",
                "Lamotrigine",
                frozenset({"lamotrigine"}),
                "Clinics ask to discuss it before treatment.",
                "CLINICAL.md 1.5: ketwell.com (lamotrigine and high-dose "
                "benzodiazepines: discuss); CLINICAL.md 8",
            ),
        )
    }
)


def drug_key(name: str) -> str:
    """A drug name as the dose table spells it: " Sertraline " -> "sertraline"."""
    return " ".join(name.lower().split())


def trial_drug(name: str) -> str:
    """The ingredient a trial's drug stands for, as the dose table spells it:
    "Wellbutrin XL" -> "bupropion"; a name not known to ``medicines`` (or a
    combination) as written, so that a clinic's own table entry still applies."""
    return medicines.single_ingredient(name) or drug_key(name)


# --- Minimum adequate daily doses: CLINICAL.md 8.1 (GK, configurable) -------------

MINIMUM_DAILY_DOSE_MG: Mapping[str, Decimal] = MappingProxyType(
    {
        "fluoxetine": Decimal("20"),
        "sertraline": Decimal("50"),
        "paroxetine": Decimal("20"),
        "citalopram": Decimal("20"),
        "escitalopram": Decimal("10"),
        "fluvoxamine": Decimal("100"),
        "vilazodone": Decimal("20"),
        "nortriptyline": Decimal("50"),
        "imipramine": Decimal("150"),
        "phenelzine": Decimal("45"),
        "venlafaxine": Decimal("75"),
        "desvenlafaxine": Decimal("50"),
        "duloxetine": Decimal("60"),
        "bupropion": Decimal("300"),
        "mirtazapine": Decimal("15"),
        "vortioxetine": Decimal("10"),
        "trazodone": Decimal("300"),
        "amitriptyline": Decimal("150"),
        "clomipramine": Decimal("150"),
        "tranylcypromine": Decimal("30"),
    }
)

# CLINICAL.md 8: >= 2 failed adequate trials in the current episode, each >= 6 weeks
# at or above the minimum dose; trial length configurable, 4-6 weeks in the sources.
TRD_TRIALS_NEEDED = 2
TRD_MINIMUM_WEEKS = 6
TRD_LOWEST_MINIMUM_WEEKS = 4

# CLINICAL.md 1.7 suggested default: pre-infusion BP >= 160/100 hold for clinician
# review; 140-159 / 90-99 proceed only with clinician acknowledgement.
BP_HOLD_SYSTOLIC_MM_HG = 160
BP_HOLD_DIASTOLIC_MM_HG = 100
BP_ACKNOWLEDGE_SYSTOLIC_MM_HG = 140
BP_ACKNOWLEDGE_DIASTOLIC_MM_HG = 90
# CLINICAL.md 1.7: severe hypertension is a blood pressure above 180/110 mmHg
# (Hebert & Vidt 2008): its own tier, defer and refer.
BP_SEVERE_SYSTOLIC_MM_HG = 180
BP_SEVERE_DIASTOLIC_MM_HG = 110

# CLINICAL.md 1.6: greater blood-pressure rise at age >= 50 (physiciansweekly.com).
BP_SURGE_AGE_YEARS = 50
# The protocols and doses in CLINICAL.md are for adults (e.g. Spravato dosing, 4).
ADULT_AGE_YEARS = 18


@dataclass(frozen=True, slots=True)
class ScreeningPolicy:
    """The clinic's screening settings; the defaults are CLINICAL.md's.

    ``absolute`` and ``relative`` name the keys of ``CONDITIONS`` and
    ``FACT_RULES`` whose yes is an absolute or a relative contraindication; any
    other key answered yes is a risk flag.
    """

    trd_trials_needed: int = TRD_TRIALS_NEEDED
    trd_minimum_weeks: int = TRD_MINIMUM_WEEKS
    trd_current_episode_only: bool = True
    minimum_daily_dose_mg: Mapping[str, Decimal] = field(
        default_factory=lambda: MINIMUM_DAILY_DOSE_MG
    )
    absolute: frozenset[str] = DEFAULT_ABSOLUTE
    relative: frozenset[str] = DEFAULT_RELATIVE
    bp_hold_systolic_mm_hg: int = BP_HOLD_SYSTOLIC_MM_HG
    bp_hold_diastolic_mm_hg: int = BP_HOLD_DIASTOLIC_MM_HG
    bp_acknowledge_systolic_mm_hg: int = BP_ACKNOWLEDGE_SYSTOLIC_MM_HG
    bp_acknowledge_diastolic_mm_hg: int = BP_ACKNOWLEDGE_DIASTOLIC_MM_HG
    bp_severe_systolic_mm_hg: int = BP_SEVERE_SYSTOLIC_MM_HG
    bp_severe_diastolic_mm_hg: int = BP_SEVERE_DIASTOLIC_MM_HG
    bp_surge_age_years: int = BP_SURGE_AGE_YEARS
    minimum_age_years: int = ADULT_AGE_YEARS

    def __post_init__(self) -> None:
        if self.trd_trials_needed < 1:
            raise ValueError("The number of trials needed for TRD must be at least 1.")
        if self.trd_minimum_weeks < TRD_LOWEST_MINIMUM_WEEKS:
            raise ValueError(
                f"A trial must last at least {TRD_LOWEST_MINIMUM_WEEKS} weeks to be "
                f"adequate (CLINICAL.md 8), not {self.trd_minimum_weeks}."
            )
        for drug, dose_mg in self.minimum_daily_dose_mg.items():
            if drug != drug_key(drug):
                raise ValueError(f"Write the drug {drug!r} as {drug_key(drug)!r}.")
            if not (isinstance(dose_mg, Decimal) and dose_mg > 0):
                raise ValueError(f"The minimum dose of {drug} must be a positive mg.")
        known = CONDITIONS.keys() | FACT_RULES.keys()
        for name in ("absolute", "relative"):
            unknown = getattr(self, name) - known
            if unknown:
                raise ValueError(
                    f"Unknown condition(s) in {name}: {', '.join(sorted(unknown))}."
                )
        both = self.absolute & self.relative
        if both:
            raise ValueError(f"Both absolute and relative: {', '.join(sorted(both))}.")
        if not (
            self.bp_acknowledge_systolic_mm_hg < self.bp_hold_systolic_mm_hg
            and self.bp_acknowledge_diastolic_mm_hg < self.bp_hold_diastolic_mm_hg
        ):
            raise ValueError(
                "The blood pressure needing acknowledgement must be below the one "
                "that holds treatment."
            )
        if not (
            self.bp_hold_systolic_mm_hg <= self.bp_severe_systolic_mm_hg
            and self.bp_hold_diastolic_mm_hg <= self.bp_severe_diastolic_mm_hg
        ):
            raise ValueError(
                "Severe hypertension must lie above the blood pressure that holds "
                "treatment."
            )
        if self.minimum_age_years < 0:
            raise ValueError("The minimum age cannot be negative.")

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> ScreeningPolicy:
        """The defaults with a clinic's changes, as its configuration writes them:
        numbers and true/false as they are, ``absolute`` and ``relative`` as lists
        of rule names, ``minimum_daily_dose_mg`` as drug: "mg" added to the table.
        Raises ValueError naming what is wrong."""
        known = set(cls.__dataclass_fields__)
        unknown = set(settings) - known
        if unknown:
            raise ValueError(
                f"Unknown screening setting(s): {', '.join(sorted(unknown))}; "
                f"expected some of {', '.join(sorted(known))}."
            )
        values: dict[str, object] = {}
        for name, value in settings.items():
            if name in ("absolute", "relative"):
                if not isinstance(value, list):
                    raise ValueError(f"{name} must be a list of rule names.")
                values[name] = frozenset(str(key) for key in value)
            elif name == "minimum_daily_dose_mg":
                if not isinstance(value, dict):
                    raise ValueError(f"{name} must map drugs to mg.")
                try:
                    added = {drug: Decimal(str(mg)) for drug, mg in value.items()}
                except ArithmeticError:
                    raise ValueError(f"{name}: every dose must be a number.") from None
                values[name] = MappingProxyType({**MINIMUM_DAILY_DOSE_MG, **added})
            elif name == "trd_current_episode_only":
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false, not {value!r}.")
                values[name] = value
            elif isinstance(value, int) and not isinstance(value, bool):
                values[name] = value
            else:
                raise ValueError(f"{name} must be a whole number, not {value!r}.")
        return cls(**values)  # type: ignore[arg-type]

    def kind_of(self, key: str) -> FindingKind:
        if key in self.absolute:
            return FindingKind.ABSOLUTE_CONTRAINDICATION
        if key in self.relative:
            return FindingKind.RELATIVE_CONTRAINDICATION
        return FindingKind.RISK_FLAG


DEFAULT_POLICY = ScreeningPolicy()


# --- Facts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AntidepressantTrial:
    """One antidepressant trial as intake records it (CLINICAL.md 8).

    ``weeks``: how long the patient took ``max_daily_dose_mg``, the highest daily
    dose reached. ``current_episode``: None when not known.
    """

    drug: str
    max_daily_dose_mg: Decimal | None
    weeks: int | None
    outcome: TrialOutcome
    current_episode: bool | None

    def __post_init__(self) -> None:
        if not drug_key(self.drug):
            raise ValueError("A trial needs the name of its drug.")
        dose = self.max_daily_dose_mg
        if dose is not None and not isinstance(dose, Decimal):
            # A float would carry binary rounding error into the comparison.
            raise TypeError(
                f"The {self.drug} dose must be a Decimal in mg, not {type(dose)!r}."
            )
        if dose is not None and not (dose.is_finite() and dose > 0):
            raise ValueError(f"The {self.drug} dose must be a positive mg, not {dose}.")
        if self.weeks is not None and self.weeks < 0:
            raise ValueError(f"The {self.drug} trial cannot last {self.weeks} weeks.")
        # TrialOutcome(...) also takes the stored string and refuses any other.
        object.__setattr__(self, "outcome", TrialOutcome(self.outcome))


@dataclass(frozen=True, slots=True)
class IntakeFacts:
    """What intake knows about a patient. None means "not recorded".

    ``conditions``: checklist keys answered yes; ``conditions_denied``: answered
    no; a checklist key in neither is unanswered. ``medications``: names as
    written, None when the medication list was not taken. ``pregnancy_unsure``:
    the patient answered "not sure" (``pregnant`` is then None).
    ``suicide_attempt_when``: the patient's own words for the last attempt.
    """

    age_years: int | None = None
    indications: frozenset[str] = frozenset()
    trials: tuple[AntidepressantTrial, ...] = ()
    conditions: frozenset[str] = frozenset()
    conditions_denied: frozenset[str] = frozenset()
    medications: tuple[str, ...] | None = None
    substance_use_active: bool | None = None
    pregnant: bool | None = None
    pregnancy_unsure: bool = False
    breastfeeding: bool | None = None
    systolic_bp_mm_hg: int | None = None
    diastolic_bp_mm_hg: int | None = None
    psychosis_history: bool | None = None
    bipolar: bool | None = None
    substance_use_history: bool | None = None
    suicide_attempt: bool | None = None
    suicide_attempt_when: str = ""
    phq9_item9: int | None = None
    cssrs_risk: CssrsRisk | None = None
    escort_named: bool | None = None

    def __post_init__(self) -> None:
        unknown = self.indications - INDICATIONS
        if unknown:
            raise ValueError(
                f"Unknown indication(s): {', '.join(sorted(unknown))}; expected "
                f"{', '.join(sorted(INDICATIONS))}."
            )
        for name in ("conditions", "conditions_denied"):
            unknown = getattr(self, name) - CHECKLIST.keys()
            if unknown:
                raise ValueError(
                    f"Unknown checklist key(s) in {name}: {', '.join(sorted(unknown))}."
                )
        both = self.conditions & self.conditions_denied
        if both:
            raise ValueError(f"Answered both yes and no: {', '.join(sorted(both))}.")
        if self.pregnancy_unsure and self.pregnant is not None:
            raise ValueError("Pregnancy is either answered or not sure, not both.")
        if self.age_years is not None and self.age_years < 0:
            raise ValueError(f"Age cannot be {self.age_years} years.")
        item9 = PHQ9.item("q9")
        if self.phq9_item9 is not None and self.phq9_item9 not in item9.values:
            raise ValueError(f"PHQ-9 item 9 is answered 0-3, not {self.phq9_item9}.")
        systolic, diastolic = self.systolic_bp_mm_hg, self.diastolic_bp_mm_hg
        for label, value in (("Systolic", systolic), ("Diastolic", diastolic)):
            if value is not None and value <= 0:
                raise ValueError(f"{label} blood pressure cannot be {value} mmHg.")
        if systolic is not None and diastolic is not None and systolic <= diastolic:
            raise ValueError(
                f"Systolic pressure ({systolic}) must be above diastolic "
                f"({diastolic}); were they swapped?"
            )
        if self.cssrs_risk is not None:
            # CssrsRisk(...) also takes the stored string and refuses any other.
            object.__setattr__(self, "cssrs_risk", CssrsRisk(self.cssrs_risk))


# --- Results ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrialAssessment:
    """Whether a trial was adequate (None: cannot judge), whether it counts as a
    failed adequate trial toward TRD, and why."""

    trial: AntidepressantTrial
    adequate: bool | None
    counts_toward_trd: bool
    reasons: tuple[str, ...]

    def describe(self) -> str:
        trial = self.trial
        dose = (
            f"{trial.max_daily_dose_mg:f} mg/day"
            if trial.max_daily_dose_mg is not None
            else "dose not recorded"
        )
        weeks = f"{trial.weeks} weeks" if trial.weeks is not None else "weeks unknown"
        drug = trial.drug
        if trial_drug(drug) != drug_key(drug):
            drug = f"{drug} ({trial_drug(drug)})"
        outcome = trial.outcome.value.replace("_", " ")
        return f"{drug} {dose}, {weeks}, {outcome}: " + "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class Screening:
    """Findings for a clinician to weigh; never a decision."""

    findings: tuple[Finding, ...]
    trials: tuple[TrialAssessment, ...]

    @property
    def adequate_trials(self) -> tuple[TrialAssessment, ...]:
        return tuple(trial for trial in self.trials if trial.adequate is True)

    @property
    def inadequate_trials(self) -> tuple[TrialAssessment, ...]:
        return tuple(trial for trial in self.trials if trial.adequate is False)

    @property
    def unjudged_trials(self) -> tuple[TrialAssessment, ...]:
        return tuple(trial for trial in self.trials if trial.adequate is None)

    @property
    def hard_stops(self) -> tuple[Finding, ...]:
        """The findings a clinician can pass only by a named override with a
        reason of its own (CLINICAL.md, framing): the absolute contraindications."""
        return self.of_kind(FindingKind.ABSOLUTE_CONTRAINDICATION)

    def of_kind(self, kind: FindingKind) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.kind is kind)

    def get(self, code: str) -> Finding | None:
        for finding in self.findings:
            if finding.code == code:
                return finding
        return None


# --- Screening --------------------------------------------------------------------


def assess_trial(
    trial: AntidepressantTrial, policy: ScreeningPolicy = DEFAULT_POLICY
) -> TrialAssessment:
    """Judge one trial against the CLINICAL.md 8.1 dose table and the policy."""
    drug = trial_drug(trial.drug)
    minimum_mg = policy.minimum_daily_dose_mg.get(drug)
    short: list[str] = []
    unknown: list[str] = []
    if minimum_mg is None and medicines.identify(trial.drug) is None:
        unknown.append(
            f"could not identify the medicine {trial.drug!r} and it is not in the "
            "minimum adequate dose table: cannot judge adequacy"
        )
    elif minimum_mg is None:
        unknown.append(
            f"{trial.drug} is not in the minimum adequate dose table: cannot judge "
            "adequacy"
        )
    elif trial.max_daily_dose_mg is None:
        unknown.append("highest daily dose not recorded: cannot judge adequacy")
    elif trial.max_daily_dose_mg < minimum_mg:
        short.append(
            f"dose {trial.max_daily_dose_mg:f} mg/day is below the minimum adequate "
            f"{minimum_mg:f} mg/day"
        )
    if trial.weeks is None:
        unknown.append("weeks at that dose not recorded: cannot judge adequacy")
    elif trial.weeks < policy.trd_minimum_weeks:
        short.append(
            f"{trial.weeks} weeks at that dose is shorter than the "
            f"{policy.trd_minimum_weeks} weeks needed"
        )

    adequate: bool | None
    if short:
        adequate, reasons = False, short + unknown
    elif unknown:
        adequate, reasons = None, unknown
    else:
        adequate = True
        reasons = [
            f"adequate: at least {minimum_mg:f} mg/day for at least "
            f"{policy.trd_minimum_weeks} weeks"
        ]

    counts = adequate is True
    if trial.outcome not in FAILED_OUTCOMES:
        counts = False
        reasons.append(_NOT_A_FAILURE[trial.outcome])
    if trial.current_episode is False and policy.trd_current_episode_only:
        counts = False
        reasons.append("in an earlier episode: only the current episode counts")
    elif trial.current_episode is None and policy.trd_current_episode_only:
        if counts:
            reasons.append(
                "not known whether it was in the current episode: does not count "
                "until that is answered"
            )
        counts = False
    if counts:
        reasons.append("counts as a failed adequate trial")
    return TrialAssessment(trial, adequate, counts, tuple(reasons))


_NOT_A_FAILURE = {
    TrialOutcome.RESPONSE_THEN_RELAPSE: (
        "responded, then relapsed: not a non-response, does not count"
    ),
    TrialOutcome.INTOLERANCE: (
        "stopped for intolerance: not a failure of efficacy, does not count"
    ),
    TrialOutcome.UNKNOWN: "outcome not recorded: does not count",
}


def screen(facts: IntakeFacts, policy: ScreeningPolicy = DEFAULT_POLICY) -> Screening:
    """Turn intake facts into findings, each with its reason and its source.

    The software proposes; the clinician decides. ``screen`` never accepts or
    refuses a patient and never returns a decision: it returns findings (criteria
    met or not, contraindications, interactions, risk flags, missing facts) for a
    clinician to weigh and sign. The same facts and policy always give the same
    findings, in the same order.
    """
    assessments = tuple(assess_trial(trial, policy) for trial in facts.trials)
    findings = [
        *_indication_findings(facts),
        *_trd_findings(facts, assessments, policy),
        *_condition_findings(facts, policy),
        *_interaction_findings(facts),
        *_blood_pressure_findings(facts, policy),
        *_age_findings(facts, policy),
        *_psychiatric_findings(facts, policy),
        *_suicide_risk_findings(facts, policy),
        *_escort_findings(facts),
    ]
    order = list(FindingKind)
    findings.sort(key=lambda finding: (order.index(finding.kind), not finding.urgent))
    return Screening(findings=tuple(findings), trials=assessments)


def _missing(code: str, message: str, source: str = SOURCE_INTAKE) -> Finding:
    return Finding(
        FindingKind.MISSING_FACT, code, message, reason="not recorded", source=source
    )


def _indication_findings(facts: IntakeFacts) -> Iterable[Finding]:
    if not facts.indications:
        yield _missing(
            "indications",
            "What the patient wants treated is not recorded.",
            "DESIGN.md patient journey 1; " + SOURCE_INTAKE,
        )


def _trd_findings(
    facts: IntakeFacts,
    assessments: tuple[TrialAssessment, ...],
    policy: ScreeningPolicy,
) -> Iterable[Finding]:
    for assessment in assessments:
        trial = assessment.trial
        if assessment.adequate is None:
            yield Finding(
                FindingKind.MISSING_FACT,
                "trial_adequacy_unknown",
                f"Cannot judge whether the {trial.drug} trial was adequate.",
                reason=assessment.describe(),
                source=SOURCE_DOSE_TABLE,
            )
        if trial.outcome is TrialOutcome.UNKNOWN:
            yield Finding(
                FindingKind.MISSING_FACT,
                "trial_outcome_unknown",
                f"The outcome of the {trial.drug} trial is not recorded.",
                reason=assessment.describe(),
                source=SOURCE_INTAKE,
            )
        if trial.current_episode is None and policy.trd_current_episode_only:
            yield Finding(
                FindingKind.MISSING_FACT,
                "trial_episode_unknown",
                f"Whether the {trial.drug} trial was in the current episode is not "
                "recorded.",
                reason=assessment.describe(),
                source=SOURCE_TRD,
            )
    if "depression" not in facts.indications:
        return
    counted = _distinct_drugs(a for a in assessments if a.counts_toward_trd)
    needed = policy.trd_trials_needed
    episode = " in the current episode" if policy.trd_current_episode_only else ""
    rule = (
        f"the policy needs {needed} failed adequate trial(s){episode}, each at least "
        f"{policy.trd_minimum_weeks} weeks at or above the minimum dose"
    )
    reason = (
        "; ".join(a.describe() for a in assessments)
        or "no antidepressant trials recorded"
    )
    if len(counted) >= needed:
        yield Finding(
            FindingKind.CRITERION_MET,
            "trd",
            f"Criteria for treatment-resistant depression met: {len(counted)} failed "
            f"adequate trial(s) ({', '.join(counted)}); {rule}.",
            reason=reason,
            source=SOURCE_TRD,
        )
        return
    unjudged = sum(1 for a in assessments if a.adequate is None)
    pending = (
        f" {unjudged} trial(s) could not be judged; the criteria may be met once "
        "they are."
        if unjudged
        else ""
    )
    waiting = _distinct_drugs(
        a
        for a in assessments
        if policy.trd_current_episode_only
        and a.adequate is True
        and a.trial.outcome in FAILED_OUTCOMES
        and a.trial.current_episode is None
        and trial_drug(a.trial.drug) not in counted
    )
    if waiting:
        pending += (
            f" {len(waiting)} failed adequate trial(s) ({', '.join(waiting)}) count "
            "once the patient says they were in the current episode."
        )
    yield Finding(
        FindingKind.CRITERION_NOT_MET,
        "trd",
        f"Criteria for treatment-resistant depression not met: {len(counted)} "
        f"failed adequate trial(s); {rule}.{pending}",
        reason=reason,
        source=SOURCE_TRD,
    )


def _distinct_drugs(assessments: Iterable[TrialAssessment]) -> list[str]:
    """Drug names in order, each once: a drug tried twice is one failed agent."""
    return list(dict.fromkeys(trial_drug(a.trial.drug) for a in assessments))


def _condition_findings(
    facts: IntakeFacts, policy: ScreeningPolicy
) -> Iterable[Finding]:
    for key, condition in CONDITIONS.items():
        if key in facts.conditions:
            yield Finding(
                policy.kind_of(key),
                key,
                condition.message,
                reason=f"medical history: yes to {condition.question!r}",
                source=condition.source,
            )
    unanswered = [
        key
        for key in CHECKLIST
        if key not in facts.conditions and key not in facts.conditions_denied
    ]
    if unanswered:
        yield Finding(
            FindingKind.MISSING_FACT,
            "medical_history",
            f"{len(unanswered)} medical-history question(s) not answered.",
            reason="not answered: "
            + " ".join(repr(CHECKLIST[key]) for key in unanswered),
            source=f"{SOURCE_INTAKE} (medical history); CLINICAL.md 1.4",
        )
    if facts.pregnancy_unsure:
        yield _rule_finding(
            "pregnancy_not_ruled_out",
            policy,
            reason="the patient answered 'not sure' to 'Are you pregnant?'",
        )
    for key, value, unknown in (
        ("pregnancy", facts.pregnant, "Pregnancy status"),
        ("breastfeeding", facts.breastfeeding, "Breastfeeding"),
        ("active_substance_use", facts.substance_use_active, "Active substance use"),
    ):
        rule = FACT_RULES[key]
        if value is None and not (key == "pregnancy" and facts.pregnancy_unsure):
            yield _missing(
                key, f"{unknown} is not recorded.", f"{SOURCE_INTAKE}; {rule.source}"
            )
        elif value:
            yield _rule_finding(
                key, policy, reason=f"the patient answered yes to {rule.question!r}"
            )


def _rule_finding(
    key: str,
    policy: ScreeningPolicy,
    *,
    reason: str,
    message: str | None = None,
    urgent: bool = False,
) -> Finding:
    """The finding of a rule of ``FACT_RULES``, of the kind the policy gives it."""
    rule = FACT_RULES[key]
    return Finding(
        policy.kind_of(key),
        key,
        message or rule.message,
        reason=reason,
        source=rule.source,
        urgent=urgent,
    )


def _interaction_findings(facts: IntakeFacts) -> Iterable[Finding]:
    if facts.medications is None:
        yield _missing(
            "medications",
            "The current medication list is not recorded.",
            f"{SOURCE_INTAKE} (current meds); CLINICAL.md 1.4, 1.5",
        )
        return
    for medication in facts.medications:
        ingredients = medicines.identify(medication)
        if ingredients is None:
            yield _unidentified(medication)
            continue
        for interaction in INTERACTIONS.values():
            matched = [drug for drug in ingredients if drug in interaction.drugs]
            if matched:
                yield Finding(
                    FindingKind.INTERACTION,
                    f"interaction_{interaction.key}",
                    f"{medication} ({interaction.label.lower()}): "
                    f"{interaction.message}",
                    reason=f"current medicine {medication!r} is read as "
                    f"{' and '.join(ingredients)}",
                    source=interaction.source,
                )


def _unidentified(medication: str) -> Finding:
    close = medicines.close_names(medication)
    hint = f" Did the patient mean {' or '.join(close)}?" if close else ""
    return Finding(
        FindingKind.UNIDENTIFIED_MEDICINE,
        "medicine_unidentified",
        f"Could not identify the medicine {medication!r}: check it for interactions "
        f"by hand.{hint}",
        reason=f"current medicine {medication!r} names no medicine known to the "
        "screening",
        source=SOURCE_MEDICINES,
    )


def _blood_pressure_findings(
    facts: IntakeFacts, policy: ScreeningPolicy
) -> Iterable[Finding]:
    systolic, diastolic = facts.systolic_bp_mm_hg, facts.diastolic_bp_mm_hg
    if systolic is None or diastolic is None:
        yield _missing(
            "baseline_bp",
            "Baseline blood pressure is not recorded.",
            f"{SOURCE_INTAKE} (baseline BP); CLINICAL.md 1.5",
        )
        return
    reading = f"baseline blood pressure {systolic}/{diastolic} mmHg"
    hold = f"{policy.bp_hold_systolic_mm_hg}/{policy.bp_hold_diastolic_mm_hg}"
    severe = f"{policy.bp_severe_systolic_mm_hg}/{policy.bp_severe_diastolic_mm_hg}"
    if (
        systolic > policy.bp_severe_systolic_mm_hg
        or diastolic > policy.bp_severe_diastolic_mm_hg
    ):
        yield _rule_finding(
            "severe_hypertension",
            policy,
            message=f"Blood pressure above {severe} mmHg (severe hypertension): "
            + FACT_RULES["severe_hypertension"].message.removeprefix(
                "Severe hypertension: "
            ),
            reason=reading,
        )
    elif (
        systolic >= policy.bp_hold_systolic_mm_hg
        or diastolic >= policy.bp_hold_diastolic_mm_hg
    ):
        yield Finding(
            FindingKind.RELATIVE_CONTRAINDICATION,
            "bp_hold",
            f"Blood pressure at or above {hold} mmHg (up to {severe}): before an "
            "infusion this holds treatment for clinician review (after 5 minutes' "
            "rest and one re-check).",
            reason=reading,
            source=SOURCE_BP_POLICY,
        )
    elif (
        systolic >= policy.bp_acknowledge_systolic_mm_hg
        or diastolic >= policy.bp_acknowledge_diastolic_mm_hg
    ):
        acknowledge = (
            f"{policy.bp_acknowledge_systolic_mm_hg}/"
            f"{policy.bp_acknowledge_diastolic_mm_hg}"
        )
        yield Finding(
            FindingKind.RISK_FLAG,
            "bp_acknowledge",
            f"Blood pressure at or above {acknowledge} mmHg but below {hold}: "
            "proceed only with clinician acknowledgement.",
            reason=reading,
            source=SOURCE_BP_POLICY,
        )


def _age_findings(facts: IntakeFacts, policy: ScreeningPolicy) -> Iterable[Finding]:
    age = facts.age_years
    if age is None:
        yield _missing("age", "Age is not recorded.")
        return
    if age < policy.minimum_age_years:
        yield _rule_finding(
            "under_minimum_age",
            policy,
            message=f"Under {policy.minimum_age_years}, the clinic's minimum age: "
            "the protocols and defaults here are for adults.",
            reason=f"age {age} years",
        )
    if age >= policy.bp_surge_age_years:
        yield Finding(
            FindingKind.RISK_FLAG,
            "age_bp_surge",
            f"Age {policy.bp_surge_age_years} or over: larger blood-pressure rises "
            "during infusions are more likely.",
            reason=f"age {age} years",
            source=SOURCE_BP_SURGES,
        )


def _psychiatric_findings(
    facts: IntakeFacts, policy: ScreeningPolicy
) -> Iterable[Finding]:
    if facts.psychosis_history is None:
        yield _missing("psychosis_history", "History of psychosis is not recorded.")
    elif facts.psychosis_history:
        yield Finding(
            FindingKind.RISK_FLAG,
            "psychosis_history",
            "History of psychosis: give it attention in the assessment; a primary "
            "psychotic disorder (schizophrenia, schizoaffective disorder) and "
            "poorly controlled psychosis are contraindications.",
            reason="the patient says a clinician has told them they have psychosis "
            "or schizophrenia",
            source="CLINICAL.md 1.1: Sanacora 2017 (attention to psychosis "
            f"history); {SOURCE_COHEN}",
        )
    if facts.bipolar is None:
        yield _missing(
            "bipolar", "Whether the patient has bipolar disorder is not recorded."
        )
    elif facts.bipolar:
        yield Finding(
            FindingKind.RISK_FLAG,
            "bipolar",
            "Bipolar disorder: check for current mania (a common clinic exclusion) "
            "and code a depressive episode as bipolar (F31.3-F31.5), not MDD.",
            reason="the patient says a clinician has told them they have bipolar "
            "disorder",
            source=f"{SOURCE_CLINIC_EXCLUSIONS}; CLINICAL.md 5.5 (bipolar, current "
            "episode depressed: screening relevance)",
        )
    if facts.substance_use_history:
        yield _rule_finding(
            "substance_use_history",
            policy,
            reason="the patient says a clinician has told them they have a "
            "substance use disorder",
        )


def _suicide_risk_findings(
    facts: IntakeFacts, policy: ScreeningPolicy
) -> Iterable[Finding]:
    if facts.suicide_attempt is None:
        yield _missing(
            "suicide_attempt_history",
            "Whether the patient has ever tried to end their life is not recorded.",
            SOURCE_SUICIDE_HISTORY,
        )
    elif facts.suicide_attempt:
        when = facts.suicide_attempt_when.strip()
        yield _rule_finding(
            "suicide_attempt_history",
            policy,
            reason="the patient answered yes to 'Have you ever tried to end your "
            "life?'" + (f"; the last time: {when}" if when else ""),
            urgent=True,
        )
    if facts.phq9_item9 is None:
        yield _missing(
            "phq9_item9",
            "PHQ-9 item 9 (thoughts of death or self-harm) is not answered.",
            f"{SOURCE_INTAKE} (baseline scales); {SOURCE_PHQ9_ITEM9}",
        )
    elif facts.phq9_item9 >= PHQ9_ITEM9_FLAG_AT:
        yield Finding(
            FindingKind.RISK_FLAG,
            "phq9_item9",
            Flag.SUICIDE_RISK.message,
            reason=f"PHQ-9 item 9 answered {facts.phq9_item9} "
            f"({PHQ9.item('q9').label_of(facts.phq9_item9)!r})",
            source=SOURCE_PHQ9_ITEM9,
            urgent=True,
        )
    risk = facts.cssrs_risk
    if risk is None:
        yield _missing(
            "cssrs",
            "The C-SSRS screener is not recorded.",
            f"{SOURCE_INTAKE} (suicide history, C-SSRS)",
        )
    elif risk is not CssrsRisk.NONE:
        message = {
            CssrsRisk.LOW: Flag.SUICIDAL_IDEATION_LOW_RISK.message,
            CssrsRisk.MODERATE: "Moderate suicide risk on the C-SSRS screener. "
            + Flag.SUICIDE_RISK.message,
            CssrsRisk.HIGH: Flag.SUICIDE_RISK_HIGH.message,
        }[risk]
        yield Finding(
            FindingKind.RISK_FLAG,
            f"cssrs_{risk.value}",
            message,
            reason=f"C-SSRS screener risk: {risk.value}",
            source=SOURCE_CSSRS,
            urgent=True,
        )


def _escort_findings(facts: IntakeFacts) -> Iterable[Finding]:
    if facts.escort_named is None:
        yield _missing(
            "escort", "Whether an adult escort is named is not recorded.", SOURCE_ESCORT
        )
    elif facts.escort_named:
        yield Finding(
            FindingKind.CRITERION_MET,
            "escort",
            "An adult escort is named.",
            reason="the intake names an escort",
            source=SOURCE_ESCORT,
        )
    else:
        yield Finding(
            FindingKind.CRITERION_NOT_MET,
            "escort",
            "No adult escort is named: every patient needs one; without an escort "
            "the infusion is cancelled.",
            reason="the intake names no escort",
            source=SOURCE_ESCORT,
        )


__all__ = [
    "CHECKLIST",
    "CONDITIONS",
    "DEFAULT_POLICY",
    "FACT_RULES",
    "INDICATIONS",
    "INTERACTIONS",
    "MINIMUM_DAILY_DOSE_MG",
    "AntidepressantTrial",
    "Condition",
    "Finding",
    "FindingKind",
    "InteractionClass",
    "IntakeFacts",
    "Screening",
    "ScreeningPolicy",
    "TrialAssessment",
    "TrialOutcome",
    "assess_trial",
    "drug_key",
    "screen",
]
