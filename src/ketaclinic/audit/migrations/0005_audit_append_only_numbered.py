"""Every audit entry is numbered, and the table is append-only through the one
`AppendOnly` operation: on PostgreSQL TRUNCATE is refused too, and on SQLite
DELETE."""

from django.db import migrations, models

import ketaclinic.records


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_audit_hash_chain")]
    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        ketaclinic.records.AppendOnly(
            model_name="auditevent", message="audit entries are append-only"
        ),
    ]
