"""What the database keeps of private links: which single-use links (or parts
of them) were used. The unique constraint is the guarantee: of two requests
that use the same link at the same moment, one commits and the other fails."""

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
