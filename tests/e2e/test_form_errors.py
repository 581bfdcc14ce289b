"""A form sent with errors, as a visitor on a phone meets it: focus lands on
the first field to correct, and an error goes once the field is answered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
ANSWER = "Please answer this question."


def test_a_failed_get_started_focuses_the_first_error_and_clears_answered_ones(
    new_page,
):
    page = new_page(PHONE)
    page.goto("/get-started/")
    page.get_by_label("First name").fill("Rosa")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was sent yet.")
    expect(page.get_by_label("Last name")).to_be_focused()

    crisis = page.get_by_role(
        "group", name="Are you thinking about harming yourself right now?"
    )
    expect(crisis.get_by_text(ANSWER)).to_be_visible()
    crisis.get_by_role("radio", name="No").check()
    expect(crisis.get_by_text(ANSWER)).to_be_hidden()

    last_name = page.locator(".field", has=page.get_by_label("Last name"))
    expect(last_name.locator(".error")).to_be_visible()
    page.get_by_label("Last name").fill("Ortiz")
    expect(last_name.locator(".error")).to_be_hidden()
