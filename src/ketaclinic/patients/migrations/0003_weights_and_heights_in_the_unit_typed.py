"""Weights and heights keep the value and unit typed beside kg and cm.

Every existing row was typed in kg and cm: its value as entered is that, the
rows (and their history) are kept as they are. Then the value as entered
becomes required."""

from django.db import migrations, models
from django.db.models import F


def entered_in_kg_and_cm(apps, schema_editor):
    for name in ("BodyMeasurement", "HistoricalBodyMeasurement"):
        model = apps.get_model("patients", name)
        model.objects.filter(weight_entered__isnull=True).update(
            weight_entered=F("weight_kg"), weight_unit="kg"
        )
        model.objects.filter(
            height_entered__isnull=True, height_cm__isnull=False
        ).update(height_entered=F("height_cm"), height_unit="cm")


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0002_search_by_first_name_within_location'),
    ]

    operations = [
        migrations.AddField(
            model_name='bodymeasurement',
            name='height_entered',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True),
        ),
        migrations.AddField(
            model_name='bodymeasurement',
            name='height_unit',
            field=models.CharField(choices=[('cm', 'cm'), ('ft_in', 'ft and in')], default='cm', max_length=5),
        ),
        migrations.AddField(
            model_name='bodymeasurement',
            name='weight_entered',
            field=models.DecimalField(decimal_places=2, max_digits=6, null=True),
        ),
        migrations.AddField(
            model_name='bodymeasurement',
            name='weight_unit',
            field=models.CharField(choices=[('kg', 'kg'), ('lb', 'lb')], default='kg', max_length=2),
        ),
        migrations.AddField(
            model_name='historicalbodymeasurement',
            name='height_entered',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True),
        ),
        migrations.AddField(
            model_name='historicalbodymeasurement',
            name='height_unit',
            field=models.CharField(choices=[('cm', 'cm'), ('ft_in', 'ft and in')], default='cm', max_length=5),
        ),
        migrations.AddField(
            model_name='historicalbodymeasurement',
            name='weight_entered',
            field=models.DecimalField(decimal_places=2, max_digits=6, null=True),
        ),
        migrations.AddField(
            model_name='historicalbodymeasurement',
            name='weight_unit',
            field=models.CharField(choices=[('kg', 'kg'), ('lb', 'lb')], default='kg', max_length=2),
        ),
        migrations.AlterField(
            model_name='bodymeasurement',
            name='height_cm',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True),
        ),
        migrations.AlterField(
            model_name='bodymeasurement',
            name='weight_kg',
            field=models.DecimalField(decimal_places=3, max_digits=7),
        ),
        migrations.AlterField(
            model_name='historicalbodymeasurement',
            name='height_cm',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True),
        ),
        migrations.AlterField(
            model_name='historicalbodymeasurement',
            name='weight_kg',
            field=models.DecimalField(decimal_places=3, max_digits=7),
        ),
        migrations.RunPython(entered_in_kg_and_cm, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='bodymeasurement',
            name='weight_entered',
            field=models.DecimalField(decimal_places=2, max_digits=6),
        ),
        migrations.AlterField(
            model_name='historicalbodymeasurement',
            name='weight_entered',
            field=models.DecimalField(decimal_places=2, max_digits=6),
        ),
    ]
