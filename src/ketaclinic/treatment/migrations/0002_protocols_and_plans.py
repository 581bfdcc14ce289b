"""Treatment protocols (seeded from ketaclinic.clinical.protocols, each with its
source) and signed treatment plans, whose table is append-only."""

import django.core.validators
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

import ketaclinic.records


def seed_protocols(apps, schema_editor):
    from ketaclinic.treatment.seed import protocols_seed

    protocols_seed(
        apps.get_model("treatment", "Protocol"),
        apps.get_model("scheduling", "AppointmentType"),
    )


class Migration(migrations.Migration):


    dependencies = [
        ('treatment', '0001_screening_decisions_from_intake'),
        ('patients', '0003_weights_and_heights_in_the_unit_typed'),
        ('scheduling', '0008_infusion_booked_over_urgent_task_acknowledged'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Protocol',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(max_length=60, unique=True)),
                ('name', models.CharField(max_length=120)),
                ('indication', models.CharField(choices=[('depression', 'Depression'), ('ptsd', 'PTSD'), ('anxiety', 'Anxiety'), ('chronic_pain', 'Chronic pain'), ('other', 'Other')], max_length=20)),
                ('phase', models.CharField(choices=[('induction', 'Induction series'), ('maintenance', 'Maintenance')], max_length=20)),
                ('dose_unit', models.CharField(choices=[('mg/kg', 'mg/kg per infusion'), ('mg/kg/h', 'mg/kg per hour')], max_length=10)),
                ('amount_per_kg', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='usual dose per kg')),
                ('usual_low', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='lowest dose per kg without an override')),
                ('usual_high', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='highest dose per kg without an override')),
                ('hard_max', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='hard maximum per kg (no override passes it)')),
                ('cap', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='most in one infusion (mg) or per hour (mg/h)')),
                ('limits_source', models.TextField(blank=True)),
                ('titration', models.JSONField(blank=True, default=list)),
                ('minutes', models.PositiveIntegerField(verbose_name='infusion length in minutes')),
                ('bag_volume_ml', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='bag volume in mL')),
                ('diluent', models.CharField(max_length=60)),
                ('source', models.TextField(verbose_name='source of the dose, length and bag')),
                ('infusions', models.PositiveIntegerField(verbose_name='number of infusions')),
                ('within_days', models.PositiveIntegerField(verbose_name='within days')),
                ('min_days_apart', models.PositiveIntegerField(verbose_name='days apart at least')),
                ('min_hours_apart', models.PositiveIntegerField(blank=True, null=True, verbose_name='hours apart at least')),
                ('series_source', models.TextField(blank=True)),
                ('recovery_minutes', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(30)])),
                ('recovery_source', models.TextField(blank=True)),
                ('maintenance', models.JSONField(default=dict, verbose_name='maintenance policy')),
                ('standing_orders', models.JSONField(blank=True, default=list)),
                ('vital_limits', models.JSONField(blank=True, default=dict)),
                ('active', models.BooleanField(default=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('appointment_type', models.ForeignKey(blank=True, help_text='What is booked for each infusion: its phases and their lengths.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='scheduling.appointmenttype')),
            ],
            options={
                'ordering': ['phase', 'name'],
            },
        ),
        migrations.CreateModel(
            name='TreatmentPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('signed_at', models.DateTimeField(auto_now_add=True)),
                ('amendment_reason', models.CharField(blank=True, max_length=500, verbose_name='reason for the amendment')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('protocol_name', models.CharField(max_length=120)),
                ('version', models.PositiveIntegerField(default=1)),
                ('indication_code', models.CharField(max_length=10, verbose_name='ICD-10-CM code')),
                ('indication_display', models.CharField(max_length=255)),
                ('dose_unit', models.CharField(choices=[('mg/kg', 'mg/kg per infusion'), ('mg/kg/h', 'mg/kg per hour')], max_length=10)),
                ('amount_per_kg', models.DecimalField(decimal_places=3, max_digits=7)),
                ('titration', models.JSONField(blank=True, default=list)),
                ('usual_low', models.DecimalField(decimal_places=3, max_digits=7)),
                ('usual_high', models.DecimalField(decimal_places=3, max_digits=7)),
                ('hard_max', models.DecimalField(decimal_places=3, max_digits=7)),
                ('max_dose_mg', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='maximum dose (mg, or mg/h when hourly)')),
                ('weight_basis', models.CharField(choices=[('actual', 'Actual weight'), ('ideal', 'Ideal body weight'), ('adjusted', 'Adjusted body weight')], max_length=10)),
                ('weight_kg', models.DecimalField(decimal_places=3, max_digits=7, verbose_name='dosing weight (kg)')),
                ('actual_kg', models.DecimalField(decimal_places=3, max_digits=7)),
                ('ideal_kg', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True)),
                ('adjusted_kg', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True)),
                ('weight_measured_at', models.DateTimeField()),
                ('weight_max_age_hours', models.PositiveIntegerField()),
                ('bag_volume_ml', models.DecimalField(decimal_places=3, max_digits=7)),
                ('diluent', models.CharField(max_length=60)),
                ('vial_mg_per_ml', models.DecimalField(decimal_places=3, max_digits=7)),
                ('minutes', models.PositiveIntegerField()),
                ('infusions', models.PositiveIntegerField()),
                ('within_days', models.PositiveIntegerField()),
                ('min_days_apart', models.PositiveIntegerField()),
                ('standing_orders', models.JSONField(default=list)),
                ('vital_limits', models.JSONField(default=list)),
                ('recovery_minutes', models.PositiveIntegerField()),
                ('maintenance', models.JSONField(default=dict)),
                ('overrides', models.JSONField(blank=True, default=list)),
                ('amends', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='amended_by', to='treatment.treatmentplan')),
                ('decision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='treatment.screeningdecision')),
                ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='treatment_plans', to='patients.patient')),
                ('protocol', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='treatment.protocol')),
                ('signed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-signed_at', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='protocol',
            constraint=models.CheckConstraint(condition=models.Q(('recovery_minutes__gte', 30)), name='protocol_recovery_at_least_30_minutes'),
        ),
        migrations.AddConstraint(
            model_name='protocol',
            constraint=models.CheckConstraint(condition=models.Q(('usual_low__gt', 0), ('usual_low__lte', models.F('usual_high')), ('usual_high__lte', models.F('hard_max'))), name='protocol_dose_range_within_hard_maximum'),
        ),
        migrations.AddConstraint(
            model_name='treatmentplan',
            constraint=models.CheckConstraint(condition=models.Q(('recovery_minutes__gte', 30)), name='plan_recovery_at_least_30_minutes'),
        ),
        migrations.AddConstraint(
            model_name='treatmentplan',
            constraint=models.CheckConstraint(condition=models.Q(('amount_per_kg__gt', 0), ('amount_per_kg__lte', models.F('hard_max'))), name='plan_dose_within_hard_maximum'),
        ),
        migrations.CreateModel(
            name='SeriesVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('appointment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='plan_visit', to='scheduling.appointment')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='series_visits', to='treatment.treatmentplan')),
            ],
            options={
                'ordering': ['plan', 'number'],
            },
        ),
        ketaclinic.records.AppendOnly(
            model_name="treatmentplan",
            message="signed treatment plans are amended, never edited",
        ),
        migrations.RunPython(seed_protocols, migrations.RunPython.noop),
    ]
