"""Locations, their chairs and rooms, opening hours and closures come over
from scheduling. The rows stay in their tables (scheduling_location and the
others, named by db_table); Django learns that clinics owns the models, and
their content types, with the permissions and admin history tied to them,
move along."""

import django.db.models.deletion
import ketaclinic.clinics.models
import uuid
from django.db import migrations, models


MOVED = ["location", "resource", "openinghours", "closure"]


def content_types_move(apps, schema_editor, source, target):
    """Rename the content types in place: their ids, and so the permissions
    granted on them and the admin's history, stay. A type already made for
    `target` (by a migration run that stopped half-way) is left alone."""
    content_type = apps.get_model("contenttypes", "ContentType")
    types = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)
    content_type.objects.clear_cache()


def to_clinics(apps, schema_editor):
    content_types_move(apps, schema_editor, "scheduling", "clinics")


def back_to_scheduling(apps, schema_editor):
    content_types_move(apps, schema_editor, "clinics", "scheduling")


class Migration(migrations.Migration):
    # Not "initial": the tables exist already, and --fake-initial must not skip
    # the content types.
    initial = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("scheduling", "0006_one_visit_at_a_time_per_patient"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Location",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "uuid",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, unique=True
                            ),
                        ),
                        ("name", models.CharField(max_length=120)),
                        ("slug", models.SlugField(unique=True)),
                        (
                            "time_zone",
                            models.CharField(
                                default="America/Denver",
                                max_length=64,
                                validators=[
                                    ketaclinic.clinics.models.validate_time_zone
                                ],
                            ),
                        ),
                        ("address", models.TextField(blank=True)),
                        ("phone", models.CharField(blank=True, max_length=32)),
                        ("active", models.BooleanField(default=True)),
                    ],
                    options={
                        "db_table": "scheduling_location",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="Closure",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("starts_on", models.DateField()),
                        ("ends_on", models.DateField()),
                        ("reason", models.CharField(max_length=120)),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="closures",
                                to="clinics.location",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_closure",
                        "ordering": ["location", "starts_on"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("ends_on__gte", models.F("starts_on"))
                                ),
                                name="closure_ends_after_start",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OpeningHours",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "weekday",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "Monday"),
                                    (1, "Tuesday"),
                                    (2, "Wednesday"),
                                    (3, "Thursday"),
                                    (4, "Friday"),
                                    (5, "Saturday"),
                                    (6, "Sunday"),
                                ]
                            ),
                        ),
                        ("opens", models.TimeField()),
                        ("closes", models.TimeField()),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="opening_hours",
                                to="clinics.location",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "opening hours",
                        "db_table": "scheduling_openinghours",
                        "ordering": ["location", "weekday", "opens"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("closes__gt", models.F("opens"))),
                                name="opening_hours_close_after_open",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Resource",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("chair", "Infusion chair"),
                                    ("room", "Consultation room"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("name", models.CharField(max_length=60)),
                        ("active", models.BooleanField(default=True)),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="resources",
                                to="clinics.location",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_resource",
                        "ordering": ["location", "kind", "name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("location", "name"),
                                name="resource_name_unique_per_location",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_clinics, back_to_scheduling),
    ]
