"""Named overrides: what a clinician must answer, one by one, to sign "candidate".

CLINICAL.md (framing): a hard stop can only be passed by a named clinician's
override with a reason. Signing a patient a candidate over an absolute
contraindication, or while an urgent suicide-risk task is still open, takes one
override per hard stop and per open task, each with its own reason; one general
rationale never passes them all.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ketaclinic.clinical.screening import Finding, FindingKind


class OverrideKind(enum.StrEnum):
    HARD_STOP = "hard_stop"
    URGENT_TASK = "urgent_task"

    @property
    def label(self) -> str:
        return {
            OverrideKind.HARD_STOP: "Hard stop",
            OverrideKind.URGENT_TASK: "Open urgent task",
        }[self]


@dataclass(frozen=True, slots=True)
class OverrideNeeded:
    """One thing to override: ``key`` names it in the signed record."""

    kind: OverrideKind
    key: str
    about: str  # plain words: the finding's or the task's message


@dataclass(frozen=True, slots=True)
class Override:
    kind: OverrideKind
    key: str
    about: str
    reason: str

    def as_record(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "about": self.about,
            "reason": self.reason,
        }


def task_key(task_id: int | str) -> str:
    return f"urgent_task_{task_id}"


def hard_stops_of(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(code, message) of each absolute contraindication among ``findings``."""
    return [
        (finding.code, finding.message)
        for finding in findings
        if finding.kind is FindingKind.ABSOLUTE_CONTRAINDICATION
    ]


def overrides_needed(
    hard_stops: Iterable[tuple[str, str]], open_tasks: Iterable[tuple[int | str, str]]
) -> tuple[OverrideNeeded, ...]:
    """Every hard stop (code, message), then every open urgent task (id,
    message), each once."""
    needed: dict[str, OverrideNeeded] = {}
    for code, message in hard_stops:
        needed.setdefault(code, OverrideNeeded(OverrideKind.HARD_STOP, code, message))
    for task_id, message in open_tasks:
        key = task_key(task_id)
        needed.setdefault(key, OverrideNeeded(OverrideKind.URGENT_TASK, key, message))
    return tuple(needed.values())


def overrides_given(
    needed: Iterable[OverrideNeeded], reasons: Mapping[str, str]
) -> tuple[tuple[Override, ...], tuple[OverrideNeeded, ...]]:
    """The overrides with a reason, and those still without one (a blank reason is
    none)."""
    given: list[Override] = []
    missing: list[OverrideNeeded] = []
    for item in needed:
        reason = (reasons.get(item.key) or "").strip()
        if reason:
            given.append(Override(item.kind, item.key, item.about, reason))
        else:
            missing.append(item)
    return tuple(given), tuple(missing)


__all__ = [
    "Override",
    "OverrideKind",
    "OverrideNeeded",
    "hard_stops_of",
    "overrides_given",
    "overrides_needed",
    "task_key",
]
