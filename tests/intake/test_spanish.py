"""The intake in Spanish: a patient whose preferred language is Spanish reads the
pages, the questionnaires, the medical-history checklist and the crisis page in
Spanish, and their answers are stored and scored exactly as in English.

The compiled catalog (django.mo) is committed, so running the app or the tests
needs no gettext tools; the first test proves it matches the .po source.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.audit.actor import Actor
from ketaclinic.clinical import scales
from ketaclinic.clinical.screening import CHECKLIST
from ketaclinic.intake import services, translations
from ketaclinic.intake.models import (
    Intake,
    QuestionnaireRequest,
    QuestionnaireResponse,
    UrgentTask,
)
from ketaclinic.intake.questionnaires import InstrumentForm
from ketaclinic.links import tokens as links
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.notifications.services import email_render
from tests.conftest import client_for, make_patient
from tests.links.helpers import holder

APP = Path(__file__).parents[2] / "src/ketaclinic/intake"
PO = APP / "locale/es/LC_MESSAGES/django.po"
PHQ9_ITEM9_POSITIVE = {f"q{n}": 1 for n in range(1, 10)} | {"difficulty": 1}


def po_entries(path: Path = PO) -> list[tuple[str | None, str, str | None, list[str]]]:
    """(context, msgid, msgid_plural, [msgstr, ...]) of every entry of a .po file."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
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
            entries.append(
                (
                    fields.get("msgctxt"),
                    fields["msgid"],
                    fields.get("msgid_plural"),
                    strs,
                )
            )
    return entries


def test_the_compiled_spanish_catalog_matches_its_source():
    entries = po_entries()
    assert len(entries) > 100
    with translation.override("es"):
        for context, msgid, plural, strs in entries:
            assert all(strs), f"untranslated: {msgid!r}"
            if plural:
                assert translation.ngettext(msgid, plural, 1) == strs[0], msgid
                assert translation.ngettext(msgid, plural, 3) == strs[1], msgid
            elif context:
                assert translation.pgettext(context, msgid) == strs[0], msgid
            else:
                # Also fails when another app's catalog, which takes precedence,
                # says the same English differently.
                assert translation.gettext(msgid) == strs[0], msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext")
def test_the_catalog_has_every_string_of_the_intake(tmp_path, monkeypatch):
    """makemessages on a copy of the app finds no string missing from the .po."""
    copy = tmp_path / "intake"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["es"], no_location=True, verbosity=0)
    found = {
        (context, msgid)
        for context, msgid, _plural, _strs in po_entries(
            copy / "locale/es/LC_MESSAGES/django.po"
        )
    }
    ours = {(context, msgid) for context, msgid, _plural, _strs in po_entries()}
    assert found - ours == set(), "run makemessages and translate the new strings"


# --- Instruments and checklist --------------------------------------------------


def test_every_instrument_item_answer_and_checklist_question_has_its_spanish():
    assert translations.untranslated() == []
    for code, instrument in scales.INSTRUMENTS.items():
        english = translations.english_texts(instrument)
        spanish = translations.instrument_texts(instrument, "es")
        for item in instrument.items:
            assert (
                spanish.item(item.key)
                == translations.INSTRUMENTS_ES[code].items[item.key]
            )
            assert spanish.item(item.key) != english.item(item.key), (code, item.key)
    assert set(translations.CHECKLIST_ES) == set(CHECKLIST)
    for key in CHECKLIST:
        assert translations.checklist_question(key, "es") != CHECKLIST[key]
        assert translations.checklist_question(key, "en") == CHECKLIST[key]


def test_an_item_or_question_added_without_spanish_is_named():
    phq9 = scales.INSTRUMENTS["phq9"]
    extra = scales.Item("q10", "A new question", scales.PHQ_OPTIONS, scored=False)
    grown = dataclasses.replace(phq9, items=(*phq9.items, extra))
    missing = translations.untranslated(
        [grown], checklist={**CHECKLIST, "new_condition": "Do you have it?"}
    )
    assert "phq9.q10: text" in missing
    assert "phq9.q10: answer 3" in missing
    assert "checklist.new_condition" in missing
    # Until then the patient reads that item in English rather than an error.
    texts = translations.instrument_texts(grown, "es")
    assert texts.item("q10") == "A new question"
    assert texts.item("q1") == "Poco interés o placer en hacer cosas"


@st.composite
def answers_for(draw, instrument: scales.Instrument) -> dict[str, str]:
    """Form data a patient could send: a valid answer to every item asked."""
    data: dict[str, str] = {}
    for item in instrument.items:
        if item.asked_if is not None:
            parent, value = item.asked_if
            if data.get(parent) != str(value):
                continue
        if not item.required and draw(st.booleans()):
            continue
        data[item.key] = str(draw(st.sampled_from(item.values)))
    return data


@pytest.mark.parametrize("code", list(scales.INSTRUMENTS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_answers_in_spanish_are_stored_and_scored_as_in_english(code, data):
    instrument = scales.INSTRUMENTS[code]
    posted = data.draw(answers_for(instrument))
    forms = {}
    for language in ("en", "es"):
        with translation.override(language):
            forms[language] = InstrumentForm(instrument, posted)
            assert forms[language].is_valid(), forms[language].errors
    english, spanish = forms["en"], forms["es"]
    assert spanish.answers == english.answers
    assert spanish.score == english.score
    for key, field in spanish.fields.items():
        # Only the words differ: the answers offered are the same values.
        values = [value for value, _label in field.choices]
        assert values == [value for value, _label in english.fields[key].choices]
        assert field.label != english.fields[key].label


# --- The patient's pages --------------------------------------------------------


@pytest.fixture
def spanish_intake(world):
    world.patient.preferred_language = "es"
    world.patient.save()
    world.staff["provider"].email = "provider@clinic.example"
    world.staff["provider"].save()
    return services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )


def url_of(intake: Intake) -> str:
    return reverse(
        "intake_public:intake",
        args=[links.token(links.Purpose.INTAKE, intake.uuid)],
    )


def test_a_spanish_speaking_patient_gets_a_spanish_intake(world, spanish_intake):
    assert spanish_intake.language == "es"
    asked = Client().get(url_of(spanish_intake)).content.decode()
    assert "Confirme que es usted" in asked and "Su fecha de nacimiento" in asked
    page = (
        holder(url_of(spanish_intake), spanish_intake.patient)
        .get(url_of(spanish_intake))
        .content.decode()
    )
    assert '<html lang="es">' in page
    assert "Paso 1 de" in page and "Sobre usted" in page
    assert "¿Qué le gustaría tratar?" in page and "Dolor crónico" in page
    assert "Guardar y continuar" in page
    for title in ("Antecedentes de salud mental", "Antidepresivos que ha probado"):
        assert title in page  # every step, in the list of steps
    assert "About you" not in page and "Save and continue" not in page


def test_the_sections_and_checklist_are_in_spanish(world, spanish_intake):
    client = holder(url_of(spanish_intake), spanish_intake.patient)
    url = url_of(spanish_intake)
    bad = client.post(f"{url}?step=about", {"phone": "12"})
    assert "Escriba un número de teléfono válido" in bad.content.decode()
    assert "Este campo es obligatorio" in bad.content.decode()  # Django's own
    assert "Por favor, corrija los 3 campos marcados abajo" in bad.content.decode()
    medical = client.get(f"{url}?step=medical").content.decode()
    assert "Antecedentes médicos" in medical
    for key in CHECKLIST:
        assert translations.CHECKLIST_ES[key] in medical
    assert "No estoy seguro/a" in medical
    body = client.post(f"{url}?step=body", {"height_cm": "175", "weight_kg": "2000"})
    assert "El peso debe estar entre" in body.content.decode()
    # The answers are stored by key, the same in both languages.
    client.post(
        f"{url}?step=medical", dict.fromkeys(CHECKLIST, "no") | {"stroke": "yes"}
    )
    spanish_intake.refresh_from_db()
    assert spanish_intake.answers["medical"]["stroke"] == "yes"


def test_the_phq9_and_the_crisis_page_are_in_spanish(world, spanish_intake):
    client = holder(url_of(spanish_intake), spanish_intake.patient)
    url = f"{url_of(spanish_intake)}?step=q:phq9"
    page = client.get(url).content.decode()
    assert "Durante las últimas 2 semanas" in page
    for text in translations.PHQ9_ES.items.values():
        assert text in page
    assert "Ningún día" in page and "Casi todos los días" in page
    assert "Little interest or pleasure" not in page

    crisis = client.post(url, PHQ9_ITEM9_POSITIVE).content.decode()
    assert "Hay ayuda disponible en este momento" in crisis
    assert 'href="tel:988"' in crisis and 'href="sms:988"' in crisis
    assert 'href="tel:911"' in crisis
    assert "Línea de Prevención del Suicidio y Crisis" in crisis
    assert "sala de emergencias" in crisis
    assert UrgentTask.objects.filter(patient=world.patient).exists()
    saved = QuestionnaireResponse.objects.get(patient=world.patient)
    assert saved.answers["q9"] == 1 and saved.total == 9


def test_a_spanish_phq9_scores_the_same_total_as_an_english_one(world, spanish_intake):
    english_patient = make_patient(
        world.home, first_name="Mary", last_name="Somerville"
    )
    english_intake = services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=english_patient
    )
    assert english_intake.language == "en"
    answers = {f"q{n}": n % 4 for n in range(1, 10)} | {"q9": 0, "difficulty": 2}
    for intake in (spanish_intake, english_intake):
        response = holder(url_of(intake), intake.patient).post(
            f"{url_of(intake)}?step=q:phq9", answers
        )
        assert response.status_code == 302
    spanish = QuestionnaireResponse.objects.get(patient=world.patient)
    english = QuestionnaireResponse.objects.get(patient=english_patient)
    assert (
        spanish.total
        == english.total
        == sum(v for k, v in answers.items() if k != "difficulty")
    )
    assert (spanish.answers, spanish.band, spanish.flags) == (
        english.answers,
        english.band,
        english.flags,
    )


def test_the_cssrs_branching_reads_in_spanish(world, spanish_intake):
    spanish_intake.answers = {"about": {"treated_for": ["depression"]}}
    spanish_intake.save()
    page = holder(url_of(spanish_intake), spanish_intake.patient).get(
        f"{url_of(spanish_intake)}?step=q:cssrs_screener"
    )
    text = page.content.decode()
    assert "C-SSRS (versión de detección)" in text
    assert "Si respondió “Sí” arriba: ¿Ha pensado en cómo llevaría esto a cabo?" in text


def test_a_questionnaire_link_opens_in_the_patients_language(world, as_role):
    world.patient.preferred_language = "es"
    world.patient.save()
    as_role("nurse").post(
        reverse("intake:questionnaires_send", args=[world.patient.uuid]),
        {"instrument": ["gad7", "pain_nrs"]},
    )
    row = QuestionnaireRequest.objects.get()
    url = reverse(
        "intake_public:questionnaire",
        args=[links.token(links.Purpose.QUESTIONNAIRE, row.uuid)],
    )
    client = holder(url, row.patient)
    page = client.get(url).content.decode()
    assert "Sentirse nervioso/a, intranquilo/a o con los nervios de punta" in page
    assert "Nunca" in page and "Paso 1 de 2" in page
    client.post(url, {f"q{n}": 2 for n in range(1, 8)})
    assert "Escala numérica del dolor" in client.get(url).content.decode()
    client.post(url, {"pain": 6})
    assert "Sus respuestas ya están en la clínica." in client.get(url).content.decode()
    gad7 = QuestionnaireResponse.objects.get(instrument="gad7")
    assert gad7.total == 14 and gad7.band == "moderate"


def test_a_broken_link_speaks_the_browsers_language(world, spanish_intake):
    token = links.token(links.Purpose.INTAKE, spanish_intake.uuid)
    altered = reverse("intake_public:intake", args=[token[:-2] + "xx"])
    spanish = Client().get(altered, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert spanish.status_code == 400
    assert "Este enlace no funciona" in spanish.content.decode()
    assert "Ábralo tal como llegó en su mensaje" in spanish.content.decode()
    english = Client().get(altered, HTTP_ACCEPT_LANGUAGE="en-US")
    assert "This link does not work" in english.content.decode()


def test_staff_filling_a_spanish_patients_intake_read_english(world, spanish_intake):
    spanish_intake.channel = Intake.Channel.PHONE
    spanish_intake.save()
    page = client_for(world.staff["nurse"]).get(
        reverse("intake:fill", args=[spanish_intake.uuid]),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "About you" in page.content.decode()


# --- Emails to the patient --------------------------------------------------------

EMAILS = {
    "intake_link": (
        {"url": "https://x.example/my-intake/t/", "clinic": "Home clinic"},
        "Home clinic: sus formularios de admisión",
        "llene sus formularios de admisión para Home clinic",
    ),
    "questionnaire_link": (
        {"url": "https://x.example/q/t/", "clinic": "Home clinic", "names": ["GAD-7"]},
        "Home clinic: un cuestionario breve antes de su visita",
        "Por favor, responda GAD-7 antes de su visita en Home clinic:",
    ),
    "screening_outcome": (
        {"outcome": "candidate", "clinic": "Home clinic", "phone": "(303) 555-0177"},
        "Home clinic: el siguiente paso en su atención",
        "el tratamiento con ketamina puede ser adecuado para usted",
    ),
}


@pytest.mark.parametrize("template", list(EMAILS))
def test_the_patients_emails_have_their_spanish(template):
    context, subject, line = EMAILS[template]
    context = {"patient_name": "Rosa", **context}
    with translation.override("es"):
        spanish = email_render(template, context)
    assert spanish[0] == subject
    assert spanish[1].startswith("Hola, Rosa:")
    assert line in spanish[1] and line in spanish[2]
    english = email_render(template, context)
    assert english[1].startswith("Hello Rosa,")


def test_a_spanish_speaking_patient_is_emailed_in_spanish(world, spanish_intake):
    email = OutboundMessage.objects.get(purpose="intake_link")
    assert email.subject == "Home clinic: sus formularios de admisión"
