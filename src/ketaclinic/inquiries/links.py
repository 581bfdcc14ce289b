"""The private link of a lead: signed, expiring, bound to one inquiry and one
purpose (booking, moving or cancelling its free consultation).

The token signs the inquiry's UUID with a salt of its own, so that no other
link of the app (a visit's confirm link, an intake link) is accepted here, and
no token can be bent to another inquiry.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "ketaclinic.inquiries.links.consultation"


class LinkProblem(Exception):
    """Why a link cannot be used: `problem` names the page that says so."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def consultation_token(inquiry) -> str:
    return _signer().sign(str(inquiry.uuid))


def read_token(token: str) -> uuid.UUID:
    """The inquiry UUID a token names; LinkProblem("expired" or "altered")."""
    max_age = timedelta(days=settings.KETACLINIC_INQUIRY_LINK_DAYS)
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkProblem("expired") from None
    except signing.BadSignature:
        raise LinkProblem("altered") from None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise LinkProblem("altered") from None


def consultation_url(inquiry) -> str:
    """The link for emails; it opens in the language the visitor wrote in."""
    path = reverse("get_started:consultation", args=[consultation_token(inquiry)])
    return f"{settings.KETACLINIC_BASE_URL}{path}?lang={inquiry.language}"
