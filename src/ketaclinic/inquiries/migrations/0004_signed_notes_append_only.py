"""Signed consultation notes become `SignedRecord`s (with the reason for an
amendment) and their table append-only through the one `AppendOnly`
operation, which replaces the triggers of migration 0002 and refuses DELETE on
SQLite and TRUNCATE on PostgreSQL too."""

from importlib import import_module

from django.db import migrations, models

import ketaclinic.records

LEGACY = import_module("ketaclinic.inquiries.migrations.0002_signed_notes_are_never_edited")


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0003_consultation_setup_drops_unused_flag")]
    operations = [
        migrations.RunPython(LEGACY.backwards, LEGACY.forwards),
        migrations.AddField(
            model_name="consultationnote",
            name="amendment_reason",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="reason for the amendment"
            ),
        ),
        ketaclinic.records.AppendOnly(
            model_name="consultationnote",
            message="signed notes are amended, never edited",
        ),
    ]
