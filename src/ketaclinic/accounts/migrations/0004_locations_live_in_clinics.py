"""Locations now belong to ketaclinic.clinics. Only Django's idea of the
models changes: the column and its table (still scheduling_location) stay as
they are."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_renews_credentials"),
        ("clinics", "0001_locations_chairs_hours_closures_from_scheduling"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="locations",
                    field=models.ManyToManyField(
                        blank=True, related_name="staff", to="clinics.location"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
