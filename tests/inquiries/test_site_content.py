"""The clinic manager writes the public home page, in each language."""

from __future__ import annotations

from ketaclinic.audit.models import AuditEvent
from ketaclinic.inquiries.content import DEFAULTS
from ketaclinic.inquiries.models import SiteContent
from tests.conftest import client_for


def content(**changes) -> dict:
    data = dict(DEFAULTS["en"])
    data.update(changes)
    return data


def test_the_manager_edits_the_home_page(client, world, clinic):
    manager = client_for(world.staff["manager"])
    page = manager.get("/leads/site/")
    assert page.status_code == 200
    assert page.context["form"]["headline"].value() == DEFAULTS["en"]["headline"]
    response = manager.post(
        "/leads/site/",
        content(headline="Feel like yourself again", aftercare="Rest at home."),
    )
    assert response.status_code == 302
    saved = SiteContent.objects.get(language="en")
    assert saved.headline == "Feel like yourself again"
    assert saved.updated_by == world.staff["manager"]
    assert saved.history.count() == 2
    event = AuditEvent.objects.filter(object_type="inquiries.SiteContent").get()
    assert "headline, aftercare" in event.summary
    public = client.get("/").content.decode()
    assert "Feel like yourself again" in public and "Rest at home." in public


def test_each_language_has_its_own_words(client, world, clinic):
    manager = client_for(world.staff["manager"])
    spanish = dict(DEFAULTS["es"]) | {"headline": "Vuelva a sentirse bien"}
    manager.post("/leads/site/es/", spanish)
    assert (
        "Vuelva a sentirse bien"
        in client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    )
    assert "Vuelva a sentirse bien" not in client.get("/").content.decode()


def test_text_is_never_read_as_html(client, world, clinic):
    manager = client_for(world.staff["manager"])
    manager.post("/leads/site/", content(intro="<script>alert(1)</script>"))
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_a_required_field_left_empty_saves_nothing(world, clinic):
    manager = client_for(world.staff["manager"])
    response = manager.post("/leads/site/", content(headline=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert SiteContent.objects.get(language="en").headline == DEFAULTS["en"]["headline"]


def test_the_front_desk_may_not_edit_it(world, clinic):
    desk = client_for(world.staff["front_desk"])
    assert desk.get("/leads/site/").status_code == 403
    assert desk.post("/leads/site/", content(headline="x")).status_code == 403
