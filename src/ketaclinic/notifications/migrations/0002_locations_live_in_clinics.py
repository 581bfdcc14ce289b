"""Locations now belong to ketaclinic.clinics. Only Django's idea of the
models changes: the column and its table (still scheduling_location) stay as
they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_locations_chairs_hours_closures_from_scheduling"),
        ("notifications", "0001_messages_and_calendar_feeds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="outboundmessage",
                    name="location",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.location",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
