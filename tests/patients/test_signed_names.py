"""A consent's typed name is checked against the name on file, ignoring case,
accents, punctuation and middle names."""

from __future__ import annotations

import pytest

from ketaclinic.patients.text import signed_name_matches

ADA = {"first_name": "Ada", "last_name": "Lovelace"}
JOSE = {"first_name": "José María", "last_name": "García Márquez"}


@pytest.mark.parametrize(
    ("typed", "on_file"),
    [
        ("Ada Lovelace", ADA),
        ("ada lovelace", ADA),
        ("  ADA   LOVELACE ", ADA),
        ("Ada King Lovelace", ADA),
        ("Ada K. Lovelace", ADA),
        ("Jose Maria Garcia Marquez", JOSE),
        ("José García", JOSE),
        ("jose marquez", JOSE),
        ("Mary Jane O'Brien", {"first_name": "Mary-Jane", "last_name": "O’Brien"}),
        (
            "Bill Gates",
            {"first_name": "William", "last_name": "Gates", "preferred_name": "Bill"},
        ),
    ],
)
def test_the_name_on_file_matches(typed, on_file):
    assert signed_name_matches(typed, **on_file)


@pytest.mark.parametrize(
    "typed",
    [
        "asdf",
        "Ada",
        "Lovelace",
        "Ada Byron",
        "Augusta Lovelace",
        "Lovelace Ada",
        "x y",
        "",
    ],
)
def test_any_other_name_does_not(typed):
    assert not signed_name_matches(typed, **ADA)
