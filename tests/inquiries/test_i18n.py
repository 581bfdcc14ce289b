"""English and Spanish public pages: the visitor chooses, the clinic sees which.

The compiled catalog (django.mo) is committed, so running the app or the tests
needs no gettext tools; the first test proves it matches the .po source.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from ketaclinic.inquiries.models import Inquiry
from ketaclinic.inquiries.notify import consultation_url
from ketaclinic.notifications.models import OutboundMessage
from tests.conftest import client_for
from tests.inquiries.helpers import form_data, lead_link_in, make_lead
from tests.inquiries.test_consultation_link import free_starts

PO = (
    Path(__file__).parents[2]
    / "src/ketaclinic/inquiries/locale/es/LC_MESSAGES/django.po"
)


def po_entries() -> list[tuple[str | None, str, list[str]]]:
    """(context, msgid, [msgstr, ...]) of every entry of the .po file."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(
                r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (.*)$", line
            )
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries.append((fields.get("msgctxt"), fields["msgid"], strs))
    return entries


def test_the_compiled_spanish_catalog_matches_its_source():
    entries = po_entries()
    assert len(entries) > 100
    with translation.override("es"):
        for context, msgid, strs in entries:
            assert all(strs), f"untranslated: {msgid!r}"
            if context:
                assert translation.pgettext(context, msgid) == strs[0], msgid
            elif len(strs) == 1:
                assert translation.gettext(msgid) == strs[0], msgid


def test_the_browser_language_chooses_spanish(client, world, clinic):
    response = client.get("/get-started/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert response["Content-Language"] == "es"
    assert "¿Está pensando en hacerse daño en este momento?" in page
    assert "Correo electrónico" in page and "Dolor crónico" in page
    assert "Are you thinking" not in page
    assert "Accept-Language" in response["Vary"]


def test_the_chooser_sets_the_language_for_the_next_pages(client, world, clinic):
    response = client.post(
        "/i18n/setlang/", {"language": "es", "next": "/get-started/"}
    )
    assert response.status_code == 302 and response["Location"] == "/get-started/"
    page = client.get("/get-started/").content.decode()
    assert "Empezar" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Get started" in client.get("/").content.decode()


def test_a_spanish_visitor_gets_spanish_messages_and_the_clinic_sees_it(
    client, world, clinic
):
    client.cookies["django_language"] = "es"
    response = client.post(
        "/get-started/", form_data(email="no valid"), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "Escriba una dirección de correo como" in response.content.decode()
    client.post("/get-started/", form_data(crisis="yes"))
    lead = Inquiry.objects.get()
    assert lead.language == "es"
    email = OutboundMessage.objects.get(purpose="inquiry_received")
    assert email.subject == "Home clinic: reserve su consulta gratuita"
    assert "Hola, Rosa:" in email.body_text
    assert "988" in email.body_text.splitlines()[0]
    link, named = lead_link_in(email.body_text)
    assert named == lead and link.endswith("?lang=es")
    staff = client_for(world.staff["front_desk"])
    assert "wrote in Español" in staff.get(f"/leads/{lead.uuid}/").content.decode()


def test_the_booking_link_opens_in_the_visitors_language(client, world, clinic):
    lead = make_lead(world.home, language="es")
    link = consultation_url(lead).removeprefix("https://clinic.example.org")
    page = client.get(link).content.decode()
    assert "Reserve su consulta gratuita" in page
    assert "Llamada telefónica" in page and "Videollamada" in page
    # The chosen language sticks for the next pages of the visit.
    path = link.split("?")[0]
    slots = client.get(path + "?mode=phone").content.decode()
    assert "Horas libres (llamada telefónica)" in slots
    assert re.search(
        r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d+ de", slots
    )
    client.post(path, {"mode": "phone", "starts_at": free_starts(slots)[0]})
    email = OutboundMessage.objects.get(purpose="consultation_booked")
    assert email.subject.startswith("Su consulta gratuita:")
    assert "Por teléfono: la clínica le llama al (303) 555-0177" in email.body_text


@pytest.mark.parametrize("url", ["/leads/", "/patients/"])
def test_staff_pages_stay_in_english(world, clinic, url):
    staff = client_for(world.staff["front_desk"])
    page = staff.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="en' in page
