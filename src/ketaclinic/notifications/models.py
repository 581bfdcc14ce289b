"""Every email and text message the clinic sends, and the staff calendar feeds.

A message is a row first and a delivery second: services write it inside the
transaction of the change that causes it, a background task sends it. Its
`dedupe_key` is unique, so the same reminder cannot be written, and so cannot
be sent, twice; the task claims a queued row with a conditional UPDATE before
sending, so two workers never send the same row.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class OutboundMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(
        max_length=40, help_text="What the message is for, e.g. reminder."
    )
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # [{"filename": "visit.ics", "mimetype": "text/calendar", "content": "..."}]
    attachments = models.JSONField(default=list, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    location = models.ForeignKey(
        "clinics.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(
        max_length=120, blank=True, help_text="The sender's id of the message."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["location", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "sms"]),
                name="message_channel_known",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["queued", "sending", "sent", "failed", "cancelled"]
                ),
                name="message_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to}: {self.purpose}"

    @property
    def retryable(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.QUEUED)


class CalendarFeedToken(models.Model):
    """The secret in a staff member's calendar feed URL (/calendar/<token>.ics)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    @classmethod
    def new_token(cls) -> str:
        return secrets.token_urlsafe(32)
