"""Locations, chairs and rooms, opening hours and closures move to
ketaclinic.clinics (clinics 0001). Their tables stay where they are; here
scheduling's visits point at the moved models and scheduling forgets them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_locations_live_in_clinics"),
        ("audit", "0006_locations_live_in_clinics"),
        ("clinics", "0001_locations_chairs_hours_closures_from_scheduling"),
        ("inquiries", "0005_locations_live_in_clinics"),
        ("notifications", "0002_locations_live_in_clinics"),
        ("patients", "0004_locations_live_in_clinics"),
        ("scheduling", "0006_one_visit_at_a_time_per_patient"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="appointment",
                    name="location",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointments",
                        to="clinics.location",
                    ),
                ),
                migrations.RemoveField(
                    model_name="openinghours",
                    name="location",
                ),
                migrations.RemoveField(
                    model_name="resource",
                    name="location",
                ),
                migrations.AlterField(
                    model_name="waitlistentry",
                    name="location",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalappointment",
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
                    model_name="staffhours",
                    name="location",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staff_hours",
                        to="clinics.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="allocation",
                    name="resource",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.resource",
                    ),
                ),
                migrations.DeleteModel(
                    name="Closure",
                ),
                migrations.DeleteModel(
                    name="OpeningHours",
                ),
                migrations.DeleteModel(
                    name="Location",
                ),
                migrations.DeleteModel(
                    name="Resource",
                ),
            ],
            database_operations=[],
        ),
    ]
