"""The public pages: the home page the manager writes, the form, languages."""

from __future__ import annotations

from ketaclinic.inquiries.models import SiteContent
from tests.conftest import client_for


def test_an_anonymous_visitor_gets_the_clinic_home_page(client, world, clinic):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Relief when other treatments have not worked" in page
    for heading in (
        "Treatments",
        "Who may be a candidate",
        "What happens at an infusion",
        "After-care",
    ):
        assert heading in page
    assert 'href="/get-started/"' in page
    assert "988" in page  # the crisis line is on every public page


def test_signed_in_staff_go_on_to_their_start_page(world, clinic):
    response = client_for(world.staff["front_desk"]).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/today/"


def test_the_home_page_shows_what_the_manager_wrote(client, world, clinic):
    client.get("/")
    SiteContent.objects.filter(language="en").update(
        headline="Ketamine care in Denver", treatments="Infusions for depression."
    )
    page = client.get("/").content.decode()
    assert "Ketamine care in Denver" in page
    assert "Infusions for depression." in page


def test_the_form_asks_everything_the_issue_lists(client, world, clinic):
    page = client.get("/get-started/").content.decode()
    for label in (
        "First name",
        "Last name",
        "Email",
        "Phone",
        "How should we contact you?",
        "When is a good time?",
        "What would you like treated?",
        "Depression",
        "PTSD",
        "Anxiety",
        "Chronic pain",
        "How many antidepressants have you tried?",
        "How did you hear about us?",
        "Anything you would like us to know?",
        "Are you thinking about harming yourself right now?",
        "I agree that the clinic may contact me",
    ):
        assert label in page, label
    # The crisis resources are on the page, hidden until "yes" is chosen.
    assert 'id="crisis-help" role="alert" hidden' in page
    assert 'name="website"' in page  # the honeypot
