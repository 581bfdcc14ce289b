"""An intake's answers for staff to read: every section, each question in the
words the patient saw, each answer in plain words with its unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import translation

from ketaclinic.clinical import medicines, scales
from ketaclinic.intake import forms as sections
from ketaclinic.intake.models import Intake, QuestionnaireResponse
from ketaclinic.patients.text import format_phone

NOT_ANSWERED = "Not answered"
UNITS = {
    "height_cm": "cm",
    "weight_kg": "kg",
    "systolic": "mmHg",
    "diastolic": "mmHg",
    "current_episode_months": "months",
    "dose_mg": "mg a day",
    "weeks": "weeks",
}
PHONES = {"phone"}


@dataclass(frozen=True)
class Row:
    question: str
    answer: str
    # Medicines: the generic names recognised, or "" when none was.
    recognised: str | None = None
    answered: bool = True


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)


def _plain(name: str, field_: forms.Field, value: Any) -> str:
    choices = {str(k): str(v) for k, v in getattr(field_, "choices", ()) or ()}
    if isinstance(value, list):
        return ", ".join(choices.get(str(v), str(v)) for v in value)
    if name in PHONES:
        return format_phone(str(value))
    text = choices.get(str(value), str(value))
    unit = UNITS.get(name)
    return f"{text} {unit}" if unit else text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _rows(form: forms.BaseForm, answers: dict[str, Any]) -> list[Row]:
    rows = []
    for name, field_ in form.fields.items():
        value = answers.get(name)
        if _empty(value):
            rows.append(Row(str(field_.label), NOT_ANSWERED, answered=False))
        else:
            rows.append(Row(str(field_.label), _plain(name, field_, value)))
    return rows


def medicine_row(question: str, line: str) -> Row:
    ingredients = medicines.identify(line)
    return Row(question, line, recognised=" and ".join(ingredients or ()))


def _medications(answers: dict[str, Any]) -> list[Row]:
    lines = [
        line.strip()
        for line in str(answers.get("medications") or "").splitlines()
        if line.strip()
    ]
    rows = [
        Row("Medicine", line, answered=True)
        if medicines.is_none_written(line)
        else medicine_row(f"Medicine {number}", line)
        for number, line in enumerate(lines, start=1)
    ]
    if not rows:
        rows.append(Row("Medicines", NOT_ANSWERED, answered=False))
    allergies = str(answers.get("allergies") or "").strip()
    rows.append(
        Row(
            "Allergies, with what happens",
            allergies or NOT_ANSWERED,
            answered=bool(allergies),
        )
    )
    return rows


def _trials(trials: list[dict[str, Any]]) -> list[Row]:
    form = sections.TrialForm()
    rows = []
    for number, trial in enumerate(trials, start=1):
        drug = str(trial.get("drug") or "")
        rows.append(medicine_row(f"Antidepressant {number}", drug))
        for name in ("dose_mg", "weeks", "outcome", "current_episode", "side_effects"):
            value = trial.get(name)
            label = str(form.fields[name].label)
            if _empty(value):
                rows.append(Row(label, NOT_ANSWERED, answered=False))
            else:
                rows.append(Row(label, _plain(name, form.fields[name], value)))
    return rows or [Row("Antidepressants tried", "None listed")]


def _questionnaires(intake: Intake) -> Section:
    done = intake.answers.get("questionnaires") or {}
    responses = {
        str(r.uuid): r for r in QuestionnaireResponse.objects.filter(intake=intake)
    }
    rows = []
    for code, uuid in done.items():
        definition = scales.INSTRUMENTS.get(code)
        name = definition.name if definition else code
        response = responses.get(str(uuid))
        if response is None:
            rows.append(Row(name, "Answered"))
            continue
        total = "—" if response.total is None else f"{response.total.normalize():f}"
        text = f"Score {total}" + (f", {response.band}" if response.band else "")
        flags = [flag.replace("_", " ") for flag in response.flags]
        if flags:
            text += " — " + "; ".join(flags)
        rows.append(Row(name, text))
    return Section("Questionnaires", rows or [Row("Questionnaires", "None answered")])


def intake_summary(intake: Intake) -> list[Section]:
    """Every section of the intake, in the order the patient filled it (one
    query, for the questionnaires' scores)."""
    answers = intake.answers or {}
    result = []
    with translation.override("en"):
        for key in sections.SECTIONS:
            title = str(sections.SECTION_TITLES[key])
            saved = answers.get(key)
            if saved is None:
                result.append(
                    Section(title, [Row("This section", NOT_ANSWERED, answered=False)])
                )
            elif key == "antidepressants":
                result.append(Section(title, _trials(saved)))
            elif key == "medications":
                result.append(Section(title, _medications(saved)))
            else:
                result.append(Section(title, _rows(sections.form_for(key), saved)))
        result.append(_questionnaires(intake))
    return result
