"""Several workers writing to one SQLite file at once never see "database is
locked": writes take the lock at BEGIN IMMEDIATE and wait for it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

WRITER = """
import django, sys
django.setup()
from django.db import transaction
from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinics.models import Location
worker = sys.argv[1]
for i in range(60):
    with transaction.atomic():
        # read then write in one transaction: the pattern that deadlocks with
        # deferred transactions ("database is locked") when two workers race.
        n = AuditEvent.objects.count()
        AuditEvent.objects.create(action="view", username=f"w{worker}", summary=str(n))
        Location.objects.filter(slug="x").exists()
print("ok")
"""


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "sqlite").split(":")[0] != "sqlite",
    reason="a SQLite file property; PostgreSQL runs its own locking",
)
def test_concurrent_writers_never_fail_with_database_is_locked(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketaclinic.settings",
        "KETACLINIC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/clinic.sqlite3",
    }
    subprocess.run(
        [sys.executable, "-m", "ketaclinic", "migrate", "-v0"],
        env=env,
        check=True,
        timeout=120,
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
        assert "locked" not in err
    import sqlite3

    with sqlite3.connect(tmp_path / "clinic.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        count = db.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0]
    assert count == 4 * 60
