"""The patient's intake and questionnaires, through a private link.

The same wizard serves staff filling an intake on the patient's behalf (phone
intake); the intake records which it was.

The patient reads the pages in their language: the intake's (from the patient's
preferred language), a questionnaire link's from the patient's; a link that
leads to no patient, in the browser's language.
"""

from __future__ import annotations

from contextlib import suppress

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ketaclinic.accounts.requests import AppRequest
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import scales
from ketaclinic.intake import forms, queries, services, translations
from ketaclinic.intake.models import (
    Intake,
    QuestionnaireRequest,
    QuestionnaireResponse,
)
from ketaclinic.intake.questionnaires import InstrumentForm, instruments_for
from ketaclinic.links.problems import LinkUsed
from ketaclinic.links.tokens import Link, Purpose, bound_record, read
from ketaclinic.links.views import birth_date_gate, link_page

# Messages raised in English by services.py that reach the patient; listed for
# the catalog and translated when shown. A message not listed here is shown as
# it is.
PATIENT_MESSAGES = (
    gettext_noop("Type your full name to sign."),
    gettext_noop("The document changed while you read it. Please read it again."),
    gettext_noop(
        "The name you typed is not the name the clinic has on file. Type your full "
        "name as the clinic has it, or, if your legal name is different, tick the box "
        "to confirm it: the clinic will check it."
    ),
)


def patient_language(patient) -> str:
    return "es" if patient.preferred_language == "es" else "en"


def steps_of(intake: Intake) -> list[tuple[str, str]]:
    treated = intake.answers.get("about", {}).get("treated_for", [])
    steps = [(key, str(forms.SECTION_TITLES[key])) for key in forms.SECTIONS]
    steps += [
        (f"q:{code}", translations.instrument_name(code))
        for code in instruments_for(treated)
    ]
    steps += [("consents", _("Consents")), ("review", _("Check and send"))]
    return steps


def done_steps(intake: Intake) -> set[str]:
    done = set(intake.answers)
    done |= {f"q:{code}" for code in intake.answers.get("questionnaires", {})}
    if not queries.consents_missing(intake.patient):
        done.add("consents")
    return done


def wizard(request: AppRequest, intake: Intake, *, staff=None) -> HttpResponse:
    actor = request.actor if staff is not None else Actor.patient_link(request)
    steps = steps_of(intake)
    keys = [key for key, _title in steps]
    step = request.GET.get("step") or next(
        (k for k in keys if k not in done_steps(intake)), "review"
    )
    if step not in keys:
        step = keys[0]
    if intake.locked:
        return render(request, "intake/public/done.html", {"intake": intake})
    index = keys.index(step)
    context = {
        "intake": intake,
        "steps": steps,
        "step": step,
        "title": dict(steps)[step],
        "number": index + 1,
        "count": len(steps),
        "done": done_steps(intake),
        "staff": staff,
        "next_step": keys[index + 1] if index + 1 < len(keys) else None,
    }
    if step in forms.SECTIONS:
        saved = intake.answers.get(step)
        form = forms.form_for(step, request.POST or None, saved, intake.patient)
        if request.method == "POST" and form.is_valid():
            services.intake_save(
                actor=actor,
                intake=intake,
                section=step,
                data=forms.answers_of(step, form),
            )
            if "add_another" in request.POST:
                return HttpResponseRedirect(f"{request.path}?step={step}")
            return HttpResponseRedirect(f"{request.path}?step={context['next_step']}")
        context.update(form=form, formset=step == "antidepressants")
        return render(request, "intake/public/section.html", context)
    if step.startswith("q:"):
        code = step[2:]
        if request.method == "POST" and code in intake.answers.get(
            "questionnaires", {}
        ):
            # Already recorded (a reload or Back): never score or alert twice.
            return HttpResponseRedirect(f"{request.path}?step={context['next_step']}")
        form = InstrumentForm(scales.INSTRUMENTS[code], request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                _response, result = services.questionnaire_record(
                    actor=actor,
                    patient=intake.patient,
                    instrument=code,
                    answers=form.answers,
                    source=QuestionnaireResponse.Source.INTAKE,
                    intake=intake,
                )
            except services.AlreadyRecorded:
                # Recorded by another tap at the same moment: never twice.
                return HttpResponseRedirect(
                    f"{request.path}?step={context['next_step']}"
                )
            if services.raises_task(result):
                context.update(
                    next_url=f"{request.path}?step={context['next_step']}",
                    clinic_phone=intake.patient.location.phone,
                    after_hours=services.after_hours_instruction(),
                )
                return render(request, "intake/public/crisis.html", context)
            return HttpResponseRedirect(f"{request.path}?step={context['next_step']}")
        context.update(form=form, instrument=scales.INSTRUMENTS[code])
        return render(request, "intake/public/questionnaire.html", context)
    if step == "consents":
        missing = queries.consents_missing(intake.patient)
        error, mismatch = "", None
        if request.method == "POST":
            version = next(
                (v for v in missing if str(v.pk) == request.POST.get("version")), None
            )
            if version is None:
                return HttpResponseRedirect(f"{request.path}?step=consents")
            try:
                services.consent_sign(
                    actor=actor,
                    patient=intake.patient,
                    version=version,
                    typed_name=request.POST.get("typed_name", ""),
                    shown_sha256=request.POST.get("sha256", ""),
                    witness=staff,
                    different_legal_name=bool(request.POST.get("different_legal_name")),
                )
            except services.IntakeRefused as refused:
                error = _(str(refused))
                if isinstance(refused, services.NameNotOnFile):
                    mismatch = {
                        "version": version.pk,
                        "typed": request.POST.get("typed_name", "")[:160],
                    }
            else:
                return HttpResponseRedirect(f"{request.path}?step=consents")
        context.update(missing=missing, error=error, mismatch=mismatch)
        return render(request, "intake/public/consents.html", context)
    # review
    unfinished = [
        (key, title)
        for key, title in steps
        if key != "review" and key not in done_steps(intake)
    ]
    if request.method == "POST" and not unfinished:
        # Sent meanwhile by another tap of the same button: that sending stands.
        with suppress(services.IntakeRefused):
            services.intake_submit(actor=actor, intake=intake)
        return render(request, "intake/public/done.html", {"intake": intake})
    answered = {
        key: forms.summary(key, intake.answers.get(key)) for key in forms.SECTIONS
    }
    context.update(
        missing=unfinished,
        answers=[
            (key, title, answered.get(key, []))
            for key, title in steps
            if key != "review"
        ],
    )
    return render(request, "intake/public/review.html", context)


@link_page
def intake_by_link(request: AppRequest, token: str) -> HttpResponse:
    link = read(Purpose.INTAKE, token)
    intake = bound_record(link, Intake.objects.select_related("patient__location"))
    with translation.override(intake.language):
        asked = birth_date_gate(request, link, patient=intake.patient)
    if asked is not None:
        return asked
    if request.method == "GET" and "step" not in request.GET:
        audit_record(
            actor=Actor.patient_link(request),
            action=Action.VIEW,
            patient=intake.patient,
            obj=intake,
            summary="Intake link opened",
        )
    with translation.override(intake.language):
        return wizard(request, intake)


@link_page
def questionnaire_by_link(request: AppRequest, token: str) -> HttpResponse:
    link = read(Purpose.QUESTIONNAIRE, token)
    row = bound_record(
        link, QuestionnaireRequest.objects.select_related("patient__location")
    )
    with translation.override(patient_language(row.patient)):
        asked = birth_date_gate(request, link, patient=row.patient)
    if asked is not None:
        return asked
    answered = queries.instruments_answered(row)
    with translation.override(patient_language(row.patient)):
        return _questionnaire(request, row, link, answered)


def _questionnaire(
    request, row: QuestionnaireRequest, link: Link, answered
) -> HttpResponse:
    remaining = [code for code in row.instruments if code not in answered]
    if not remaining:
        return render(request, "intake/public/thanks.html", {})
    code = remaining[0]
    form = InstrumentForm(scales.INSTRUMENTS[code], request.POST or None)
    context = {
        "form": form,
        "instrument": scales.INSTRUMENTS[code],
        "number": len(row.instruments) - len(remaining) + 1,
        "count": len(row.instruments),
    }
    if request.method == "POST" and form.is_valid():
        try:
            _response, result = services.questionnaire_record(
                actor=Actor.patient_link(request),
                patient=row.patient,
                instrument=code,
                answers=form.answers,
                source=QuestionnaireResponse.Source.LINK,
                link=link,
            )
        except LinkUsed:
            return redirect(request.path)  # recorded by another tap: never twice
        if services.raises_task(result):
            context["next_url"] = request.path
            context["clinic_phone"] = row.patient.location.phone
            context["after_hours"] = services.after_hours_instruction()
            return render(request, "intake/public/crisis.html", context)
        return redirect(request.path)
    return render(request, "intake/public/questionnaire.html", context)
