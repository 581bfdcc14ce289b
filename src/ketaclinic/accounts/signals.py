"""Sign-in events go to the audit trail; the signal accounts sends to the apps
above it."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import Signal, receiver

from ketaclinic.audit.services import Action, Actor, audit_record

# Sent inside the transaction of an administrator's reset of a staff member's
# password or second factor, with `staff`, `admin` (who reset it) and `what`.
# The outbox (ketaclinic.notifications, above accounts) tells the staff member.
credentials_reset = Signal()


def _actor(request, user=None) -> Actor:
    if request is None:
        return Actor.system(user)
    actor = Actor.of_request(request)
    return Actor(user=user, channel=actor.channel, address=actor.address)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    audit_record(actor=_actor(request, user), action=Action.SIGN_IN)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=_actor(request, user), action=Action.SIGN_OUT)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        actor=_actor(request),
        action=Action.SIGN_IN_FAILED,
        username=str(credentials.get("username", ""))[:150] or "(no name typed)",
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(
        actor=_actor(request), action=Action.LOCKED_OUT, username=username or ""
    )
