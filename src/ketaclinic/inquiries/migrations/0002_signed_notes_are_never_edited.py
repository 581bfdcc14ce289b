"""The database itself refuses to change a signed consultation note, and on
PostgreSQL to delete one (as for the audit log: SQLite gets no delete trigger,
because Django's test flush empties tables with DELETE there)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER inquiries_consultationnote_no_update
    BEFORE UPDATE ON inquiries_consultationnote
    BEGIN SELECT RAISE(ABORT, 'signed notes are amended, never edited'); END;""",
]
POSTGRES = [
    """CREATE FUNCTION inquiries_consultationnote_signed() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'signed notes are amended, never edited'; END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER inquiries_consultationnote_signed BEFORE UPDATE OR DELETE
    ON inquiries_consultationnote FOR EACH ROW
    EXECUTE FUNCTION inquiries_consultationnote_signed();""",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER inquiries_consultationnote_signed "
            "ON inquiries_consultationnote;"
            "DROP FUNCTION inquiries_consultationnote_signed();"
        )
    else:
        schema_editor.execute("DROP TRIGGER inquiries_consultationnote_no_update;")


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0001_leads_submissions_notes_alerts")]
    operations = [migrations.RunPython(forwards, backwards)]
