import io
from datetime import UTC, datetime

from peewee import (
    SQL,
    AutoField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    Model,
    NodeList,
    SqliteDatabase,
    __exception_wrapper__,
    quote,
)

from webapp.db import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class NeverReusedIdField(AutoField):
    """An ID that is never handed out twice, even after the newest row is deleted: a
    deleted customer's ID stays in its tombstone. PostgreSQL sequences already behave
    so; SQLite needs AUTOINCREMENT."""

    def ddl(self, ctx):
        node_list = super().ddl(ctx)
        database = self.model._meta.database  # a proxy, or a database bound for a test
        if isinstance(getattr(database, "obj", database), SqliteDatabase):
            return NodeList((node_list, SQL("AUTOINCREMENT")))
        return node_list


def insert_rows(model, rows: list[dict]) -> None:
    """Insert many rows at import speed.

    Peewee's insert_many builds a node tree per value, which costs more than the insert
    itself at import volumes. Here SQLite gets one prepared statement run by the
    driver's executemany, PostgreSQL one COPY (2.4x the rows/s of multi-row INSERTs of
    history rows, measured). Fields a row leaves out get their model default (a callable
    default is called once per call, so a batch shares one created_at), as with create().
    """
    if not rows:
        return
    database = model._meta.database
    sqlite = isinstance(database.obj, SqliteDatabase)
    fields = [f for f in model._meta.sorted_fields if not isinstance(f, AutoField)]
    plan = []  # (name, default, converter or None)
    for f in fields:
        default = f.default() if callable(f.default) else f.default
        plan.append((f.name, default, _converter(f, sqlite)))
    tuples = [
        [
            row.get(name, default) if convert is None else convert(row.get(name, default))
            for name, default, convert in plan
        ]
        for row in rows
    ]
    table = quote((model._meta.table_name,), database.quote)
    columns = ", ".join(quote((f.column_name,), database.quote) for f in fields)
    # A unique value taken twice is peewee's IntegrityError on both, as from a query.
    with __exception_wrapper__:
        if sqlite:
            marks = ", ".join([database.param] * len(fields))
            database.connection().executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuples
            )
        else:
            text = "".join("\t".join(map(_copy_text, values)) + "\n" for values in tuples)
            copy = f"COPY {table} ({columns}) FROM STDIN"
            database.cursor().copy_expert(copy, io.StringIO(text))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value as COPY's text format spells it."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        # Looking first is 5x faster than translating every value: few need escapes.
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\\\x" + bytes(value).hex()  # bytea's hex form, its backslash escaped
    return str(value)  # numbers, dates and times as PostgreSQL reads them


def update_rows(model, names: list[str], keys: list[str], rows: list[tuple]) -> int:
    """UPDATE many rows, each to values of its own, at import speed; returns how many
    rows matched. Each of `rows` holds the values of the fields `names` (set), then of
    the fields `keys` (what the row must match: its ID, a version it must still be at).

    SQLite runs one prepared statement through executemany; PostgreSQL an UPDATE … FROM
    a list of rows per batch, typed by the table's own columns: an empty SELECT of them,
    then one `UNION ALL SELECT` per row, so each row's NULLs and quoted texts take the
    column's type from what is before it. (A VALUES list would not do: it types its own
    columns first, and a column of only NULLs or texts becomes text, which a number or
    date column refuses.) The first key's values are
    listed again as a condition on the table, so its index finds the rows whatever the
    statistics say: a table filled faster than they were kept looked empty to the
    planner, which then scanned all of it once per statement (60 rows/s at 100k)."""
    if not rows:
        return 0
    database = model._meta.database
    sqlite = isinstance(database.obj, SqliteDatabase)
    fields = [model._meta.fields[name] for name in (*names, *keys)]
    converters = [_converter(f, sqlite) for f in fields]
    values = [
        [v if convert is None else convert(v) for v, convert in zip(row, converters, strict=True)]
        for row in rows
    ]
    column = [quote((f.column_name,), database.quote) for f in fields]
    set_columns, key_columns = column[: len(names)], column[len(names) :]
    table = quote((model._meta.table_name,), database.quote)
    if sqlite:
        sets = ", ".join(f"{c} = ?" for c in set_columns)
        match = " AND ".join(f"{c} = ?" for c in key_columns)
        with __exception_wrapper__:  # peewee's errors, as from a query
            update = f"UPDATE {table} SET {sets} WHERE {match}"
            return database.connection().executemany(update, values).rowcount
    # The values' keys are renamed (key_0, …): a key can be set too (the version).
    typed = ", ".join([*set_columns, *(f"{c} AS key_{i}" for i, c in enumerate(key_columns))])
    sets = ", ".join(f"{c} = v.{c}" for c in set_columns)
    match = " AND ".join(f"t.{c} = v.key_{i}" for i, c in enumerate(key_columns))
    match += f" AND t.{key_columns[0]} = ANY({database.param})"
    one_row = " UNION ALL SELECT " + ", ".join([database.param] * len(fields))
    matched = 0
    for start in range(0, len(values), 400):
        part = values[start : start + 400]
        matched += database.execute_sql(
            f"UPDATE {table} AS t SET {sets} FROM (SELECT {typed} FROM {table} WHERE false"
            f"{one_row * len(part)}) AS v WHERE {match}",
            [*(v for row in part for v in row), [row[len(names)] for row in part]],
        ).rowcount
    return matched


def slices(values, size: int = 500) -> list[list]:
    """`values` sorted, each once, in slices of `size`: one statement's IN list each."""
    values = sorted(set(values))
    return [values[start : start + size] for start in range(0, len(values), size)]


def rows_where(query, column, values) -> list:
    """The rows of `query` whose `column` is one of `values`, 500 values a statement,
    read in the order of the values (a lock taken in that order cannot deadlock)."""
    return [row for part in slices(values) for row in query.where(in_list(column, part))]


def delete_where(column, values) -> None:
    """DELETE the rows whose `column` is one of `values`, 500 values a statement."""
    for part in slices(values):
        column.model.delete().where(in_list(column, part)).execute()


def estimated_rows(model) -> int:
    """How many rows PostgreSQL's planner takes the table to hold, without counting them
    (kept by ANALYZE and autovacuum; -1 before the first)."""
    database = model._meta.database
    return int(
        database.execute_sql(
            f"SELECT reltuples FROM pg_class WHERE oid = {database.param}::regclass",
            [model._meta.table_name],
        ).fetchone()[0]
    )


def _converter(field, sqlite: bool):
    """What a value of this field needs before the driver takes it (None: nothing)."""
    if isinstance(field, ForeignKeyField):
        return lambda v: v.id if isinstance(v, Model) else v
    if sqlite and isinstance(field, DateTimeField):
        return lambda v: v.isoformat(" ") if isinstance(v, datetime) else v
    if sqlite and isinstance(field, DateField | DecimalField):
        return lambda v: None if v is None else str(v)
    return None


def in_list(column, values: list) -> SQL:
    """`column IN (values)` with the values bound as parameters in one piece: Peewee's
    in_() builds a node for each value, slow for the hundreds an import chunk looks up.
    For single-table queries (the column is not qualified)."""
    param = column.model._meta.database.param
    name = quote((column.column_name,), column.model._meta.database.quote)
    if not values:
        return SQL("1 = 0")
    return SQL(f"{name} IN ({', '.join([param] * len(values))})", list(values))
