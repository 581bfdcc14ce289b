"""Screening against CLINICAL.md 1.4, 1.5, 1.7, 5.1, 8 and 8.1: findings and sources."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical.scales import CssrsRisk, Flag
from ketaclinic.clinical.screening import (
    CHECKLIST,
    CONDITIONS,
    DEFAULT_POLICY,
    FACT_RULES,
    INTERACTIONS,
    MINIMUM_DAILY_DOSE_MG,
    AntidepressantTrial,
    Finding,
    FindingKind,
    IntakeFacts,
    Screening,
    ScreeningPolicy,
    TrialOutcome,
    assess_trial,
    screen,
)

D = Decimal
ABSOLUTE = FindingKind.ABSOLUTE_CONTRAINDICATION
RELATIVE = FindingKind.RELATIVE_CONTRAINDICATION
RISK = FindingKind.RISK_FLAG
MISSING = FindingKind.MISSING_FACT


def trial(
    drug: str = "sertraline",
    dose_mg: str | None = "100",
    weeks: int | None = 8,
    outcome: TrialOutcome = TrialOutcome.NO_RESPONSE,
    current_episode: bool | None = True,
) -> AntidepressantTrial:
    return AntidepressantTrial(
        drug=drug,
        max_daily_dose_mg=None if dose_mg is None else D(dose_mg),
        weeks=weeks,
        outcome=outcome,
        current_episode=current_episode,
    )


# A patient with every fact recorded and nothing to report but the escort and TRD.
COMPLETE = IntakeFacts(
    age_years=40,
    indications=frozenset({"depression"}),
    trials=(trial("sertraline"), trial("venlafaxine", "150")),
    conditions=frozenset(),
    conditions_denied=frozenset(CHECKLIST),
    medications=("ondansetron 4 mg",),
    substance_use_active=False,
    pregnant=False,
    breastfeeding=False,
    systolic_bp_mm_hg=120,
    diastolic_bp_mm_hg=80,
    psychosis_history=False,
    bipolar=False,
    substance_use_history=False,
    suicide_attempt=False,
    phq9_item9=0,
    cssrs_risk=CssrsRisk.NONE,
    escort_named=True,
)


def with_facts(**changes: object) -> Screening:
    return screen(replace(COMPLETE, **changes))  # type: ignore[arg-type]


def codes_of(screening: Screening, kind: FindingKind | None = None) -> list[str]:
    return [f.code for f in screening.findings if kind is None or f.kind is kind]


def trd(screening: Screening) -> Finding:
    finding = screening.get("trd")
    assert finding is not None
    return finding


def test_complete_facts_give_only_the_criteria_findings() -> None:
    result = screen(COMPLETE)
    assert [(f.kind, f.code) for f in result.findings] == [
        (FindingKind.CRITERION_MET, "trd"),
        (FindingKind.CRITERION_MET, "escort"),
    ]


def test_screening_returns_findings_never_a_decision() -> None:
    result = screen(COMPLETE)
    assert set(Screening.__dataclass_fields__) == {"findings", "trials"}
    assert "clinician decides" in (screen.__doc__ or "")
    assert all(isinstance(finding, Finding) for finding in result.findings)


# --- The minimum adequate dose table: CLINICAL.md 8.1 -----------------------------


def test_the_dose_table_is_clinical_md_8_1_exactly() -> None:
    assert dict(MINIMUM_DAILY_DOSE_MG) == {
        "fluoxetine": D(20),
        "sertraline": D(50),
        "paroxetine": D(20),
        "citalopram": D(20),
        "escitalopram": D(10),
        "fluvoxamine": D(100),
        "vilazodone": D(20),
        "nortriptyline": D(50),
        "imipramine": D(150),
        "phenelzine": D(45),
        "venlafaxine": D(75),
        "desvenlafaxine": D(50),
        "duloxetine": D(60),
        "bupropion": D(300),
        "mirtazapine": D(15),
        "vortioxetine": D(10),
        "trazodone": D(300),
        "amitriptyline": D(150),
        "clomipramine": D(150),
        "tranylcypromine": D(30),
    }


@pytest.mark.parametrize("drug", sorted(MINIMUM_DAILY_DOSE_MG))
def test_each_drug_is_adequate_at_its_minimum_and_not_just_below(drug: str) -> None:
    minimum = MINIMUM_DAILY_DOSE_MG[drug]
    assert assess_trial(trial(drug, str(minimum))).adequate is True
    below = assess_trial(trial(drug, str(minimum - D("0.5"))))
    assert below.adequate is False
    assert any("below the minimum adequate" in reason for reason in below.reasons)


# --- Treatment-resistant depression: CLINICAL.md 8 --------------------------------


@pytest.mark.parametrize(
    ("trials", "met", "count"),
    [
        ((), False, 0),
        ((trial("sertraline"),), False, 1),
        ((trial("sertraline"), trial("bupropion", "300")), True, 2),
        (
            (trial("sertraline"), trial("bupropion", "300"), trial("fluoxetine")),
            True,
            3,
        ),
    ],
)
def test_trd_needs_2_failed_adequate_trials(
    trials: tuple[AntidepressantTrial, ...], met: bool, count: int
) -> None:
    finding = trd(with_facts(trials=trials))
    kind = FindingKind.CRITERION_MET if met else FindingKind.CRITERION_NOT_MET
    assert finding.kind is kind
    assert f": {count} failed adequate trial(s)" in finding.message
    assert "the policy needs 2" in finding.message


@pytest.mark.parametrize(
    ("dose_mg", "weeks", "adequate"),
    [
        ("49.9", 8, False),  # just below sertraline's 50 mg
        ("50", 8, True),
        ("50", 5, False),  # just below 6 weeks
        ("50", 6, True),
        ("25", 2, False),
    ],
)
def test_a_trial_is_adequate_at_the_minimum_dose_for_the_minimum_weeks(
    dose_mg: str, weeks: int, adequate: bool
) -> None:
    result = with_facts(
        trials=(trial("sertraline", dose_mg, weeks), trial("bupropion", "300"))
    )
    assert [a.trial.drug for a in result.adequate_trials] == (
        ["sertraline", "bupropion"] if adequate else ["bupropion"]
    )
    assert trd(result).kind is (
        FindingKind.CRITERION_MET if adequate else FindingKind.CRITERION_NOT_MET
    )


def test_an_inadequate_trial_says_why() -> None:
    result = with_facts(trials=(trial("sertraline", "25", 3),))
    (assessment,) = result.inadequate_trials
    assert assessment.reasons[:2] == (
        "dose 25 mg/day is below the minimum adequate 50 mg/day",
        "3 weeks at that dose is shorter than the 6 weeks needed",
    )
    assert "sertraline 25 mg/day, 3 weeks" in trd(result).reason


@pytest.mark.parametrize(("weeks", "adequate"), [(3, False), (4, True)])
def test_a_clinic_may_accept_4_week_trials(weeks: int, adequate: bool) -> None:
    policy = ScreeningPolicy(trd_minimum_weeks=4)
    assert assess_trial(trial(weeks=weeks), policy).adequate is adequate


def test_a_policy_refuses_trials_shorter_than_4_weeks() -> None:
    with pytest.raises(ValueError, match="at least 4 weeks"):
        ScreeningPolicy(trd_minimum_weeks=3)


def test_a_drug_missing_from_the_table_cannot_be_judged_never_passes() -> None:
    result = with_facts(trials=(trial("sertraline"), trial("agomelatine", "50")))
    (unjudged,) = result.unjudged_trials
    assert unjudged.adequate is None
    assert not unjudged.counts_toward_trd
    finding = result.get("trial_adequacy_unknown")
    assert finding is not None
    assert finding.kind is MISSING
    assert "agomelatine" in finding.message
    assert "not in the minimum adequate dose table" in finding.reason
    assert trd(result).kind is FindingKind.CRITERION_NOT_MET
    assert "1 trial(s) could not be judged" in trd(result).message


@pytest.mark.parametrize(("dose_mg", "weeks"), [(None, 8), ("100", None), (None, None)])
def test_a_trial_without_dose_or_weeks_cannot_be_judged(
    dose_mg: str | None, weeks: int | None
) -> None:
    result = with_facts(trials=(trial(dose_mg=dose_mg, weeks=weeks),))
    assert len(result.unjudged_trials) == 1
    assert "trial_adequacy_unknown" in codes_of(result, MISSING)


def test_a_known_shortfall_outweighs_an_unknown() -> None:
    assert assess_trial(trial(dose_mg="10", weeks=None)).adequate is False


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [
        (TrialOutcome.NO_RESPONSE, True),
        (TrialOutcome.PARTIAL, True),
        (TrialOutcome.INTOLERANCE, False),
        (TrialOutcome.RESPONSE_THEN_RELAPSE, False),
        (TrialOutcome.UNKNOWN, False),
    ],
)
def test_only_no_response_or_partial_response_counts_as_failure(
    outcome: TrialOutcome, counts: bool
) -> None:
    result = with_facts(
        trials=(trial("sertraline"), trial("fluoxetine", outcome=outcome))
    )
    assert result.trials[1].adequate is True
    assert result.trials[1].counts_toward_trd is counts
    assert (trd(result).kind is FindingKind.CRITERION_MET) is counts


def test_intolerance_is_adequate_but_not_a_failure() -> None:
    assessment = assess_trial(trial(outcome=TrialOutcome.INTOLERANCE))
    assert assessment.adequate is True
    assert "stopped for intolerance: not a failure of efficacy" in assessment.reasons[1]


def test_an_unknown_outcome_is_a_missing_fact() -> None:
    result = with_facts(trials=(trial(outcome=TrialOutcome.UNKNOWN),))
    assert "trial_outcome_unknown" in codes_of(result, MISSING)


def test_a_trial_in_an_earlier_episode_does_not_count() -> None:
    result = with_facts(
        trials=(trial("sertraline"), trial("fluoxetine", current_episode=False))
    )
    assert trd(result).kind is FindingKind.CRITERION_NOT_MET
    assert "in an earlier episode" in trd(result).reason


def test_a_clinic_may_count_trials_of_any_episode() -> None:
    facts = replace(
        COMPLETE,
        trials=(trial("sertraline"), trial("fluoxetine", current_episode=False)),
    )
    policy = ScreeningPolicy(trd_current_episode_only=False)
    assert trd(screen(facts, policy)).kind is FindingKind.CRITERION_MET


def test_a_trial_of_unknown_episode_does_not_count_until_it_is_answered() -> None:
    result = with_facts(
        trials=(trial("sertraline"), trial("fluoxetine", current_episode=None))
    )
    assert trd(result).kind is FindingKind.CRITERION_NOT_MET
    assert "1 failed adequate trial(s) (fluoxetine) count once" in trd(result).message
    assert "does not count until that is answered" in trd(result).reason
    assert "trial_episode_unknown" in codes_of(result, MISSING)
    answered = with_facts(trials=(trial("sertraline"), trial("fluoxetine")))
    assert trd(answered).kind is FindingKind.CRITERION_MET


def test_a_clinic_counting_any_episode_counts_a_trial_of_unknown_episode() -> None:
    facts = replace(
        COMPLETE,
        trials=(trial("sertraline"), trial("fluoxetine", current_episode=None)),
    )
    policy = ScreeningPolicy(trd_current_episode_only=False)
    assert trd(screen(facts, policy)).kind is FindingKind.CRITERION_MET


def test_the_same_drug_tried_twice_counts_once() -> None:
    result = with_facts(trials=(trial("sertraline"), trial("Sertraline ", "150")))
    assert trd(result).kind is FindingKind.CRITERION_NOT_MET


def test_drug_names_match_the_table_in_any_case() -> None:
    assert assess_trial(trial("  Escitalopram ", "10")).adequate is True


def test_a_clinic_may_need_3_trials() -> None:
    policy = ScreeningPolicy(trd_trials_needed=3)
    finding = trd(screen(COMPLETE, policy))
    assert finding.kind is FindingKind.CRITERION_NOT_MET
    assert "the policy needs 3" in finding.message


def test_a_clinic_may_add_a_drug_to_its_dose_table() -> None:
    table = dict(MINIMUM_DAILY_DOSE_MG) | {"agomelatine": D(25)}
    policy = ScreeningPolicy(minimum_daily_dose_mg=table)
    assert assess_trial(trial("agomelatine", "25"), policy).adequate is True


def test_trd_is_not_assessed_without_depression() -> None:
    result = with_facts(indications=frozenset({"chronic_pain"}))
    assert result.get("trd") is None
    assert len(result.adequate_trials) == 2


def test_no_indication_is_a_missing_fact() -> None:
    result = with_facts(indications=frozenset())
    assert "indications" in codes_of(result, MISSING)


def test_trd_cites_clinical_md_8() -> None:
    assert trd(screen(COMPLETE)).source.startswith("CLINICAL.md 8")


# --- Contraindications and the checklist: CLINICAL.md 1.4 -------------------------


def test_the_checklist_covers_every_contraindication_of_clinical_md_1_4() -> None:
    assert {
        "ketamine_hypersensitivity",
        "aneurysmal_vascular_disease",
        "avm",
        "intracerebral_haemorrhage",
        "uncontrolled_hypertension",
        "recent_mi_or_unstable_angina",
        "heart_failure_decompensated",
        "poorly_controlled_cv_disease",
        "psychosis_poorly_controlled",
        "schizophrenia",
        "mania_current",
        "severe_hepatic_impairment",
        "moderate_hepatic_impairment",
        "raised_icp",
        "raised_iop_glaucoma",
        "seizure_disorder",
        "bladder_symptoms",
    } <= set(CHECKLIST)
    assert {
        "pregnancy",
        "pregnancy_not_ruled_out",
        "breastfeeding",
        "active_substance_use",
        "substance_use_history",
        "suicide_attempt_history",
        "severe_hypertension",
        "under_minimum_age",
    } == set(FACT_RULES)


def test_every_checklist_question_is_a_question() -> None:
    assert all(question.endswith("?") for question in CHECKLIST.values())


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("ketamine_hypersensitivity", ABSOLUTE),
        ("aneurysmal_vascular_disease", ABSOLUTE),
        ("avm", ABSOLUTE),
        ("intracerebral_haemorrhage", ABSOLUTE),
        ("uncontrolled_hypertension", ABSOLUTE),
        ("recent_mi_or_unstable_angina", ABSOLUTE),
        ("heart_failure_decompensated", ABSOLUTE),
        ("poorly_controlled_cv_disease", ABSOLUTE),
        ("psychosis_poorly_controlled", ABSOLUTE),
        ("severe_hepatic_impairment", ABSOLUTE),
        ("moderate_hepatic_impairment", RELATIVE),
        ("raised_icp", RELATIVE),
        ("raised_iop_glaucoma", RELATIVE),
        ("schizophrenia", ABSOLUTE),
        ("mania_current", ABSOLUTE),
        ("hypertension", RISK),
        ("heart_disease", RISK),
        ("stroke", RISK),
        ("liver_disease", RISK),
        ("seizure_disorder", RISK),
        ("bladder_symptoms", RISK),
    ],
)
def test_a_yes_on_the_checklist_gives_its_finding(key: str, kind: FindingKind) -> None:
    result = with_facts(
        conditions=frozenset({key}), conditions_denied=frozenset(CHECKLIST) - {key}
    )
    finding = result.get(key)
    assert finding is not None
    assert finding.kind is kind
    assert finding.message == CONDITIONS[key].message
    assert CHECKLIST[key] in finding.reason
    assert finding.source.startswith("CLINICAL.md")


@pytest.mark.parametrize(
    ("field", "code", "kind"),
    [
        ("pregnant", "pregnancy", ABSOLUTE),
        ("breastfeeding", "breastfeeding", RELATIVE),
        ("substance_use_active", "active_substance_use", ABSOLUTE),
    ],
)
def test_pregnancy_breastfeeding_and_active_substance_use(
    field: str, code: str, kind: FindingKind
) -> None:
    finding = with_facts(**{field: True}).get(code)
    assert finding is not None
    assert finding.kind is kind
    missing = with_facts(**{field: None}).get(code)
    assert missing is not None
    assert missing.kind is MISSING


def test_a_clinic_may_make_a_relative_contraindication_absolute() -> None:
    policy = ScreeningPolicy(
        absolute=DEFAULT_POLICY.absolute | {"raised_icp"},
        relative=DEFAULT_POLICY.relative - {"raised_icp"},
    )
    facts = replace(
        COMPLETE,
        conditions=frozenset({"raised_icp"}),
        conditions_denied=frozenset(CHECKLIST) - {"raised_icp"},
    )
    finding = screen(facts, policy).get("raised_icp")
    assert finding is not None
    assert finding.kind is ABSOLUTE


@pytest.mark.parametrize(
    "key", ["schizophrenia", "mania_current", "pregnancy", "under_minimum_age"]
)
def test_a_clinic_may_make_a_default_hard_stop_relative(key: str) -> None:
    policy = ScreeningPolicy(
        absolute=DEFAULT_POLICY.absolute - {key},
        relative=DEFAULT_POLICY.relative | {key},
    )
    facts = replace(
        COMPLETE,
        age_years=16 if key == "under_minimum_age" else 40,
        pregnant=key == "pregnancy",
        conditions=frozenset({key}) & frozenset(CHECKLIST),
        conditions_denied=frozenset(CHECKLIST) - {key},
    )
    finding = screen(facts, policy).get(key)
    assert finding is not None
    assert finding.kind is RELATIVE


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"absolute": frozenset({"gout"})}, "Unknown condition"),
        ({"relative": DEFAULT_POLICY.relative | {"avm"}}, "Both absolute and relative"),
        ({"trd_trials_needed": 0}, "at least 1"),
        ({"bp_acknowledge_systolic_mm_hg": 160}, "must be below"),
        ({"bp_severe_diastolic_mm_hg": 95}, "must lie above"),
        ({"minimum_age_years": -1}, "cannot be negative"),
        ({"minimum_daily_dose_mg": {"Sertraline": D(50)}}, "Write the drug"),
    ],
)
def test_a_policy_refuses_inconsistent_settings(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ScreeningPolicy(**changes)  # type: ignore[arg-type]


def test_unanswered_checklist_questions_are_one_missing_fact_naming_them() -> None:
    result = with_facts(conditions_denied=frozenset(CHECKLIST) - {"avm", "stroke"})
    finding = result.get("medical_history")
    assert finding is not None
    assert finding.kind is MISSING
    assert finding.message == "2 medical-history question(s) not answered."
    assert finding.reason == (
        f"not answered: {CHECKLIST['avm']!r} {CHECKLIST['stroke']!r}"
    )
    assert "avm" not in finding.reason  # the questions, never their keys


# --- Interacting medications: CLINICAL.md 1.4, 1.5 --------------------------------


@pytest.mark.parametrize(
    ("medication", "classes"),
    [
        ("Lorazepam 1 mg at night", ["benzodiazepines"]),
        ("ALPRAZOLAM 0.5MG PRN", ["benzodiazepines"]),
        ("oxycodone/acetaminophen 5/325", ["opioids"]),
        ("tramadol", ["opioids"]),
        ("zolpidem 10 mg", ["cns_depressants"]),
        ("sodium oxybate", ["cns_depressants"]),
        ("theophylline ER 300 mg", ["theophyllines"]),
        ("aminophylline", ["theophyllines"]),
        ("dextroamphetamine-amphetamine 20 mg", ["sympathomimetics"]),
        ("methylphenidate", ["sympathomimetics"]),
        ("pseudoephedrine", ["sympathomimetics"]),
        ("phenelzine 15 mg tid", ["maois"]),
        ("lamotrigine 200mg", ["lamotrigine"]),
        ("sertraline 100 mg", []),
        ("ondansetron", []),
        ("clonazepamx", []),  # whole words only: could not identify
    ],
)
def test_a_current_medication_matches_its_interaction_class(
    medication: str, classes: list[str]
) -> None:
    result = with_facts(medications=(medication,))
    found = result.of_kind(FindingKind.INTERACTION)
    assert [f.code for f in found] == [f"interaction_{key}" for key in classes]
    assert all(medication in f.message for f in found)


def test_pseudoephedrine_does_not_also_match_ephedrine() -> None:
    (finding,) = with_facts(medications=("pseudoephedrine",)).of_kind(
        FindingKind.INTERACTION
    )
    assert finding.reason.endswith("is read as pseudoephedrine")


@pytest.mark.parametrize(
    ("medication", "classes"),
    [
        ("Xanax 0.5 mg", ["benzodiazepines"]),
        ("Ativan 1mg at night", ["benzodiazepines"]),
        ("KLONOPIN 1 MG", ["benzodiazepines"]),
        ("Suboxone 8/2 film", ["opioids"]),
        ("Norco 10/325", ["opioids"]),
        ("Tylenol #3", ["opioids"]),
        ("Ambien CR 12.5", ["cns_depressants"]),
        ("Adderall XR 20 mg", ["sympathomimetics"]),
        ("Nardil 15 mg three times a day", ["maois"]),
        ("Lamictal XR 200", ["lamotrigine"]),
        ("Wellbutrin XL 300 mg", []),
        ("Sudafed PE", ["sympathomimetics"]),
    ],
)
def test_brand_names_are_recognised(medication: str, classes: list[str]) -> None:
    result = with_facts(medications=(medication,))
    found = result.of_kind(FindingKind.INTERACTION)
    assert [f.code for f in found] == [f"interaction_{key}" for key in classes]
    assert not result.of_kind(FindingKind.UNIDENTIFIED_MEDICINE)


@pytest.mark.parametrize(
    ("medication", "hint"),
    [("Xyzzy 10 mg", None), ("clonazepamx", "clonazepam"), ("Xanx 1 mg", "xanax")],
)
def test_an_unrecognised_medicine_is_a_could_not_identify_finding(
    medication: str, hint: str | None
) -> None:
    result = with_facts(medications=("sertraline 100 mg", medication))
    (finding,) = result.of_kind(FindingKind.UNIDENTIFIED_MEDICINE)
    assert finding.message.startswith(f"Could not identify the medicine {medication!r}")
    assert FindingKind.UNIDENTIFIED_MEDICINE.label == "Could not identify"
    if hint:
        assert f"Did the patient mean {hint}" in finding.message
    else:
        assert "Did the patient mean" not in finding.message


def test_a_trial_by_brand_name_is_judged_by_its_ingredient() -> None:
    assessment = assess_trial(trial("Wellbutrin XL", "300"))
    assert assessment.adequate is True and assessment.counts_toward_trd
    assert assessment.describe().startswith("Wellbutrin XL (bupropion) 300 mg/day")
    result = with_facts(trials=(trial("Zoloft", "100"), trial("sertraline", "150")))
    assert trd(result).kind is FindingKind.CRITERION_NOT_MET  # one drug, twice
    unknown = assess_trial(trial("Xyzzy"))
    assert unknown.adequate is None
    assert "could not identify the medicine 'Xyzzy'" in unknown.describe()


def test_every_interaction_class_of_clinical_md_is_listed() -> None:
    assert set(INTERACTIONS) == {
        "benzodiazepines",
        "opioids",
        "cns_depressants",
        "theophyllines",
        "sympathomimetics",
        "maois",
        "lamotrigine",
    }
    for interaction in INTERACTIONS.values():
        assert interaction.drugs
        assert all(drug == drug.lower() for drug in interaction.drugs)


def test_an_unrecorded_medication_list_is_a_missing_fact() -> None:
    assert "medications" in codes_of(with_facts(medications=None), MISSING)


def test_an_empty_medication_list_is_recorded_as_none_taken() -> None:
    assert codes_of(with_facts(medications=())) == ["trd", "escort"]


# --- Blood pressure: CLINICAL.md 1.7 suggested default ----------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "code"),
    [
        (139, 89, None),
        (140, 70, "bp_acknowledge"),
        (130, 90, "bp_acknowledge"),
        (159, 99, "bp_acknowledge"),
        (160, 80, "bp_hold"),
        (130, 100, "bp_hold"),
        (180, 110, "bp_hold"),
        (181, 90, "severe_hypertension"),
        (150, 111, "severe_hypertension"),
        (185, 115, "severe_hypertension"),
    ],
)
def test_baseline_bp_is_held_at_160_100_and_acknowledged_at_140_90(
    systolic: int, diastolic: int, code: str | None
) -> None:
    result = with_facts(systolic_bp_mm_hg=systolic, diastolic_bp_mm_hg=diastolic)
    found = [
        c for c in codes_of(result) if c.startswith("bp_") or c.endswith("tension")
    ]
    assert found == ([code] if code else [])


def test_a_bp_hold_is_a_relative_contraindication_and_acknowledgement_a_flag() -> None:
    hold = with_facts(systolic_bp_mm_hg=170, diastolic_bp_mm_hg=90).get("bp_hold")
    assert hold is not None
    assert hold.kind is RELATIVE
    assert hold.reason == "baseline blood pressure 170/90 mmHg"
    flag = with_facts(systolic_bp_mm_hg=145, diastolic_bp_mm_hg=85).get(
        "bp_acknowledge"
    )
    assert flag is not None
    assert flag.kind is RISK


def test_blood_pressure_above_180_110_is_a_hard_stop_to_defer_and_refer() -> None:
    severe = with_facts(systolic_bp_mm_hg=186, diastolic_bp_mm_hg=112)
    finding = severe.get("severe_hypertension")
    assert finding is not None
    assert finding.kind is ABSOLUTE
    assert finding.message.startswith("Blood pressure above 180/110 mmHg")
    assert "defer treatment and refer" in finding.message
    assert "Hebert & Vidt" in finding.source
    assert severe.get("bp_hold") is None  # its own tier, never the 160/100 finding
    policy = ScreeningPolicy(bp_severe_systolic_mm_hg=190)
    facts = replace(COMPLETE, systolic_bp_mm_hg=186, diastolic_bp_mm_hg=100)
    assert screen(facts, policy).get("bp_hold") is not None


@pytest.mark.parametrize(
    ("systolic", "diastolic"), [(None, 80), (120, None), (None, None)]
)
def test_a_missing_bp_is_a_missing_fact(
    systolic: int | None, diastolic: int | None
) -> None:
    result = with_facts(systolic_bp_mm_hg=systolic, diastolic_bp_mm_hg=diastolic)
    assert "baseline_bp" in codes_of(result, MISSING)


# --- Age, psychiatric history, suicide risk, escort -------------------------------


@pytest.mark.parametrize(
    ("age", "codes"),
    [
        (17, ["under_minimum_age"]),
        (18, []),
        (49, []),
        (50, ["age_bp_surge"]),
        (80, ["age_bp_surge"]),
    ],
)
def test_age_stops_minors_and_flags_bp_surges_from_50(
    age: int, codes: list[str]
) -> None:
    result = with_facts(age_years=age)
    assert codes_of(result, ABSOLUTE) + codes_of(result, RISK) == codes


def test_under_18_is_a_hard_stop_and_the_minimum_age_is_the_clinics() -> None:
    finding = with_facts(age_years=17).get("under_minimum_age")
    assert finding is not None and finding.kind is ABSOLUTE
    assert finding.message.startswith("Under 18")
    policy = ScreeningPolicy(minimum_age_years=21)
    assert screen(replace(COMPLETE, age_years=20), policy).get("under_minimum_age")


def test_a_missing_age_is_a_missing_fact() -> None:
    assert "age" in codes_of(with_facts(age_years=None), MISSING)


@pytest.mark.parametrize(
    ("field", "code"),
    [("psychosis_history", "psychosis_history"), ("bipolar", "bipolar")],
)
def test_psychosis_history_and_bipolar_are_risk_flags(field: str, code: str) -> None:
    assert codes_of(with_facts(**{field: True}), RISK) == [code]
    assert code in codes_of(with_facts(**{field: None}), MISSING)


def test_pregnancy_is_a_hard_stop_and_not_sure_asks_for_a_test() -> None:
    pregnant = with_facts(pregnant=True).get("pregnancy")
    assert pregnant is not None and pregnant.kind is ABSOLUTE
    unsure = with_facts(pregnant=None, pregnancy_unsure=True)
    finding = unsure.get("pregnancy_not_ruled_out")
    assert finding is not None and finding.kind is ABSOLUTE
    assert "pregnancy test" in finding.message
    assert "not sure" in finding.reason
    assert unsure.get("pregnancy") is None  # not also "not recorded"
    with pytest.raises(ValueError, match="not sure"):
        replace(COMPLETE, pregnant=False, pregnancy_unsure=True)


def test_a_past_suicide_attempt_is_an_urgent_finding() -> None:
    result = with_facts(suicide_attempt=True, suicide_attempt_when="2019")
    finding = result.get("suicide_attempt_history")
    assert finding is not None
    assert finding.kind is RISK and finding.urgent
    assert "the last time: 2019" in finding.reason
    assert "C-SSRS" in finding.source
    missing = with_facts(suicide_attempt=None).get("suicide_attempt_history")
    assert missing is not None and missing.kind is MISSING


def test_a_history_of_substance_use_disorder_is_a_finding() -> None:
    finding = with_facts(substance_use_history=True).get("substance_use_history")
    assert finding is not None
    assert finding.kind is RISK
    assert "misuse" in finding.message
    assert "Sanacora" in finding.source


def test_suicide_findings_are_urgent_and_listed_first_among_risks() -> None:
    result = with_facts(
        bipolar=True, phq9_item9=2, cssrs_risk=CssrsRisk.LOW, suicide_attempt=True
    )
    risks = result.of_kind(RISK)
    assert [f.code for f in risks if f.urgent] == [
        "suicide_attempt_history",
        "phq9_item9",
        "cssrs_low",
    ]
    assert risks[-1].code == "bipolar" and not risks[-1].urgent


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (3, True)])
def test_phq9_item9_of_1_or_more_is_a_suicide_risk_flag(
    item9: int, flagged: bool
) -> None:
    finding = with_facts(phq9_item9=item9).get("phq9_item9")
    assert (finding is not None) is flagged
    if finding is not None:
        assert finding.kind is RISK
        assert finding.message == Flag.SUICIDE_RISK.message


@pytest.mark.parametrize(
    ("risk", "code"),
    [
        (CssrsRisk.NONE, None),
        (CssrsRisk.LOW, "cssrs_low"),
        (CssrsRisk.MODERATE, "cssrs_moderate"),
        (CssrsRisk.HIGH, "cssrs_high"),
        ("high", "cssrs_high"),
    ],
)
def test_cssrs_risk_above_none_is_a_risk_flag(
    risk: CssrsRisk | str, code: str | None
) -> None:
    assert codes_of(with_facts(cssrs_risk=risk), RISK) == ([code] if code else [])


def test_missing_suicide_screens_are_missing_facts() -> None:
    result = with_facts(phq9_item9=None, cssrs_risk=None)
    assert {"phq9_item9", "cssrs"} <= set(codes_of(result, MISSING))


@pytest.mark.parametrize(
    ("named", "kind"),
    [
        (True, FindingKind.CRITERION_MET),
        (False, FindingKind.CRITERION_NOT_MET),
        (None, MISSING),
    ],
)
def test_an_adult_escort_is_required(named: bool | None, kind: FindingKind) -> None:
    finding = with_facts(escort_named=named).get("escort")
    assert finding is not None
    assert finding.kind is kind


def test_findings_are_listed_contraindications_first_missing_facts_last() -> None:
    result = with_facts(
        conditions=frozenset({"avm", "raised_icp"}),
        conditions_denied=frozenset(),
        phq9_item9=2,
        medications=("lorazepam",),
    )
    order = list(FindingKind)
    kinds = [order.index(f.kind) for f in result.findings]
    assert kinds == sorted(kinds)
    assert result.findings[0].code == "avm"
    assert result.findings[-1].kind is MISSING


# --- Refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"indications": frozenset({"insomnia"})}, "Unknown indication"),
        ({"conditions": frozenset({"gout"})}, "Unknown checklist key"),
        ({"conditions": frozenset({"avm"})}, "Answered both yes and no: avm"),
        ({"systolic_bp_mm_hg": 80, "diastolic_bp_mm_hg": 120}, "were they swapped"),
        ({"systolic_bp_mm_hg": 0}, "cannot be 0 mmHg"),
        ({"phq9_item9": 4}, "PHQ-9 item 9 is answered 0-3"),
        ({"cssrs_risk": "severe"}, "is not a valid CssrsRisk"),
        ({"age_years": -1}, "Age cannot be -1"),
    ],
)
def test_intake_facts_refuse_impossible_values(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replace(COMPLETE, **changes)  # type: ignore[arg-type]


def test_a_trial_refuses_a_float_dose() -> None:
    with pytest.raises(TypeError, match="must be a Decimal in mg"):
        AntidepressantTrial("sertraline", 50.0, 8, TrialOutcome.PARTIAL, True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"drug": "  "}, "needs the name of its drug"),
        ({"max_daily_dose_mg": D(0)}, "must be a positive mg"),
        ({"weeks": -1}, "cannot last -1 weeks"),
        ({"outcome": "cured"}, "is not a valid TrialOutcome"),
    ],
)
def test_a_trial_refuses_impossible_values(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replace(trial(), **changes)  # type: ignore[arg-type]


def test_a_trial_takes_its_outcome_as_stored_text() -> None:
    assert trial(outcome="partial").outcome is TrialOutcome.PARTIAL  # type: ignore[arg-type]


# --- Properties -------------------------------------------------------------------

drugs = st.sampled_from([*sorted(MINIMUM_DAILY_DOSE_MG), "agomelatine", "lithium"])
trials = st.builds(
    AntidepressantTrial,
    drug=drugs,
    max_daily_dose_mg=st.none() | st.decimals(min_value=1, max_value=600, places=1),
    weeks=st.none() | st.integers(0, 52),
    outcome=st.sampled_from(TrialOutcome),
    current_episode=st.none() | st.booleans(),
)
maybe_bool = st.none() | st.booleans()


@st.composite
def intake_facts(draw: st.DrawFn) -> IntakeFacts:
    answered = draw(st.sets(st.sampled_from(sorted(CHECKLIST))))
    yes = draw(st.sets(st.sampled_from(sorted(answered)))) if answered else set()
    systolic = draw(st.none() | st.integers(90, 220))
    diastolic = draw(st.none() | st.integers(40, 89))
    medications = st.sampled_from(
        ["lorazepam 1 mg", "oxycodone", "sertraline", "Adderall", "phenelzine", "x"]
    )
    return IntakeFacts(
        age_years=draw(st.none() | st.integers(0, 100)),
        indications=frozenset(draw(st.sets(st.sampled_from(["depression", "ptsd"])))),
        trials=tuple(draw(st.lists(trials, max_size=4))),
        conditions=frozenset(yes),
        conditions_denied=frozenset(answered - yes),
        medications=draw(st.none() | st.lists(medications, max_size=3).map(tuple)),
        substance_use_active=draw(maybe_bool),
        pregnant=(pregnant := draw(maybe_bool)),
        pregnancy_unsure=pregnant is None and draw(st.booleans()),
        breastfeeding=draw(maybe_bool),
        systolic_bp_mm_hg=systolic,
        diastolic_bp_mm_hg=diastolic,
        psychosis_history=draw(maybe_bool),
        bipolar=draw(maybe_bool),
        substance_use_history=draw(maybe_bool),
        suicide_attempt=draw(maybe_bool),
        suicide_attempt_when=draw(st.sampled_from(["", "2019", "last month"])),
        phq9_item9=draw(st.none() | st.integers(0, 3)),
        cssrs_risk=draw(st.none() | st.sampled_from(CssrsRisk)),
        escort_named=draw(maybe_bool),
    )


@given(intake_facts())
def test_screening_is_deterministic(facts: IntakeFacts) -> None:
    assert screen(facts) == screen(facts)


@given(intake_facts())
def test_every_finding_has_a_message_a_reason_and_a_source(facts: IntakeFacts) -> None:
    for finding in screen(facts).findings:
        assert finding.message
        assert finding.reason
        assert finding.source.startswith(("CLINICAL.md", "DESIGN.md"))


@given(intake_facts())
def test_each_trial_is_adequate_inadequate_or_unjudged(facts: IntakeFacts) -> None:
    result = screen(facts)
    assert len(result.adequate_trials) + len(result.inadequate_trials) + len(
        result.unjudged_trials
    ) == len(facts.trials)
    for assessment in result.trials:
        assert assessment.reasons


@given(intake_facts(), st.sampled_from(sorted(MINIMUM_DAILY_DOSE_MG)), st.booleans())
def test_adding_a_failed_adequate_trial_never_undoes_trd(
    facts: IntakeFacts, drug: str, partial: bool
) -> None:
    facts = replace(facts, indications=facts.indications | {"depression"})
    before = trd(screen(facts))
    added = trial(
        drug,
        str(MINIMUM_DAILY_DOSE_MG[drug]),
        DEFAULT_POLICY.trd_minimum_weeks,
        TrialOutcome.PARTIAL if partial else TrialOutcome.NO_RESPONSE,
        True,
    )
    after = trd(screen(replace(facts, trials=(*facts.trials, added))))
    if before.kind is FindingKind.CRITERION_MET:
        assert after.kind is FindingKind.CRITERION_MET
