"""What the database keeps of private links: which single-use links (or parts
of them) were used, and the wrong dates of birth given for each link.

The unique constraint on used links is the guarantee of single use: of two
requests that use the same link at the same moment, one commits and the other
fails."""

from __future__ import annotations

from django.db import models


class UsedLink(models.Model):
    purpose = models.CharField(max_length=30)
    key = models.CharField(max_length=64, help_text="The record the link is bound to.")
    part = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text="The part of a link used once (e.g. one questionnaire of several).",
    )
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "key", "part"], name="link_used_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link {self.key} {self.part}".strip()


class BirthDateGuard(models.Model):
    """Wrong dates of birth given for one link, counted in the database so that
    every app server counts together; enough of them lock the link a while."""

    purpose = models.CharField(max_length=30)
    key = models.CharField(max_length=64)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "key"], name="birth_date_guard_once_per_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link {self.key}: {self.failures} wrong"
