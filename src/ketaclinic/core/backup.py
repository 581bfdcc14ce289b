"""Backups and restores of the clinic's database, SQLite or PostgreSQL.

SQLite goes through SQLite's online backup API, which copies a consistent
snapshot while the clinic keeps working (WAL lets writers go on during the
copy), and every copy passes `PRAGMA integrity_check` before it counts.
PostgreSQL goes through pg_dump and pg_restore in their custom format.

Functions take a Django connection settings dict (DATABASES["default"] unless
told otherwise), raise BackupError with a message for the operator, and return
a sentence saying what they did.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
from django.db import connections

from ketaclinic.config import private_sqlite_files

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Rows here mean a clinic's data: restoring over them needs --force.
DATA_TABLES = {
    "accounts_user": ("staff account", "staff accounts"),
    "patients_patient": ("patient", "patients"),
}
SQLITE_TIMEOUT_S = 30
ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

DbSettings = Mapping[str, Any]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def default_db() -> DbSettings:
    return connections["default"].settings_dict


def engine_of(db: DbSettings) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Cannot back up a database of engine {engine}.")


def backup(
    path: Path | str, *, force: bool = False, db: DbSettings | None = None
) -> str:
    """Write a backup of the database to `path`, atomically (temp file, rename)."""
    db = db or default_db()
    target = Path(path).absolute()
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the backup file's path.")
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; pass --force to replace it.")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    started = time.monotonic()
    try:
        # Readable by the clinic's service account only, from its first byte.
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        if engine_of(db) == "sqlite":
            what = sqlite_backup(db, partial)
        else:
            what = pg_dump(db, partial)
        fsync(partial)
        os.replace(partial, target)
        fsync(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    took = time.monotonic() - started
    return (
        f"Backed up {what} to {target} ({human_size(target.stat().st_size)}, "
        f"{took:.1f} s)."
    )


def restore(
    path: Path | str, *, force: bool = False, db: DbSettings | None = None
) -> str:
    """Replace the database's content with the backup at `path`.

    Refuses when the database already holds a clinic's data, unless `force`.
    """
    db = db or default_db()
    source = Path(path).absolute()
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    engine = engine_of(db)
    kind = backup_kind(source)
    if kind is None:
        raise BackupError(
            f"{source} is neither a SQLite database nor a pg_dump custom-format "
            "archive."
        )
    if kind != engine:
        raise BackupError(
            f"{source} is a {ENGINE_LABELS[kind]} backup, but DATABASE_URL points "
            f"at a {ENGINE_LABELS[engine]} database."
        )
    if not force:
        held = existing_data(db)
        if held:
            raise BackupError(
                f"Refusing to restore: the database {database_label(db)} already "
                f"{held}. Pass --force to replace it with the backup."
            )
    # Nothing of this process may hold the database while it is replaced.
    connections.close_all()
    restore_into = sqlite_restore if engine == "sqlite" else pg_restore
    what = restore_into(source, db)
    now = existing_data(db) or "holds no staff accounts and no patients"
    return (
        f"Restored {source} into {what}; it now {now}. "
        "Start ketaclinic with `ketaclinic serve`, which applies any newer "
        "migrations."
    )


def existing_data(db: DbSettings) -> str | None:
    """What in the database a restore would overwrite, or None if nothing."""
    try:
        tables = table_names(db)
        counts = {
            table: count_rows(db, table) for table in DATA_TABLES if table in tables
        }
    except sqlite3.Error as exc:
        raise BackupError(
            f"Cannot read the database {database_label(db)}: {exc}"
        ) from None
    if not tables:
        return None
    if not counts:
        return f"holds {len(tables)} tables, none of them ketaclinic's"
    held = [
        f"{n} {DATA_TABLES[table][0 if n == 1 else 1]}"
        for table, n in counts.items()
        if n
    ]
    return f"holds {' and '.join(held)}" if held else None


def database_label(db: DbSettings) -> str:
    if engine_of(db) == "sqlite":
        return str(db["NAME"])
    host = db.get("HOST") or "local socket"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{db['NAME']} on {host}{port}"


def backup_kind(path: Path) -> str | None:
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    return None


# --- SQLite ----------------------------------------------------------------


def sqlite_path(db: DbSettings) -> Path:
    name = str(db["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return Path(name).absolute()


def sqlite_backup(db: DbSettings, partial: Path) -> str:
    source = sqlite_path(db)
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    try:
        with (
            closing(sqlite3.connect(source, timeout=SQLITE_TIMEOUT_S)) as live,
            closing(sqlite3.connect(partial)) as copy,
        ):
            # One step (pages=-1): the whole database from one read
            # transaction, so the copy is a snapshot of committed data.
            live.backup(copy)
            # The copy is one self-contained file, not a WAL database.
            copy.execute("PRAGMA journal_mode=DELETE")
            check_integrity(copy, f"the backup of {source}")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}") from None
    return f"SQLite database {source} (integrity check ok)"


def sqlite_restore(source: Path, db: DbSettings) -> str:
    live_path = sqlite_path(db)
    if live_path.exists() and live_path.samefile(source):
        raise BackupError(f"{source} is the live database itself.")
    live_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with closing(sqlite3.connect(source, timeout=SQLITE_TIMEOUT_S)) as backup_db:
            check_integrity(backup_db, str(source))
            with closing(sqlite3.connect(live_path, timeout=SQLITE_TIMEOUT_S)) as live:
                # Through the backup API, not a file copy: SQLite takes the
                # write lock, so processes still reading the live file see
                # either the old database or the restored one, never a mix.
                backup_db.backup(live)
                live.execute("PRAGMA journal_mode=WAL")
                check_integrity(live, f"the restored database {live_path}")
                private_sqlite_files(live_path)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite restore into {live_path} failed: {exc}") from None
    return f"SQLite database {live_path} (integrity check ok)"


def check_integrity(conn: sqlite3.Connection, what: str) -> None:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        raise BackupError(f"Integrity check of {what} failed: {'; '.join(rows[:5])}")


# --- PostgreSQL ---------------------------------------------------------------


def pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} not found on PATH; install the PostgreSQL client tools of the "
            "server's major version or newer (Debian: apt install postgresql-client)."
        )
    return tool


def pg_connection_args(db: DbSettings) -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment for pg_dump and pg_restore."""
    args = ["--no-password"]  # fail rather than wait for a prompt
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def run_tool(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(argv[0]).name
        raise BackupError(
            f"{tool} failed (exit {done.returncode}): {done.stderr.strip()}"
        )


def pg_dump(db: DbSettings, partial: Path) -> str:
    args, env = pg_connection_args(db)
    run_tool(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            f"--file={partial}",
            *args,
            "--dbname",
            str(db["NAME"]),
        ],
        env,
    )
    # An archive pg_restore can read back, or no backup at all.
    run_tool([pg_tool("pg_restore"), "--list", str(partial)], env)
    return f"PostgreSQL database {database_label(db)} (pg_dump, custom format)"


def pg_restore(source: Path, db: DbSettings) -> str:
    args, env = pg_connection_args(db)
    run_tool(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            # All or nothing: a failed restore leaves the database as it was.
            "--single-transaction",
            *args,
            "--dbname",
            str(db["NAME"]),
            str(source),
        ],
        env,
    )
    return f"PostgreSQL database {database_label(db)} (pg_restore --clean)"


def pg_connect(db: DbSettings) -> psycopg.Connection:
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "sslmode": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    try:
        return psycopg.connect(
            **{key: value for key, value in params.items() if value}, autocommit=True
        )
    except psycopg.Error as exc:
        raise BackupError(
            f"Cannot connect to the database {database_label(db)}: {exc}"
        ) from None


# --- Reading either kind ---------------------------------------------------------


def table_names(db: DbSettings) -> set[str]:
    if engine_of(db) == "sqlite":
        path = sqlite_path(db)
        if not path.exists() or path.stat().st_size == 0:
            return set()
        with closing(sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S)) as conn:
            rows = conn.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
    else:
        with pg_connect(db) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchall()
    return {row[0] for row in rows}


def count_rows(db: DbSettings, table: str) -> int:
    assert table in DATA_TABLES  # a fixed name, never from the outside
    query = f"SELECT count(*) FROM {table}"  # noqa: S608
    if engine_of(db) == "sqlite":
        with closing(sqlite3.connect(sqlite_path(db), timeout=SQLITE_TIMEOUT_S)) as c:
            return c.execute(query).fetchone()[0]
    with pg_connect(db) as conn:
        return conn.execute(query).fetchone()[0]


# --- Files ------------------------------------------------------------------------


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = size / 1024
    unit = "KB"
    for bigger in ("MB", "GB"):
        if scaled < 1024:
            break
        scaled /= 1024
        unit = bigger
    return f"{scaled:.1f} {unit}"
