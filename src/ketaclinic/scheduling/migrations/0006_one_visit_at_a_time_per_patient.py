"""PostgreSQL refuses two overlapping visits that hold time for one patient,
or for one lead (a consultation before there is a chart), at any location.
(SQLite serialises writers instead: see Appointment.)

Visits that already overlap stop the migration with their list: which one to
move or cancel is for the clinic to decide, never for a migration."""

from django.db import migrations

HOLDING = "('booked', 'confirmed', 'checked_in', 'in_progress', 'completed')"
PARTIES = ("patient_id", "inquiry_id")


def _constraint(column: str) -> str:
    name = column.removesuffix("_id")
    return (
        f"ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_{name}_no_overlap "
        f"EXCLUDE USING gist ({column} WITH =, "
        "tstzrange(starts_at, ends_at, '[)') WITH &&) "
        f"WHERE ({column} IS NOT NULL AND status IN {HOLDING});"
    )


OVERLAPS = f"""
SELECT a.uuid, b.uuid FROM scheduling_appointment a
JOIN scheduling_appointment b ON a.id < b.id AND (
    a.patient_id = b.patient_id OR a.inquiry_id = b.inquiry_id
) AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
WHERE a.status IN {HOLDING} AND b.status IN {HOLDING}
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        pairs = cursor.fetchall()
    if pairs:
        listed = "; ".join(f"{a} and {b}" for a, b in pairs[:20])
        raise RuntimeError(
            f"{len(pairs)} pairs of visits of one patient overlap ({listed}). "
            "Move or cancel one of each pair, then migrate again."
        )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist;")
    for column in PARTIES:
        schema_editor.execute(_constraint(column))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in PARTIES:
        name = column.removesuffix("_id")
        schema_editor.execute(
            "ALTER TABLE scheduling_appointment "
            f"DROP CONSTRAINT appointment_{name}_no_overlap;"
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0005_type_provider_on_site")]
    operations = [migrations.RunPython(forwards, backwards)]
