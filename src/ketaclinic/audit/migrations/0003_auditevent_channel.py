"""Each audit entry names the channel its actor came through (staff page,
patient's link, worker, API). SQLite adds the column by rebuilding the table,
which drops its triggers: the append-only trigger is put back."""

from django.db import migrations, models

SQLITE_TRIGGER = """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update
BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"""


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="channel",
            field=models.CharField(
                blank=True,
                choices=[
                    ("staff", "Staff page"),
                    ("public", "Public page"),
                    ("patient_link", "Patient's private link"),
                    ("api", "API client"),
                    ("worker", "Background worker"),
                    ("monitor", "Bedside monitor"),
                    ("system", "Command line"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
