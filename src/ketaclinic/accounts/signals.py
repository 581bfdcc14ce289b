"""Sign-in events go to the audit trail."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from ketaclinic.audit.services import Action, audit_record


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    audit_record(request=request, action=Action.SIGN_IN, user=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(request=request, action=Action.SIGN_OUT, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        request=request,
        action=Action.SIGN_IN_FAILED,
        username=str(credentials.get("username", ""))[:150] or "(no name typed)",
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(request=request, action=Action.LOCKED_OUT, username=username or "")
