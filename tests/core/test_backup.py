"""`ketaclinic backup` and `restore`, on SQLite files and a real PostgreSQL.

SQLite tests run the command in subprocesses against database files in a tmp
directory: pytest's own SQLite test database lives in memory.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ketaclinic.core.backup import BackupError, backup, restore
from ketaclinic.patients.models import Patient

KETACLINIC = str(Path(sys.executable).parent / "ketaclinic")
CONFIG_PREFIXES = ("KETACLINIC_", "DJANGO_", "DATABASE_URL", "DEBUG", "SECRET_KEY")
CONFIG_NAMES = {"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}
STAFF_PASSWORD = "violet kettle harbour nine"


def ketaclinic(database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(CONFIG_PREFIXES) and name not in CONFIG_NAMES
    }
    env["KETACLINIC_VAR_DIR"] = str(database.parent / "var")
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["KC_STAFF_PASSWORD"] = STAFF_PASSWORD
    return subprocess.run(
        [KETACLINIC, *args], env=env, capture_output=True, text=True, timeout=300
    )


def sqlite_settings(path: Path) -> dict:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def rows(path: Path, query: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("template") / "db.sqlite3"
    done = ketaclinic(database, "migrate", "--verbosity=0")
    assert done.returncode == 0, done.stderr
    assert not Path(f"{database}-wal").exists()  # closed: one file holds it all
    return database


@pytest.fixture
def clinic_db(migrated_template, tmp_path) -> Path:
    database = tmp_path / "clinic" / "db.sqlite3"
    database.parent.mkdir()
    shutil.copy(migrated_template, database)
    return database


class PairWriter(threading.Thread):
    """Commits rows two at a time, as fast as it can, until stopped."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.conn = sqlite3.connect(
            database, isolation_level=None, timeout=30, check_same_thread=False
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE pulse (id INTEGER PRIMARY KEY, pair INTEGER, payload BLOB)"
        )
        self.commits = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.conn.execute("BEGIN IMMEDIATE")
                for _ in range(2):
                    self.conn.execute(
                        "INSERT INTO pulse (pair, payload) "
                        "VALUES (?, randomblob(2048))",
                        (self.commits,),
                    )
                self.conn.execute("COMMIT")
                self.commits += 1
        finally:
            self.conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def test_it_backs_up_a_consistent_snapshot_while_rows_are_written(clinic_db, tmp_path):
    writer = PairWriter(clinic_db)
    writer.start()
    try:
        while writer.commits < 50:
            time.sleep(0.01)
        commits_before = writer.commits
        done = ketaclinic(clinic_db, "backup", str(tmp_path / "backup.sqlite3"))
        commits_after = writer.commits
    finally:
        writer.stop()

    assert done.returncode == 0, done.stderr
    assert "integrity check ok" in done.stdout
    assert commits_after > commits_before  # the clinic kept writing throughout
    saved = tmp_path / "backup.sqlite3"
    assert rows(saved, "PRAGMA integrity_check") == [("ok",)]
    [(count,)] = rows(saved, "SELECT count(*) FROM pulse")
    assert count % 2 == 0  # whole transactions only
    assert 2 * commits_before <= count <= 2 * commits_after

    restored = tmp_path / "elsewhere" / "db.sqlite3"
    done = ketaclinic(restored, "restore", str(saved))

    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    assert rows(restored, "PRAGMA integrity_check") == [("ok",)]
    assert rows(restored, "SELECT count(*) FROM pulse") == [(count,)]
    assert rows(restored, "PRAGMA journal_mode") == [("wal",)]


def test_it_refuses_to_restore_over_a_clinic_unless_forced(clinic_db, tmp_path):
    done = ketaclinic(
        clinic_db,
        "createstaff",
        "--username=ada",
        "--role=admin",
        "--password-env=KC_STAFF_PASSWORD",
    )
    assert done.returncode == 0, done.stderr
    saved = tmp_path / "backup.sqlite3"
    assert ketaclinic(clinic_db, "backup", str(saved)).returncode == 0
    with sqlite3.connect(clinic_db) as conn:
        conn.execute("UPDATE accounts_user SET first_name = 'Changed'")
    conn.close()

    refused = ketaclinic(clinic_db, "restore", str(saved))

    assert refused.returncode != 0
    assert "already holds 1 staff account" in refused.stderr
    assert "--force" in refused.stderr
    assert rows(clinic_db, "SELECT first_name FROM accounts_user") == [("Changed",)]

    forced = ketaclinic(clinic_db, "restore", "--force", str(saved))

    assert forced.returncode == 0, forced.stderr
    assert rows(clinic_db, "SELECT first_name FROM accounts_user") == [("",)]


def test_it_refuses_to_overwrite_a_backup_unless_forced(clinic_db, tmp_path):
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")

    with pytest.raises(BackupError, match="already exists; pass --force"):
        backup(target, db=sqlite_settings(clinic_db))

    assert target.read_bytes() == b"an older backup"
    backup(target, force=True, db=sqlite_settings(clinic_db))
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    assert list(tmp_path.glob(".*partial")) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PGDMP\x01\x0e", "is a PostgreSQL backup, but DATABASE_URL points at a"),
        (b"name,dose\n", "neither a SQLite database nor a pg_dump"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_backup_of_this_kind(
    tmp_path, content, message
):
    source = tmp_path / "backup"
    source.write_bytes(content)

    with pytest.raises(BackupError, match=message):
        restore(source, db=sqlite_settings(tmp_path / "db.sqlite3"))

    assert not (tmp_path / "db.sqlite3").exists()


def test_it_refuses_a_damaged_sqlite_backup(clinic_db, tmp_path):
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(clinic_db.read_bytes())
    data[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)  # pages in the middle
    damaged.write_bytes(bytes(data))
    target = tmp_path / "new" / "db.sqlite3"

    with pytest.raises(BackupError, match="failed"):
        restore(damaged, db=sqlite_settings(target))

    assert not target.exists()


PG_TOOLS = ("pg_dump", "pg_restore")
PG_TOOLS_MISSING = [tool for tool in PG_TOOLS if not shutil.which(tool)]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "needs the suite on PostgreSQL (DATABASE_URL=postgres://...); this run "
        f"uses {connection.vendor}"
    ),
)
@pytest.mark.skipif(
    bool(PG_TOOLS_MISSING),
    reason=f"{' and '.join(PG_TOOLS_MISSING)} not found on PATH",
)
@pytest.mark.django_db(transaction=True)
def test_it_backs_up_and_restores_postgresql_with_pg_dump(world, tmp_path):
    saved = tmp_path / "clinic.dump"
    call_command("backup", str(saved))
    db = connection.settings_dict
    fresh = {**db, "NAME": f"{db['NAME']}_restored"}
    admin = psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh["NAME"]}"')
        admin.execute(f'CREATE DATABASE "{fresh["NAME"]}"')

        done = restore(saved, db=fresh)

        assert "it now holds 6 staff accounts and 2 patients" in done
        with psycopg.connect(
            dbname=fresh["NAME"],
            user=db["USER"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
        ) as restored:
            mrns = restored.execute("SELECT mrn FROM patients_patient").fetchall()
        assert sorted(mrns) == sorted(
            (mrn,) for mrn in Patient.objects.values_list("mrn", flat=True)
        )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh["NAME"]}" WITH (FORCE)')
        admin.close()

    # Over the live database: refused, then forced.
    Patient.objects.filter(pk=world.patient.pk).update(mrn="CHANGED1")
    with pytest.raises(CommandError, match="already holds 6 staff accounts"):
        call_command("restore", str(saved))
    call_command("restore", str(saved), "--force")
    world.patient.refresh_from_db()
    assert world.patient.mrn != "CHANGED1"


def test_the_database_and_its_backups_are_for_their_owner_only(
    migrated_template, tmp_path
):
    """A fresh database made by `ketaclinic migrate`, its var directory, a
    backup and a restored copy: none readable by other accounts."""
    database = migrated_template
    assert database.stat().st_mode & 0o777 == 0o600
    var = database.parent / "var"  # KETACLINIC_VAR_DIR of `ketaclinic()`
    assert var.stat().st_mode & 0o777 == 0o700
    saved = tmp_path / "backup.sqlite3"
    backup(saved, db=sqlite_settings(database))
    assert saved.stat().st_mode & 0o777 == 0o600
    restored = tmp_path / "elsewhere" / "db.sqlite3"
    restore(saved, db=sqlite_settings(restored))
    assert restored.stat().st_mode & 0o777 == 0o600
    assert restored.parent.stat().st_mode & 0o777 == 0o700
