"""Normalising names and phone numbers for search and duplicate checks."""

from __future__ import annotations

import functools
import re
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


def has_symbols(value: str) -> bool:
    """True when `value` holds an emoji or another symbol (math, currency,
    pictographs): no legal name has one, and search could never find it."""
    return any(
        # ` and ´ are typed as apostrophes on some keyboards (O´Brien).
        (unicodedata.category(ch) in ("So", "Sk", "Sm", "Sc") and ch not in "`\u00b4")
        or "\ufe00" <= ch <= "\ufe0f"  # emoji variation selectors
        for ch in value
    )


def _name_words(value: str) -> list[str]:
    """'Mary-Jane  O’Brien' -> ['mary', 'jane', 'obrien']."""
    key = name_key(value).replace("'", "").replace("\u2019", "")
    return re.findall(r"[^\W_]+", key)


def signed_name_matches(
    typed: str, *, first_name: str, last_name: str, preferred_name: str = ""
) -> bool:
    """Is a typed signature the name on file? Case, accents, punctuation and
    middle names do not count: the first word must be the first (or preferred)
    name, and the last word the last name (or one of its words, for a double
    surname)."""
    words = _name_words(typed)
    last = _name_words(last_name)
    firsts = {
        names[0] for names in map(_name_words, (first_name, preferred_name)) if names
    }
    if len(words) < 2 or not last or not firsts:
        return False
    return words[0] in firsts and (words[-len(last) :] == last or words[-1] in last)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def parse_phone_parts(raw: str, region: str = DEFAULT_REGION) -> tuple[str, str] | None:
    """The E.164 form of a valid phone number and its extension, or None:
    '(303) 555-0142 ext 12' -> ('+13035550142', '12')."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, number.extension or ""


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a valid phone number (its extension left out), or None."""
    parts = parse_phone_parts(raw, region)
    return parts[0] if parts else None


# A number of the North American plan as stored: +1, then ten digits.
_NANP_RE = re.compile(r"\+1([2-9]\d{9})")


@functools.lru_cache(maxsize=4096)
def format_phone(e164: str, extension: str = "") -> str:
    """The one way a phone number is written for people: (303) 555-0142, with
    'ext. 12' when it has an extension; numbers abroad keep their country code.

    A list page writes 50 of them: a stored +1 number skips the parse (its
    digits are the national number), and a US one is written straight from
    its digits, as phonenumbers' national format writes every ten-digit US
    number (tests/patients/test_phone.py compares the two)."""
    if not e164:
        return ""
    nanp = _NANP_RE.fullmatch(e164)
    if nanp is not None:
        digits = nanp.group(1)
        number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
        if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
            written = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
            return f"{written} ext. {extension}" if extension else written
    return _format_phone_parsed(e164, extension)


def _format_phone_parsed(e164: str, extension: str = "") -> str:
    """format_phone by phonenumbers alone: any number, stored or not."""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        written = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.NATIONAL
        )
    else:
        written = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    return f"{written} ext. {extension}" if extension else written
