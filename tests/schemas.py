"""Test helpers for schema work: a scratch database of the kind the suite runs on, and a
database's schema as the database itself describes it."""

import uuid
from contextlib import contextmanager

from peewee import Database, PostgresqlDatabase, SqliteDatabase

from webapp.db import database_from_url
from webapp.schema import HISTORY_TABLE


@contextmanager
def scratch_database(database_url: str, tmp_path, name: str = "scratch"):
    """An empty database beside the suite's: a new SQLite file, or a new PostgreSQL
    schema on the suite's server (dropped afterwards). Yields (url, database)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        database = database_from_url(url)
        yield url, database
        database.close()
        return
    schema = f"{name}_{uuid.uuid4().hex[:8]}"
    server = database_url.split("?")[0]
    admin = database_from_url(server)
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{server}?schema={schema}"
    database = database_from_url(url)
    try:
        yield url, database
    finally:
        database.close()
        admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def describe(database: Database) -> dict:
    """Tables -> columns (type, nullability, default, primary key), indexes (columns,
    uniqueness), foreign keys, and on SQLite whether IDs use AUTOINCREMENT."""
    schema = {}
    for table in database.get_tables():
        if table == HISTORY_TABLE:
            continue
        columns = {
            c.name: (c.data_type.upper(), c.null, _default(c.default), c.primary_key)
            for c in database.get_columns(table)
        }
        # (Trigram indexes are PostgreSQL's alone and made by migration 0007 only; the
        # test of that migration checks them.)
        indexes = {
            i.name: (tuple(i.columns), bool(i.unique))
            for i in database.get_indexes(table)
            if not i.name.endswith("_trgm")
        }
        foreign_keys = sorted(
            (k.column, k.dest_table, k.dest_column) for k in database.get_foreign_keys(table)
        )
        schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": foreign_keys}
        if isinstance(database, SqliteDatabase):
            sql = database.execute_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()[0]
            schema[table]["autoincrement"] = "AUTOINCREMENT" in sql.upper()
    return schema


def _default(value):
    # PostgreSQL names the schema in a sequence default; two schemas of one shape differ
    # only there.
    if value and isinstance(value, str) and value.startswith("nextval("):
        return "nextval(" + value.split(".")[-1]
    return value


def differences(expected: dict, actual: dict) -> list[str]:
    """What differs, one line each (empty when the two schemas are the same)."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            lines.append(f"table {table} is missing")
            continue
        if table not in expected:
            lines.append(f"table {table} is not expected")
            continue
        for part in ("columns", "indexes"):
            want, got = expected[table][part], actual[table][part]
            for name in sorted(set(want) | set(got)):
                if want.get(name) != got.get(name):
                    lines.append(
                        f"{table} {part[:-1] if part == 'columns' else 'index'} {name}: "
                        f"expected {want.get(name)}, found {got.get(name)}"
                    )
        for part in ("foreign_keys", "autoincrement"):
            if expected[table].get(part) != actual[table].get(part):
                lines.append(
                    f"{table} {part}: expected {expected[table].get(part)}, "
                    f"found {actual[table].get(part)}"
                )
    return lines


def is_postgres(database: Database) -> bool:
    return isinstance(database, PostgresqlDatabase)


@contextmanager
def bound_to(database: Database):
    """The app's models (and so its services) on `database` for a while."""
    from webapp.db import db

    suite_database = db.obj
    db.close()
    db.initialize(database)
    try:
        yield database
    finally:
        db.close()
        db.initialize(suite_database)
