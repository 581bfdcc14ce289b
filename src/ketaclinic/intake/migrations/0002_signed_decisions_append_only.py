"""Screening decisions become `SignedRecord`s (with the reason for an
amendment) and their table append-only in the database: until now only the
model refused a change, and nothing refused a deletion."""

from django.db import migrations, models

import ketaclinic.records


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_intake_questionnaires_consents_screening")]
    operations = [
        migrations.AddField(
            model_name="screeningdecision",
            name="amendment_reason",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="reason for the amendment"
            ),
        ),
        ketaclinic.records.AppendOnly(
            model_name="screeningdecision",
            message="signed decisions are amended, never edited",
        ),
    ]
