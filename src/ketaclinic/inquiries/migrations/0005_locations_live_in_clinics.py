"""Locations now belong to ketaclinic.clinics. Only Django's idea of the
models changes: the column and its table (still scheduling_location) stay as
they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_locations_chairs_hours_closures_from_scheduling"),
        ("inquiries", "0004_signed_notes_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consultationsetup",
                    name="location",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consultation_setup",
                        to="clinics.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalinquiry",
                    name="location",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clinics.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="inquiry",
                    name="location",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inquiries",
                        to="clinics.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="leadalert",
                    name="location",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.location",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
