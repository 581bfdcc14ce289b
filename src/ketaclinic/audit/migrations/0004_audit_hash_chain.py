"""The audit trail becomes tamper-evident: each entry carries its number in
the chain and a SHA-256 chained to the entry before it (ketaclinic.audit.chain);
one row records the newest entry, and appends queue on it. The entries written
before are numbered and hashed here, in the order they were written. The
triggers of migrations 0002 and 0003 are lifted for the backfill; 0005 puts the one
append-only operation in their place."""

from importlib import import_module

import django.utils.timezone
from django.db import migrations, models

from ketaclinic.audit.chain import GENESIS, entry_hash

LEGACY = import_module("ketaclinic.audit.migrations.0002_audit_append_only")
BATCH = 1000


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    db = schema_editor.connection.alias
    entries = AuditEvent.objects.using(db).order_by("id")
    previous, seq, last_id = GENESIS, 0, 0
    while batch := list(entries.filter(id__gt=last_id)[:BATCH]):
        for event in batch:
            seq += 1
            event.seq = seq
            event.hash = previous = entry_hash(event, previous)
        AuditEvent.objects.using(db).bulk_update(batch, ["seq", "hash"])
        last_id = batch[-1].id
    AuditChainHead.objects.using(db).create(pk=1, seq=seq, hash=previous)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_channel")]
    operations = [
        migrations.RunPython(LEGACY.backwards, LEGACY.forwards),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS, max_length=64)),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
