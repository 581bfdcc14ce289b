"""Phone numbers written for people: the quick way for stored +1 numbers
writes what phonenumbers itself writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.patients.text import _format_phone_parsed, format_phone

ten_digits = st.from_regex(r"[2-9][0-9]{9}", fullmatch=True)
extensions = st.sampled_from(["", "12", "4401"])


@settings(max_examples=1000)
@given(digits=ten_digits, extension=extensions)
def test_a_north_american_number_is_written_as_phonenumbers_writes_it(
    digits, extension
):
    e164 = "+1" + digits
    assert format_phone(e164, extension) == _format_phone_parsed(e164, extension)


@given(
    text=st.one_of(
        st.from_regex(r"\+[0-9]{6,15}", fullmatch=True),
        st.from_regex(r"\+1[0-9]{8,12}", fullmatch=True),
        st.text(max_size=20),
    )
)
def test_any_other_text_is_written_as_phonenumbers_writes_it(text):
    assert format_phone(text) == _format_phone_parsed(text)


def test_examples():
    assert format_phone("+13035550142") == "(303) 555-0142"
    assert format_phone("+13035550142", "12") == "(303) 555-0142 ext. 12"
    assert format_phone("+14165550100") == "+1 416-555-0100"  # Toronto
    assert format_phone("+442079460958") == "+44 20 7946 0958"
    assert format_phone("") == ""
