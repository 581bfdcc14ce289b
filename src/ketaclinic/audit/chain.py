"""The audit trail's hash chain: each entry carries the SHA-256 of its own
fields and of the entry before it, so a changed, removed or inserted entry
breaks the chain wherever the trail is kept (`ketaclinic audit verify`).

The hashed form of an entry is frozen: changing `entry_hash` would make every
existing entry look changed. Migration 0004 of the audit app uses it to hash
the entries written before the chain existed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "at",
    "actor_id",
    "username",
    "channel",
    "action",
    "patient_id",
    "location_id",
    "object_type",
    "object_id",
    "summary",
    "ip",
)


def _canonical(name: str, value: Any) -> Any:
    if name == "at":
        assert isinstance(value, datetime)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if name == "ip":
        # As the database gives it back: PostgreSQL rewrites an address in
        # its shortest form.
        try:
            return str(ipaddress.ip_address(value)) if value else ""
        except ValueError:
            return str(value)
    return value


def entry_hash(entry: Mapping[str, Any] | Any, previous: str) -> str:
    """SHA-256 (hex) of an entry's fields (a mapping or an object with them)
    and the hash of the entry before it."""

    def value(name: str) -> Any:
        if isinstance(entry, Mapping):
            return entry[name]
        return getattr(entry, name)

    fields = [_canonical(name, value(name)) for name in FIELDS]
    text = json.dumps([previous, *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
