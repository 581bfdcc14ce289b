"""Normalising names and phone numbers for search and duplicate checks."""

from __future__ import annotations

import unicodedata

import phonenumbers

DEFAULT_REGION = "US"


def name_key(value: str) -> str:
    """'  José  Núñez ' -> 'jose nunez': lower case, accents and extra spaces gone."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


# Joiners that some scripts (Persian, Indic) need inside a name.
_NAME_JOINERS = {"\u200c", "\u200d"}


def has_hidden_characters(value: str) -> bool:
    """True when `value` holds a control or formatting character: a
    right-to-left override or isolate, a zero-width space, NUL and the like,
    which can make a name read differently on screen from what is stored."""
    return any(
        unicodedata.category(ch) in ("Cc", "Cf") and ch not in _NAME_JOINERS
        for ch in value
    )


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a valid phone number, or None."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
