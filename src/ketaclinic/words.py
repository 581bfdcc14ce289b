"""What people read instead of what the code stores: codes as labels, and lengths
of time in words; never "waitlist_offer", "phq9", "1:25:00" or "PT15M".

A model field with choices already has its label (``get_FOO_display``). Every
other code shown to a person goes through :func:`code_label` (the template filter
``humanize_code``): the label an app registered for it with :func:`labels_add`
where its plain reading is not enough, else the code read as words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ketaclinic.clinical.scales import INSTRUMENTS

_LABELS: dict[str, str] = {
    code: instrument.name for code, instrument in INSTRUMENTS.items()
}


def labels_add(labels: Mapping[str, str]) -> None:
    """Register the labels of an app's codes (next to where the codes are named)."""
    _LABELS.update(labels)


def code_label(code: object) -> str:
    """waitlist_offer -> Waitlist offer; phq9 -> PHQ-9; raised_iop_glaucoma ->
    Raised iop glaucoma (register a label where that is not good enough)."""
    text = str(code or "")
    if text in _LABELS:
        return _LABELS[text]
    return text.replace("_", " ").strip().capitalize()


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
