"""Private links for the intake and for questionnaires sent on their own:
signed, expiring, bound to one patient's intake (or request) and one purpose."""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing


class Purpose(StrEnum):
    INTAKE = "intake"
    QUESTIONNAIRE = "questionnaire"


class LinkProblem(Exception):
    status = 400
    message = (
        "This link is not valid. Please use the link from your most recent message."
    )


class LinkExpired(LinkProblem):
    status = 410
    message = "This link has expired. Please ask the clinic for a new one."


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"ketaclinic.intake.links.{purpose}")


def make_token(purpose: Purpose, key: uuid.UUID) -> str:
    return _signer(purpose).sign(str(key))


def read_token(purpose: Purpose, token: str) -> uuid.UUID:
    max_age = timedelta(days=settings.KETACLINIC_INTAKE_LINK_DAYS)
    try:
        value = _signer(purpose).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkProblem from None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise LinkProblem from None
