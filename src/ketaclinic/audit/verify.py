"""Checking the audit trail's hash chain (`ketaclinic audit verify`, and
`ketaclinic check`)."""

from __future__ import annotations

from ketaclinic.audit.chain import FIELDS, GENESIS, entry_hash
from ketaclinic.audit.models import HEAD, AuditChainHead, AuditEvent

BATCH = 2000


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"1 entry is missing (number {first})"
    return f"{last - first + 1} entries are missing (numbers {first} to {last})"


def chain_problems() -> tuple[int, list[str]]:
    """How many entries were checked, and every gap or change found, each
    naming the entry where it shows."""
    problems: list[str] = []
    previous: str | None = GENESIS
    expected = 1
    checked = 0
    last_seq, last_hash = 0, GENESIS
    rows = AuditEvent.objects.order_by("seq").values("id", "hash", *FIELDS)
    for row in rows.iterator(chunk_size=BATCH):
        checked += 1
        if row["seq"] != expected:
            problems.append(
                f"Entry {row['id']} (number {row['seq']}): "
                f"{_missing(expected, row['seq'] - 1)} before it."
            )
            previous = None  # the link to the missing entry cannot be checked
        if previous is not None and entry_hash(row, previous) != row["hash"]:
            problems.append(
                f"Entry {row['id']} (number {row['seq']}) does not match its hash: "
                "it, or the entry before it, was changed after it was written."
            )
        previous = row["hash"]
        expected = row["seq"] + 1
        last_seq, last_hash = row["seq"], row["hash"]
    head = AuditChainHead.objects.filter(pk=HEAD).first()
    if head is None:
        if checked:
            problems.append("The record of the newest entry is missing.")
    elif head.seq > last_seq:
        problems.append(f"The newest entries: {_missing(last_seq + 1, head.seq)}.")
    elif head.seq < last_seq or head.hash != last_hash:
        problems.append(
            f"The newest entry (number {last_seq}) is not the one the chain "
            "recorded: it was changed or added outside the app."
        )
    return checked, problems
