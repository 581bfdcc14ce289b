"""Times and lengths in the words people read: never "1:25:00" or "PT15M"."""

from __future__ import annotations

from datetime import timedelta


def duration_words(value: timedelta) -> str:
    """1 hour 25 minutes; 40 minutes; 2 days 3 hours. Seconds are dropped."""
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{count} {unit}{'' if count == 1 else 's'}"
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    return " ".join(parts) or "0 minutes"
