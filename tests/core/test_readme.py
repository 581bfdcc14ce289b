"""What the README promises a new user holds for the demo clinic."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.core.demo import load_demo
from tests.conftest import client_for

README = (Path(__file__).parents[2] / "README.md").read_text()


def _search_examples() -> list[str]:
    [bullet] = re.findall(r"- \*\*Find a patient\*\*.*?(?=\n- )", README, re.S)
    found = re.findall(r"\(`([^`]+)`", bullet) + re.findall(r"or `([^`]+)`\)", bullet)
    return [example for example in found if not example.startswith("/")]


def test_the_search_examples_find_the_demo_patient_they_name(db):
    load_demo(password="ketamine-demo")
    client = client_for(User.objects.get(username="frontdesk"))
    examples = _search_examples()
    assert len(examples) >= 7, examples
    for example in examples:
        page = client.get(reverse("patients:list"), {"q": example}).text
        assert "Bennett" in page, example


def test_the_readme_says_where_development_messages_appear():
    assert "printed in\nthe terminal" in README or "printed in the terminal" in README
    assert "/messages/" in README


def test_the_readme_points_to_nothing_outside_the_repository():
    assert "../shared" not in README
    assert "This release holds the foundation" not in README
