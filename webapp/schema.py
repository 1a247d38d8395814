"""Bringing a database to the schema this code expects: the files in webapp/migrations/,
applied in order by playhouse's migration runner and recorded in `schema_migration`.

`flask --app webapp db upgrade` (run by scripts/run.sh on every start, and by init-db)
applies what is missing; `db status` lists what is applied and what is not.
"""

import fcntl
import zlib
from contextlib import contextmanager
from pathlib import Path

from peewee import Database, PostgresqlDatabase, SqliteDatabase
from playhouse.migrations import Migration, Runner

from webapp.db import db

MIGRATIONS = Path(__file__).parent / "migrations"
HISTORY_TABLE = "schema_migration"


def runner(database: Database | None = None) -> Runner:
    return Runner(database or db.obj, str(MIGRATIONS), table_name=HISTORY_TABLE)


def status(database: Database | None = None) -> list[Migration]:
    """Every migration file and whether (when) it was applied, in order."""
    database = database or db.obj
    with database.connection_context():
        return runner(database).status()


def pending(database: Database | None = None) -> list[str]:
    return [m.name for m in status(database) if not m.applied]


def upgrade(database: Database | None = None) -> list[str]:
    """Apply the missing migrations in order; returns their names. Safe to run again, and
    from two processes at once (the second waits, then finds nothing to do)."""
    database = database or db.obj
    with (
        database.connection_context(),
        _one_upgrade_at_a_time(database),
        _kept_sqlite_counters(database),
    ):
        return runner(database).up()


@contextmanager
def _one_upgrade_at_a_time(database: Database):
    if isinstance(database, PostgresqlDatabase):
        key = zlib.crc32(b"webapp schema upgrade")
        database.execute_sql("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (key,))
    elif isinstance(database, SqliteDatabase) and database.database != ":memory:":
        with open(f"{database.database}.upgrade-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield


@contextmanager
def _kept_sqlite_counters(database: Database):
    """SQLite changes a column by copying its table and renaming the copy, which restarts
    AUTOINCREMENT at the highest ID left: a deleted customer's ID would be handed out
    again. The counters are put back afterwards. (The runner already turns foreign keys
    off around a migration, so the copy's drop does not cascade into child rows.)"""
    if not isinstance(database, SqliteDatabase) or "sqlite_sequence" not in set(
        database.get_tables()
    ):
        yield
        return
    counters = database.execute_sql("SELECT name, seq FROM sqlite_sequence").fetchall()
    yield
    with database.atomic():
        for name, seq in counters:
            database.execute_sql(
                "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (seq, name)
            )
            database.execute_sql(
                "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                (name, seq, name),
            )
