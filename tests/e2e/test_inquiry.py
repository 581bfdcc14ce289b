"""The clinic's front door, the whole way, on a phone: a visitor sends the
get-started form, the email with the private link arrives, the link books a
free consultation; the front desk sees the lead on the board in "Consultation
booked", the provider signs the consultation note, the front desk converts the
lead to a patient. The visitor's part again in Spanish.

Sending is a background task: the test runs the task worker in its own
process, where Django's locmem backend collects the email in `mail.outbox`.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.inquiries.models import ConsultationNote, Inquiry
from ketaclinic.notifications.senders import MemorySmsSender
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment
from tests.notifications.helpers import ics_events, run_worker

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SCROLL_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def outbox(settings, live_server):
    """Email stays in the process; links in messages lead to the live server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KETACLINIC_SMS_BACKEND = "memory"
    settings.KETACLINIC_BASE_URL = live_server.url
    mail.outbox = []
    MemorySmsSender.outbox.clear()
    yield mail.outbox
    MemorySmsSender.outbox.clear()


def emails_to(address: str) -> list:
    return [email for email in mail.outbox if email.to == [address]]


def private_link(body: str) -> str:
    [link] = re.findall(r"https?://\S+/get-started/consultation/\S+", body)
    return link


def fits_the_phone(page) -> None:
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"], page.url


def fill_the_form(page, *, first, last, email, phone, labels) -> None:
    field = page.get_by_role("main").get_by_role
    field("textbox", name=labels["first"], exact=True).fill(first)
    field("textbox", name=labels["last"], exact=True).fill(last)
    field("textbox", name=labels["email"], exact=True).fill(email)
    field("textbox", name=labels["phone"], exact=True).fill(phone)
    page.get_by_role("group", name=labels["contact"]).get_by_label(
        labels["by_text"]
    ).check()
    page.get_by_label(labels["condition"]).check()
    page.get_by_label(labels["tried"]).select_option(label=labels["two"])
    page.get_by_label(labels["message"]).fill(labels["message_text"])


ENGLISH = {
    "first": "First name",
    "last": "Last name",
    "email": "Email",
    "phone": "Phone",
    "contact": "How should we contact you?",
    "by_text": "Text message",
    "condition": "Depression",
    "tried": "How many antidepressants have you tried?",
    "two": "Two",
    "message": "Anything you would like us to know?",
    "message_text": "Two antidepressants have not helped me.",
}
SPANISH = {
    "first": "Nombre",
    "last": "Apellido",
    "email": "Correo electrónico",
    "phone": "Teléfono",
    "contact": "¿Cómo prefiere que le contactemos?",
    "by_text": "Mensaje de texto",
    "condition": "Depresión",
    "tried": "¿Cuántos antidepresivos ha probado?",
    "two": "Dos",
    "message": "¿Algo más que quiera contarnos?",
    "message_text": "Los antidepresivos no me han ayudado.",
}


def test_from_the_form_to_a_patient_chart(new_page, sign_in, outbox):
    visitor = new_page(PHONE)

    # 1. The home page the manager writes, then the form.
    visitor.goto("/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Relief when other treatments have not worked"
    )
    fits_the_phone(visitor)
    visitor.get_by_role("link", name="Get started: book a free consultation").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Get started")
    fill_the_form(
        visitor,
        first="Rosa",
        last="Visitor",
        email="rosa.visitor@example.org",
        phone="(720) 555-0199",
        labels=ENGLISH,
    )
    # A yes to the crisis question shows help at once; a no hides it.
    safety = visitor.get_by_role(
        "group", name="Are you thinking about harming yourself right now?"
    )
    help_box = visitor.locator("#crisis-help")
    expect(help_box).to_be_hidden()
    safety.get_by_label("Yes").check()
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("988")
    expect(help_box).to_contain_text("911")
    safety.get_by_label("No").check()
    expect(help_box).to_be_hidden()
    visitor.get_by_label("I agree that the clinic may contact me").check()
    fits_the_phone(visitor)
    visitor.get_by_role("button", name="Send").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Thank you")
    fits_the_phone(visitor)
    lead = Inquiry.objects.get(email="rosa.visitor@example.org")
    assert lead.stage == "new" and lead.language == "en"

    # 2. The email arrives with the private link.
    run_worker()
    [received] = emails_to("rosa.visitor@example.org")
    assert "book your free consultation" in received.subject
    link = private_link(received.body)

    # 3. The link books a free consultation by video.
    visitor.goto(link)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Book your free consultation"
    )
    visitor.get_by_role("link", name="Video call").click()
    times = visitor.get_by_role("region", name=re.compile("^Free times"))
    first_time = times.get_by_role("button").first
    chosen = first_time.get_attribute("aria-label")
    first_time.click()
    expect(visitor.get_by_role("status")).to_contain_text(
        "Your free consultation is booked."
    )
    expect(visitor.get_by_role("main")).to_contain_text(chosen.removeprefix("Book "))
    fits_the_phone(visitor)
    consultation = Appointment.objects.get(inquiry=lead)
    assert consultation.type.code == "consultation-remote"
    run_worker()
    booked = next(
        e for e in emails_to("rosa.visitor@example.org") if "consultation:" in e.subject
    )
    [(filename, content, mimetype)] = booked.attachments
    assert (filename, mimetype) == ("consultation.ics", "text/calendar")
    [event] = ics_events(content)
    assert event["DTSTART"] == consultation.starts_at.strftime("%Y%m%dT%H%M%SZ")

    # 4. The front desk sees the lead on the board, in "Consultation booked".
    desk = new_page()
    sign_in(desk, "frontdesk")
    desk.get_by_role("link", name="Leads", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Leads")
    column = desk.locator("#stage-consultation_booked")
    expect(column.get_by_role("link", name="Rosa Visitor")).to_be_visible()
    expect(desk.locator("#stage-new")).not_to_contain_text("Rosa Visitor")

    # 5. The provider writes and signs the consultation note: not before the
    # consultation, only once it has taken place.
    provider = new_page()
    sign_in(provider, "provider")
    provider.goto(f"/leads/{lead.uuid}/")
    provider.get_by_role("link", name="Write and sign the consultation note").click()

    def write_note():
        provider.get_by_label("Proceed to intake").check()
        provider.get_by_role("textbox", name="Note").fill(
            "Two adequate trials without response. BP 124/78. Proceed to intake."
        )
        provider.get_by_role("button", name=re.compile("^Sign as")).click()

    write_note()
    expect(provider.get_by_role("alert")).to_contain_text("has not taken place yet")
    assert not ConsultationNote.objects.filter(inquiry=lead).exists()
    # Time passes: the consultation began half an hour ago.
    began = timezone.now() - timedelta(minutes=30)
    Appointment.objects.filter(pk=consultation.pk).update(
        starts_at=began, ends_at=began + (consultation.ends_at - consultation.starts_at)
    )
    write_note()
    expect(provider.get_by_role("status")).to_contain_text("Consultation note signed.")
    expect(provider.locator("#stage")).to_have_text("Consultation done")
    note = ConsultationNote.objects.get(inquiry=lead)
    assert note.signed_by.username == "provider" and note.outcome == "proceed"

    # 6. The front desk converts the lead to a patient: only the birth date typed.
    desk.goto(f"/leads/{lead.uuid}/")
    expect(desk.get_by_role("region", name="Consultation note")).to_contain_text(
        "Proceed to intake"
    )
    desk.get_by_role("link", name="Convert to patient").click()
    expect(desk.get_by_role("textbox", name="First name")).to_have_value("Rosa")
    expect(desk.get_by_role("textbox", name="Email")).to_have_value(
        "rosa.visitor@example.org"
    )
    desk.get_by_label("Date of birth").fill("1986-04-12")
    desk.get_by_role("button", name="Create chart").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Rosa Visitor")
    expect(desk.get_by_role("status")).to_contain_text("Chart created")
    patient = Patient.objects.get(email="rosa.visitor@example.org")
    consultation.refresh_from_db()
    assert (consultation.patient, consultation.inquiry) == (patient, None)
    lead.refresh_from_db()
    assert lead.patient == patient


def test_the_visitors_part_in_spanish(new_page, outbox):
    visitor = new_page(PHONE)
    visitor.goto("/")
    visitor.get_by_role("button", name="Español").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Alivio cuando otros tratamientos no han funcionado"
    )
    assert visitor.locator("html").get_attribute("lang") == "es"
    visitor.get_by_role("link", name="Empezar: reserve una consulta gratuita").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Empezar")
    fill_the_form(
        visitor,
        first="Lucía",
        last="Visitante",
        email="lucia.visitante@example.org",
        phone="(720) 555-0198",
        labels=SPANISH,
    )
    safety = visitor.get_by_role(
        "group", name="¿Está pensando en hacerse daño en este momento?"
    )
    safety.get_by_label("Sí").check()
    expect(visitor.locator("#crisis-help")).to_contain_text(
        "Línea de Prevención del Suicidio y Crisis"
    )
    # A mistake first: the message says what to type, in Spanish.
    visitor.get_by_role("textbox", name="Correo electrónico").fill("lucia@")
    visitor.get_by_label("Acepto que la clínica me contacte").check()
    visitor.get_by_role("button", name="Enviar").click()
    expect(visitor.get_by_role("alert").first).to_be_visible()
    expect(visitor.get_by_text("Escriba una dirección de correo como")).to_be_visible()
    visitor.get_by_role("textbox", name="Correo electrónico").fill(
        "lucia.visitante@example.org"
    )
    visitor.get_by_label("Acepto que la clínica me contacte").check()
    visitor.get_by_role("button", name="Enviar").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Gracias")
    # She answered yes: the help stays in front of her, and the lead is urgent.
    expect(visitor.locator("#crisis-help")).to_be_visible()
    fits_the_phone(visitor)
    lead = Inquiry.objects.get(email="lucia.visitante@example.org")
    assert lead.language == "es" and lead.urgent

    run_worker()
    [received] = emails_to("lucia.visitante@example.org")
    assert "reserve su consulta gratuita" in received.subject
    assert received.body.startswith("Si está pensando en hacerse daño")

    fresh = new_page(PHONE)  # another phone: the link alone sets the language
    fresh.goto(private_link(received.body))
    expect(fresh.get_by_role("heading", level=1)).to_have_text(
        "Reserve su consulta gratuita"
    )
    fresh.get_by_role("link", name="En persona").click()
    times = fresh.get_by_role("region", name=re.compile("^Horas libres"))
    expect(times).to_contain_text(
        re.compile(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d+ de")
    )
    times.get_by_role("button").first.click()
    expect(fresh.get_by_role("status")).to_contain_text(
        "Su consulta gratuita está reservada."
    )
    fits_the_phone(fresh)
    assert Appointment.objects.get(inquiry=lead).type.code == "consultation"
    run_worker()
    booked = [
        e
        for e in emails_to("lucia.visitante@example.org")
        if e.subject.startswith("Su consulta gratuita:")
    ]
    assert len(booked) == 1
