"""The database itself refuses to change an audit entry, and on PostgreSQL to
delete one. SQLite gets no delete trigger: Django's test flush empties tables
with DELETE there (PostgreSQL's TRUNCATE fires no row trigger), and a SQLite
file is one clinic's own database, guarded by the model and the app."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
]
POSTGRES = [
    """CREATE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit entries are append-only'; END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE
    ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();""",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent;"
            "DROP FUNCTION audit_auditevent_append_only();"
        )
    else:
        schema_editor.execute("DROP TRIGGER audit_auditevent_no_update;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
