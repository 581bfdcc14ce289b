from __future__ import annotations

from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from ketaclinic.accounts.requests import AppRequest


def _clinic_name() -> str:
    from ketaclinic.inquiries.content import site_content

    return site_content(get_language() or "en").clinic_name


def clinic(request: AppRequest) -> dict:
    """The clinic's name, as its public pages give it: what heads every page a
    patient sees. Read only by the pages that show it."""
    return {"clinic_name": SimpleLazyObject(_clinic_name)}
