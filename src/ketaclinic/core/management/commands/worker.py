"""`ketaclinic worker`: runs the background tasks (reminders, sending messages).

The worker of the django-tasks database backend, under ketaclinic's name; every
option of `db_worker` passes through (`ketaclinic worker --help`). Run one or
more beside the web server; they share the work safely.
"""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker


class Command(db_worker.Command):
    help = (
        "Run the background tasks: reminders and the sending of email and text "
        "messages. Several workers may run at once. Options are those of "
        "django-tasks-db's db_worker (e.g. --batch to run what is due and exit)."
    )
