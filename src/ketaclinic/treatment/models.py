"""The clinician's decisions on treatment: the signed screening decision now,
the treatment plans next. Signed records are amended, never edited."""

from __future__ import annotations

import uuid

from django.db import models

from ketaclinic.records import SignedRecord


class ScreeningDecision(SignedRecord):
    """The clinician's candidacy decision, signed. Amended, never edited."""

    class Outcome(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        NOT_CANDIDATE = "not_candidate", "Not a candidate"
        NEEDS_INFORMATION = "needs_information", "Needs more information"
        REFER_OUT = "refer_out", "Refer out"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screenings"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    indication = models.CharField(max_length=40, blank=True)
    needs = models.CharField("information needed", max_length=300, blank=True)
    rationale = models.TextField(max_length=4000)
    # What the clinician saw when signing: the findings and their sources.
    findings = models.JSONField(default=list)
    # A candidate over a hard stop or an open urgent task: one named override
    # each ({"kind", "key", "about", "reason"}), ketaclinic.clinical.overrides.
    overrides = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        # Moved from the intake app with its rows: the table keeps its name.
        db_table = "intake_screeningdecision"

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.signed_at:%Y-%m-%d})"
