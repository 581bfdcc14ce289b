"""Screening decisions move to the treatment app (its migration 0001). Only
Django's idea of the model leaves intake: the table, its rows and its
append-only triggers stay as they are, under their name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_merge_name_review_and_overrides")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ScreeningDecision")],
            database_operations=[],
        ),
    ]
