"""Joins the consent-name review, the decision overrides and the append-only
decisions. On SQLite, adding the overrides column rebuilds the table and drops
its triggers, so the append-only guard is laid again (it is safe to repeat)."""

from django.db import migrations

import ketaclinic.records


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_consent_name_on_file_and_review"),
        ("intake", "0002_screening_decision_overrides"),
        ("intake", "0002_signed_decisions_append_only"),
    ]

    operations = [
        ketaclinic.records.AppendOnly(
            model_name="screeningdecision",
            message="signed decisions are amended, never edited",
        ),
    ]
