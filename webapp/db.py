"""The database binding: one proxy that every model uses, bound at app start-up.

SQLite is the default (a file in the instance folder, WAL mode so the web app and
RQ workers can read while one of them writes); PostgreSQL when DATABASE_URL says so.
"""

import threading
from urllib.parse import parse_qs, urlparse

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 10_000,
    "cache_size": -64 * 1024,
}


def database_from_url(url: str):
    """Open (lazily) the database a URL names: sqlite:///path or postgresql://..."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # BEGIN IMMEDIATE: a transaction that reads and then writes takes the write lock
        # up front, so it waits its turn (busy_timeout) instead of failing with "database
        # is locked" when a worker commits between its read and its write.
        return SqliteDatabase(parsed.path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
    if parsed.scheme in ("postgres", "postgresql"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        schema = options.pop("schema", None)
        if schema:  # lets tests and side-by-side deployments share one database
            options["options"] = f"-c search_path={schema}"
        return PostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=parsed.username,
            password=parsed.password,
            host=parsed.hostname,
            port=parsed.port or 5432,
            **options,
        )
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url!r}")


_after_commit = threading.local()


def after_commit(action) -> None:
    """Run `action` (removing stored files, say) once the outermost transaction has
    committed, so a rollback never leaves rows that point at files already gone; at
    once when no transaction is open."""
    if not db.in_transaction():
        action()
        return
    pending = getattr(_after_commit, "actions", None)
    if pending is None:
        pending = _after_commit.actions = []
    pending.append(action)


def run_after_commit(committed: bool) -> None:
    """Called by whoever owns the outermost transaction, once it has ended."""
    actions, _after_commit.actions = getattr(_after_commit, "actions", None) or [], []
    if committed:
        for action in actions:
            action()


def bind_database(url: str):
    database = database_from_url(url)
    db.initialize(database)
    return database
