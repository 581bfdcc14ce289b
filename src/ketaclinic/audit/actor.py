"""Who acts: the `Actor` every service takes instead of an HTTP request.

A staff page, a patient's private link, the background worker, an API client or
a bedside monitor each build one; services audit through it, so a write is
recorded the same way whichever door it came through.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Location


class Channel(models.TextChoices):
    STAFF = "staff", "Staff page"
    PUBLIC = "public", "Public page"
    PATIENT_LINK = "patient_link", "Patient's private link"
    API = "api", "API client"
    WORKER = "worker", "Background worker"
    MONITOR = "monitor", "Bedside monitor"
    SYSTEM = "system", "Command line"


# The name written for a patient acting through a private link.
PATIENT_LINK_NAME = "patient (private link)"


def _valid_address(address: str) -> str | None:
    try:
        return str(ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest | None) -> str | None:
    """The address of whoever sent the request: one answer for the audit
    trail, the sign-in lockout and every rate limit.

    Behind reverse proxies the connecting address is the nearest proxy's. Each
    proxy appends the address it received the request from to X-Forwarded-For,
    so with KETACLINIC_TRUSTED_PROXIES proxies in front of the app the client
    is that many entries from the right. Anything further left was written by
    the client and proves nothing.
    """
    if request is None:
        return None
    connecting = _valid_address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.KETACLINIC_TRUSTED_PROXIES
    if proxies == 0:
        return connecting
    forwarded = [
        part
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return connecting
    # Fewer entries than proxies: the request skipped a proxy; the leftmost
    # entry is still the best the proxies that were passed can vouch for.
    return _valid_address(forwarded[-min(proxies, len(forwarded))]) or connecting


@dataclass(frozen=True)
class Actor:
    """One person or process acting, through one channel."""

    user: User | None
    channel: Channel
    address: str | None = None
    location: Location | None = None

    @classmethod
    def of_request(cls, request: HttpRequest, channel: Channel | None = None) -> Actor:
        user: Any = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if channel is None:
            if request.path.startswith("/api/"):
                channel = Channel.API
            else:
                channel = Channel.STAFF if signed_in else Channel.PUBLIC
        return cls(
            user=user if signed_in else None,
            channel=channel,
            address=client_address(request),
            location=getattr(request, "location", None),
        )

    @classmethod
    def patient_link(cls, request: HttpRequest) -> Actor:
        """The patient, acting through a private link (never a staff member,
        even when a staff member opens it in a signed-in browser)."""
        return cls(
            user=None, channel=Channel.PATIENT_LINK, address=client_address(request)
        )

    @classmethod
    def worker(cls) -> Actor:
        return cls(user=None, channel=Channel.WORKER)

    @classmethod
    def system(cls, user: User | None = None) -> Actor:
        return cls(user=user, channel=Channel.SYSTEM)

    @classmethod
    def staff(cls, user: User, location: Location | None = None) -> Actor:
        """A staff member acting outside a request (tests, commands)."""
        return cls(user=user, channel=Channel.STAFF, location=location)

    @property
    def signer(self) -> User:
        """The staff member who signs what this actor writes; refused for
        anyone who is not a signed-in staff member."""
        if self.user is None:
            raise PermissionError("Only a signed-in staff member can sign.")
        return self.user

    @property
    def username(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        if self.channel == Channel.PATIENT_LINK:
            return PATIENT_LINK_NAME
        return ""
