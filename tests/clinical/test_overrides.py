"""Named overrides: one per hard stop and per open urgent task, each with a reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.clinical.overrides import (
    OverrideKind,
    hard_stops_of,
    overrides_given,
    overrides_needed,
    task_key,
)
from ketaclinic.clinical.screening import Finding, FindingKind


def finding(kind: FindingKind, code: str) -> Finding:
    return Finding(kind, code, f"{code} message", "reason", "CLINICAL.md 1.4")


def test_each_hard_stop_and_each_open_task_needs_its_own_override() -> None:
    needed = overrides_needed(
        hard_stops_of(
            [
                finding(FindingKind.ABSOLUTE_CONTRAINDICATION, "pregnancy"),
                finding(FindingKind.RELATIVE_CONTRAINDICATION, "raised_icp"),
                finding(FindingKind.RISK_FLAG, "phq9_item9"),
                finding(FindingKind.ABSOLUTE_CONTRAINDICATION, "mania_current"),
            ]
        ),
        [(7, "PHQ-9 item 9 answered 2")],
    )
    assert [(n.kind, n.key) for n in needed] == [
        (OverrideKind.HARD_STOP, "pregnancy"),
        (OverrideKind.HARD_STOP, "mania_current"),
        (OverrideKind.URGENT_TASK, "urgent_task_7"),
    ]
    assert needed[2].about == "PHQ-9 item 9 answered 2"


def test_a_blank_reason_is_no_override() -> None:
    needed = overrides_needed([("pregnancy", "Pregnancy")], [(3, "risk")])
    given_, missing = overrides_given(
        needed, {"pregnancy": "  ", task_key(3): "Assessed today: low risk"}
    )
    assert [o.key for o in given_] == ["urgent_task_3"]
    assert given_[0].as_record() == {
        "kind": "urgent_task",
        "key": "urgent_task_3",
        "about": "risk",
        "reason": "Assessed today: low risk",
    }
    assert [m.key for m in missing] == ["pregnancy"]


codes = st.sampled_from(["pregnancy", "mania_current", "schizophrenia", "avm"])
kinds = st.sampled_from(FindingKind)


@given(
    st.lists(st.builds(finding, kinds, codes)),
    st.lists(st.integers(1, 20), unique=True),
    st.dictionaries(st.sampled_from(["pregnancy", "avm", "urgent_task_1"]), st.text()),
)
def test_every_needed_override_is_given_or_missing_never_both(
    findings, task_ids, reasons
) -> None:
    needed = overrides_needed(hard_stops_of(findings), [(i, "task") for i in task_ids])
    given_, missing = overrides_given(needed, reasons)
    assert {o.key for o in given_} | {m.key for m in missing} == {n.key for n in needed}
    assert not {o.key for o in given_} & {m.key for m in missing}
    assert all(o.reason.strip() for o in given_)
    hard = {f.code for f in findings if f.kind is FindingKind.ABSOLUTE_CONTRAINDICATION}
    assert {n.key for n in needed if n.kind is OverrideKind.HARD_STOP} == hard
