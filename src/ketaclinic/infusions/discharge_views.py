"""Recovery, discharge and the session note: parse, call the services, render.

A refusal shows the session page again with the messages beside the fields
(nothing saved); a success goes back to the page (post, redirect, get). A
refused discharge goes back by a redirect too, what was typed and the messages
kept for the next view of the page: reloading it never sends the discharge
again, minutes later, with what was observed before.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.infusions import discharge, notes, queries
from ketaclinic.infusions.discharge_forms import CoSignForm, DischargeForm, NoteSignForm
from ketaclinic.infusions.models import Discharge, Session, SessionNote
from ketaclinic.infusions.services import InfusionRefused
from ketaclinic.infusions.views import session_context


def _page(request: StaffRequest, session, **forms) -> HttpResponse:
    context = session_context(request, session)
    context.update(forms)
    return render(request, "infusions/session.html", context)


def _refusal_into(form, refused: InfusionRefused) -> None:
    for key, words in refused.errors.items():
        field = (
            form.field_for(key)
            if hasattr(form, "field_for")
            else (key if key in form.fields else None)
        )
        form.add_error(field, words)


def _told(request: StaffRequest, session, refused: InfusionRefused) -> HttpResponse:
    """A refusal that belongs to no field: said on top of the page."""
    messages.error(request, " ".join(refused.errors.values()))
    return redirect(reverse("infusions:session", args=[session.uuid]) + "#note")


# What a refused discharge form held, until the session page shows it.
KEPT_REFUSAL = "ketaclinic_refused_discharge"


def _refused(request: StaffRequest, session, form: DischargeForm) -> HttpResponse:
    """Keep what was typed (never a provider's password) and the messages,
    then show the page by a redirect."""
    secret = form.add_prefix("override_secret")
    request.session[KEPT_REFUSAL] = {
        "session": str(session.uuid),
        "data": {
            name: request.POST.getlist(name)
            for name in request.POST
            if name not in ("csrfmiddlewaretoken", secret)
        },
        "errors": {
            name: [str(message) for message in problems]
            for name, problems in form.errors.items()
        },
    }
    return redirect(reverse("infusions:session", args=[session.uuid]) + "#recovery")


def kept_refusal(request: StaffRequest, session) -> DischargeForm | None:
    """The refused discharge form of this session, once, with its messages."""
    kept = request.session.get(KEPT_REFUSAL)
    if not kept or kept.get("session") != str(session.uuid):
        return None
    del request.session[KEPT_REFUSAL]
    data = QueryDict(mutable=True)
    for name, values in kept["data"].items():
        data.setlist(name, values)
    form = DischargeForm(data, session=session)
    form.full_clean()
    for name, problems in kept["errors"].items():
        field = None if name == "__all__" else name
        for message in problems:
            if message not in form.errors.get(name, []):
                form.add_error(field, message)
    return form


@require_POST
@staff_required(Perm.INFUSION_CHART)
def discharge_patient(request: StaffRequest, session_uuid) -> HttpResponse:
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Discharge", perm=Perm.INFUSION_CHART
    )
    form = DischargeForm(request.POST, session=session)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = discharge.discharge(
                actor=request.actor,
                session=session,
                observations=form.observations(),
                escort_seen=bool(data.get("escort_seen")),
                collected_by=data.get("collected_by") or "",
                collected_relation=data.get("collected_relation") or "",
                override_by=data.get("override_by"),
                override_secret=data.get("override_secret") or "",
                override_reason=data.get("override_reason") or "",
                client_id=data.get("client_id"),
            )
        except InfusionRefused as refused:
            session.refresh_from_db(fields=["state"])
            if session.state != Session.State.RECOVERY:
                # Not in recovery (or discharged meanwhile by someone else): no
                # form to show the words beside, the page says them on top.
                return _told(request, session, refused)
            _refusal_into(form, refused)
        else:
            messages.success(
                request,
                f"{session.patient.display_name} discharged to {record.escort_name}."
                + (
                    " The instructions were emailed."
                    if record.instructions_sent_at
                    else " No email address on file: give the printed instructions."
                ),
            )
            return redirect(reverse("infusions:session", args=[session.uuid]) + "#note")
    return _refused(request, session, form)


@staff_required(Perm.INFUSION_VIEW)
def instructions(request: StaffRequest, session_uuid) -> HttpResponse:
    """The written instructions, in the patient's language, on one page to
    print."""
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Discharge instructions"
    )
    record = Discharge.objects.filter(session=session).first()
    language = record.language if record else discharge.language_of(session.patient)
    with translation.override(language):
        return render(
            request,
            "infusions/instructions.html",
            {
                "session": session,
                "language": language,
                **discharge.instructions_context(session),
            },
        )


@require_POST
@staff_required(Perm.INFUSION_CHART)
def note_sign(request: StaffRequest, session_uuid) -> HttpResponse:
    session = queries.session_for_actor(
        request.actor,
        session_uuid,
        purpose="Sign the session note",
        perm=Perm.INFUSION_CHART,
    )
    amends = None
    amends_id = request.POST.get("amends", "")
    if amends_id:
        if not amends_id.isdigit():
            messages.error(request, "That note version does not exist.")
            return redirect("infusions:session", session.uuid)
        amends = SessionNote.objects.filter(session=session, pk=int(amends_id)).first()
        if amends is None:
            messages.error(request, "That note version does not exist.")
            return redirect("infusions:session", session.uuid)
    form = NoteSignForm(request.POST)
    if form.is_valid():
        try:
            notes.note_sign(
                actor=request.actor,
                session=session,
                text=form.cleaned_data["text"],
                secret=form.cleaned_data["secret"],
                amends=amends,
                reason=form.cleaned_data.get("amendment_reason") or "",
            )
        except InfusionRefused as refused:
            if set(refused.errors) == {None}:
                return _told(request, session, refused)
            _refusal_into(form, refused)
        else:
            messages.success(
                request, "Correction signed." if amends else "Session note signed."
            )
            return redirect(reverse("infusions:session", args=[session.uuid]) + "#note")
    return _page(request, session, note_form=form, note_amends=amends)


@require_POST
@staff_required(Perm.SIGN)
def note_cosign(request: StaffRequest, session_uuid) -> HttpResponse:
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Co-sign the session note", perm=Perm.SIGN
    )
    note_id = request.POST.get("note", "")
    note = (
        SessionNote.objects.filter(session=session, pk=int(note_id)).first()
        if note_id.isdigit()
        else None
    )
    if note is None:
        messages.error(request, "There is no signed note to co-sign.")
        return redirect("infusions:session", session.uuid)
    form = CoSignForm(request.POST)
    if form.is_valid():
        try:
            notes.note_cosign(
                actor=request.actor, note=note, secret=form.cleaned_data["secret"]
            )
        except InfusionRefused as refused:
            if set(refused.errors) == {None}:
                return _told(request, session, refused)
            _refusal_into(form, refused)
        else:
            messages.success(request, "Session note co-signed.")
            return redirect(reverse("infusions:session", args=[session.uuid]) + "#note")
    return _page(request, session, cosign_form=form, cosign_note=note)
