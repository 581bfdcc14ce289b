"""The offline chart's doors: its service worker, the endpoint that takes the
entries a tablet kept while it was offline, and the one where a manager
discards an entry another nurse left waiting (see `offline`)."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.infusions import offline, queries

ASSETS = (
    "ketaclinic/app.css",
    "ketaclinic/app.js",
    "ketaclinic/favicon.svg",
    "infusions/offline.js",
    "django_htmx/htmx-2.min.js",
    "django_htmx/django-htmx.js",
)
SCOPE = "/infusions/"


@require_GET
def worker(request) -> HttpResponse:
    """The service worker; it holds no patient data of its own."""
    assets = [static(path) for path in ASSETS]
    response = render(
        request,
        "infusions/offline-worker.js",
        {
            "assets": assets,
            "keep_hours": offline.keep_hours(),
            "version": abs(hash(tuple(assets))) % 10**8,
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = SCOPE
    response["Cache-Control"] = "no-cache"
    return response


@require_POST
@staff_required(Perm.INFUSION_CHART)
def entries(request: StaffRequest, session_uuid) -> JsonResponse:
    """One queued entry (JSON) -> 201/200 stored, 409 conflict, 422 refused."""
    session = _session(
        request,
        session_uuid,
        purpose="Entries sent from a tablet",
        perm=Perm.INFUSION_CHART,
    )
    if session is None:
        return _refused("You may not chart this infusion (any more).")
    payload = _json(request)
    if payload is None:
        return _damaged()
    outcome = offline.receive(
        actor=request.actor, session_uuid=session_uuid, payload=payload
    )
    return _answer(outcome)


@require_POST
@staff_required(Perm.INFUSION_RESOLVE)
def discard(request: StaffRequest, session_uuid) -> JsonResponse:
    """A manager discards another nurse's waiting entry (JSON, with a reason)."""
    session = _session(
        request,
        session_uuid,
        purpose="Entry left on a tablet",
        perm=Perm.INFUSION_RESOLVE,
    )
    if session is None:
        return _refused("You may not settle entries of this infusion.")
    payload = _json(request)
    if payload is None:
        return _damaged()
    outcome = offline.discard(
        actor=request.actor,
        session=session,
        payload=payload,
        reason=str(payload.get("reason") or ""),
    )
    return _answer(outcome)


def _session(request: StaffRequest, session_uuid, *, purpose: str, perm: Perm):
    """The session through the one guard (role, location, audit); None where
    it refuses, so that the tablet hears why in words, not a 404 page."""
    try:
        return queries.session_for_actor(
            request.actor, session_uuid, purpose=purpose, perm=perm
        )
    except Http404:
        return None


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=422)


def _damaged() -> JsonResponse:
    return _refused("This entry is damaged and cannot be read.")


def _json(request: StaffRequest) -> dict | None:
    if request.content_type != "application/json":
        return None
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _answer(outcome: offline.Outcome) -> JsonResponse:
    body = {"message": outcome.message}
    if outcome.field:
        body["field"] = outcome.field
    if outcome.entry is not None:
        body["client_id"] = str(outcome.entry.client_id)
        body["charted_at"] = outcome.entry.charted_at.isoformat()
        body["received_at"] = outcome.entry.received_at.isoformat()
    return JsonResponse(body, status=outcome.status)


def chart_settings(request: StaffRequest, session) -> dict:
    """What the session page gives the offline chart script."""
    return {
        "offline_token": offline.page_token(session, request.user.pk),
        "offline_keep_hours": offline.keep_hours(),
        "may_resolve": can(request.user, Perm.INFUSION_RESOLVE),
    }
