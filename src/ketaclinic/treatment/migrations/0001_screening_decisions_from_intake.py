"""Screening decisions, moved here from the intake app with every row.

The table keeps its name (`intake_screeningdecision`) and is not rebuilt: the
model is created in Django's state only. The content type is renamed, so that
permissions and admin history that point at it follow the model. The table is
made append-only again under its kept name (safe to repeat); reversing this
migration leaves the triggers, which intake's migrations laid.

Audit entries written before the move keep naming the object
"intake.ScreeningDecision": the audit log is append-only and chained."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import ketaclinic.records

TABLE = "intake_screeningdecision"


def _rename_content_type(apps, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.clear_cache()
    if content_types.objects.filter(app_label=new, model="screeningdecision").exists():
        return  # made already (a migration run that stopped half-way): keep it
    content_types.objects.filter(app_label=old, model="screeningdecision").update(
        app_label=new
    )


def content_type_to_treatment(apps, schema_editor) -> None:
    _rename_content_type(apps, "intake", "treatment")


def content_type_to_intake(apps, schema_editor) -> None:
    _rename_content_type(apps, "treatment", "intake")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("intake", "0004_screening_decisions_move_to_treatment"),
        ("patients", "0003_weights_and_heights_in_the_unit_typed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ScreeningDecision",
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
                        ("signed_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "amendment_reason",
                            models.CharField(
                                blank=True,
                                max_length=500,
                                verbose_name="reason for the amendment",
                            ),
                        ),
                        (
                            "uuid",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, unique=True
                            ),
                        ),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("candidate", "Candidate"),
                                    ("not_candidate", "Not a candidate"),
                                    ("needs_information", "Needs more information"),
                                    ("refer_out", "Refer out"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("indication", models.CharField(blank=True, max_length=40)),
                        (
                            "needs",
                            models.CharField(
                                blank=True,
                                max_length=300,
                                verbose_name="information needed",
                            ),
                        ),
                        ("rationale", models.TextField(max_length=4000)),
                        ("findings", models.JSONField(default=list)),
                        ("overrides", models.JSONField(blank=True, default=list)),
                        (
                            "amends",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="amended_by",
                                to="treatment.screeningdecision",
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="screenings",
                                to="patients.patient",
                            ),
                        ),
                        (
                            "signed_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"ordering": ["-signed_at"], "db_table": TABLE},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_treatment, content_type_to_intake),
        ketaclinic.records.AppendOnly(
            model_name="screeningdecision",
            message="signed decisions are amended, never edited",
            keep_on_reverse=True,
        ),
    ]
