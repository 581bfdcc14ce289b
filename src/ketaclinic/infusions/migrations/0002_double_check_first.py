import django.db.models.deletion
import ketaclinic.records
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('infusions', '0001_infusion_chart'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DoubleCheckFirst',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('charted_at', models.DateTimeField()),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('correction_reason', models.CharField(blank=True, max_length=300)),
                ('rate_ml_per_h', models.DecimalField(decimal_places=1, max_digits=7)),
                ('volume_ml', models.DecimalField(decimal_places=1, max_digits=7)),
            ],
            options={
                'ordering': ['charted_at', 'id'],
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='pumpevent',
            constraint=models.UniqueConstraint(condition=models.Q(('corrects__isnull', True), ('kind', 'start')), fields=('session',), name='infusion_starts_once'),
        ),
        migrations.AddField(
            model_name='doublecheckfirst',
            name='by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='doublecheckfirst',
            name='corrects',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrected_by', to='infusions.doublecheckfirst'),
        ),
        migrations.AddField(
            model_name='doublecheckfirst',
            name='session',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='double_check_firsts', to='infusions.session'),
        ),
        migrations.AddField(
            model_name='doublecheck',
            name='first',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='answer', to='infusions.doublecheckfirst'),
        ),
        # SQLite rebuilds a table to add a unique column or a constraint, which
        # drops its triggers: make both append-only again (safe to repeat).
        ketaclinic.records.AppendOnly(
            model_name="doublecheckfirst",
            message="the infusion chart is corrected by new entries, never edited",
        ),
        ketaclinic.records.AppendOnly(
            model_name="doublecheck",
            message="the infusion chart is corrected by new entries, never edited",
        ),
        ketaclinic.records.AppendOnly(
            model_name="pumpevent",
            message="the infusion chart is corrected by new entries, never edited",
        ),
    ]
