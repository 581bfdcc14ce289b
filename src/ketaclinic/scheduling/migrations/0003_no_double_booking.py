"""PostgreSQL refuses two overlapping active allocations of one chair or room,
or of one staff seat. (SQLite serialises writers instead: see Allocation.)"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist;",
    """ALTER TABLE scheduling_allocation ADD CONSTRAINT allocation_resource_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (active AND resource_id IS NOT NULL);""",
    """ALTER TABLE scheduling_allocation ADD CONSTRAINT allocation_staff_seat_no_overlap
    EXCLUDE USING gist (
        staff_id WITH =, seat WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (active AND staff_id IS NOT NULL);""",
]
DROP = [
    "ALTER TABLE scheduling_allocation DROP CONSTRAINT allocation_resource_no_overlap;",
    "ALTER TABLE scheduling_allocation DROP CONSTRAINT allocation_staff_seat_no_overlap;",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_appointments_and_staff_hours")]
    operations = [migrations.RunPython(forwards, backwards)]
