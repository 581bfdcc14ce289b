from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketaclinic.audit.actor import Channel
from ketaclinic.audit.chain import GENESIS, entry_hash
from ketaclinic.prepared import prepared_sql
from ketaclinic.records import AppendOnlyQuerySet

HEAD = 1  # the primary key of the one AuditChainHead row


class AuditChainHead(models.Model):
    """The newest entry of the audit trail's hash chain. Every append locks
    this one row (so appends are numbered one after another, also across app
    servers), and `ketaclinic audit verify` sees when the newest entries were
    removed."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"Audit entry number {self.seq}"

    @classmethod
    def locked(cls) -> AuditChainHead:
        """The head, locked until the end of the transaction; made when the
        trail is new (or has been emptied by a flush)."""
        # Every audited page asks: a query built once (ketaclinic.prepared).
        sql, params = prepared_sql(
            ("audit_chain_head",),
            lambda pk: cls.objects.select_for_update().filter(pk=pk),
            HEAD,
        )
        head = next(iter(cls.objects.raw(sql, params)), None)
        if head is not None:
            return head
        newest = AuditEvent.objects.order_by("-seq").first()
        try:
            with transaction.atomic():
                cls.objects.create(
                    pk=HEAD,
                    seq=newest.seq if newest else 0,
                    hash=newest.hash if newest else GENESIS,
                )
        except IntegrityError:  # made at the same moment by another append
            pass
        return cls.objects.select_for_update().get(pk=HEAD)


class AuditEvent(models.Model):
    """One access to or change of a chart, or a security event. Append-only
    (the database refuses too), and tamper-evident: each entry is numbered and
    carries a SHA-256 chained to the entry before it (`ketaclinic.audit.chain`).
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        EXPORT = "export", "Exported"
        SEARCH = "search", "Searched"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_OUT = "sign_out", "Signed out"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        OTP_FAILED = "otp_failed", "Second factor failed"
        OTP_ENROLLED = "otp_enrolled", "Second factor enrolled"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        DENIED = "denied", "Access refused"
        DISCARD = "discard", "Discarded"

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept apart from `actor` so that a failed sign-in with an unknown name is
    # recorded too.
    username = models.CharField(max_length=150, blank=True)
    # How the actor came in: a staff page, a patient's link, the worker, the API.
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    location = models.ForeignKey(
        "clinics.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The place in the chain (1, 2, 3 ...) and the chained hash.
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["action", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Append the entry to the chain, in the caller's transaction."""
        if self.pk is not None:
            raise PermissionError("Audit entries cannot be changed.")
        # No savepoint: a failed append fails the whole change it records.
        with transaction.atomic(savepoint=False):
            head = AuditChainHead.locked()
            self.at = timezone.now()  # the time of the append, in chain order
            self.seq = head.seq + 1
            self.hash = entry_hash(self, head.hash)
            super().save(*args, **kwargs)
            head.seq, head.hash = self.seq, self.hash
            head.save(update_fields=["seq", "hash"])

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")
