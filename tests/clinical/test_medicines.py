"""The medicine vocabulary: brand and generic names to ingredients."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical import codes, medicines
from ketaclinic.clinical.screening import INTERACTIONS, MINIMUM_DAILY_DOSE_MG


def test_every_drug_screening_judges_is_in_the_vocabulary() -> None:
    judged = set(MINIMUM_DAILY_DOSE_MG).union(
        *(interaction.drugs for interaction in INTERACTIONS.values())
    )
    assert judged <= medicines.INGREDIENTS


def test_every_brand_and_synonym_names_known_ingredients() -> None:
    assert list(medicines.unknown_ingredients()) == []


@pytest.mark.parametrize(
    ("line", "ingredients"),
    [
        ("Xanax", ("alprazolam",)),
        ("Ativan", ("lorazepam",)),
        ("Klonopin", ("clonazepam",)),
        ("Suboxone", ("buprenorphine", "naloxone")),
        ("Norco", ("hydrocodone", "acetaminophen")),
        ("Ambien", ("zolpidem",)),
        ("Adderall", ("amphetamine", "dextroamphetamine")),
        ("Nardil", ("phenelzine",)),
        ("Wellbutrin XL", ("bupropion",)),
        ("Tylenol with codeine #3", ("codeine", "acetaminophen")),
        ("Tylenol 500 mg", ("acetaminophen",)),
        ("Vitamin D3 2000 IU", ("vitamin d",)),
        ("sertraline and Xanax", ("sertraline", "alprazolam")),
        ("pseudoephedrine", ("pseudoephedrine",)),
        ("paracetamol", ("acetaminophen",)),
        ("a blue pill", None),
    ],
)
def test_it_identifies_brand_and_generic_names(
    line: str, ingredients: tuple[str, ...] | None
) -> None:
    assert medicines.identify(line) == ingredients


def test_it_gives_the_rxnorm_codes_clinical_md_verifies() -> None:
    assert medicines.rxnorm_of("lorazepam") == codes.RXNORM_LORAZEPAM
    assert medicines.rxnorm_of("ketamine") == codes.RXNORM_KETAMINE
    assert medicines.rxnorm_of("alprazolam") is None  # not verified in CLINICAL.md


@pytest.mark.parametrize("line", ["none", "None.", "N/A", "nothing", "no medications"])
def test_it_knows_a_line_saying_no_medicines(line: str) -> None:
    assert medicines.is_none_written(line)
    assert not medicines.is_none_written("Nardil")


@given(
    st.sampled_from(sorted(medicines.BRANDS)),
    st.sampled_from(["", " 10 mg", " XR 20mg", " 0.5 MG at night"]),
    st.sampled_from([str.lower, str.upper, str.title]),
)
def test_a_brand_is_read_as_its_ingredients_whatever_the_case_and_dose(
    brand: str, tail: str, case
) -> None:
    assert medicines.identify(case(brand) + tail) == tuple(
        dict.fromkeys(medicines.BRANDS[brand])
    )


@given(st.sampled_from(medicines.suggestions()))
def test_every_suggestion_is_identified(suggestion: str) -> None:
    assert medicines.identify(suggestion) is not None
