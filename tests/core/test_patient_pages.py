"""Every page a patient opens is headed by the clinic's name (as its public home
page gives it), never the software's, and writes the clinic's phone one way."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries.content import site_content
from ketaclinic.intake import services as intake_services
from ketaclinic.links import tokens as links
from tests.links.helpers import holder
from tests.notifications.helpers import make_visit, soon

CLINIC = "Foothills Ketamine Center"


@pytest.fixture
def clinic(world):
    content = site_content("en")
    content.clinic_name = CLINIC
    content.save()
    world.home.phone = "+13035550100"
    world.home.save()
    return world


def _visit_link(appointment, purpose: str) -> str:
    token = links.token(
        links.Purpose(purpose), appointment.uuid, version=appointment.starts_at
    )
    return reverse(f"visit:{purpose}", args=[token])


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _pages(world) -> dict[str, str]:
    visit = make_visit(world.patient, soon(days=3))
    intake = intake_services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )
    intake_url = reverse(
        "intake_public:intake", args=[links.token(links.Purpose.INTAKE, intake.uuid)]
    )
    patient = holder(intake_url, world.patient)
    return {
        "birth date": Client().get(intake_url).content.decode(),
        "intake": patient.get(intake_url).content.decode(),
        "check and send": patient.get(f"{intake_url}?step=review").content.decode(),
        "confirm": Client().get(_visit_link(visit, "confirm")).content.decode(),
        "cancel": Client().get(_visit_link(visit, "cancel")).content.decode(),
        "bad link": Client().get("/visit/confirm/nonsense/").content.decode(),
        "home": Client().get("/").content.decode(),
    }


def test_every_patient_page_is_headed_by_the_clinics_name(clinic):
    for name, html in _pages(clinic).items():
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title and title.group(1).strip().endswith(CLINIC), name
        header = html.split("</header>", 1)[0]
        assert CLINIC in header, name
        assert "ketaclinic" not in _visible(html), name


def test_the_clinic_phone_is_written_one_way(clinic):
    for name, html in _pages(clinic).items():
        text = _visible(html)
        assert "+13035550100" not in text, name
    visit = make_visit(clinic.patient, soon(days=4))
    confirm = _visible(Client().get(_visit_link(visit, "confirm")).content.decode())
    assert "(303) 555-0100" in confirm
