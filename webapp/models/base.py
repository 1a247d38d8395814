from datetime import UTC, date, datetime
from decimal import Decimal

from peewee import SQL, AutoField, Model, NodeList, SqliteDatabase, quote

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
        if isinstance(db.obj, SqliteDatabase):
            return NodeList((node_list, SQL("AUTOINCREMENT")))
        return node_list


def insert_rows(model, rows: list[dict], batch: int = 400) -> None:
    """Insert many rows at import speed.

    Peewee's insert_many builds a node tree per value, which costs more than the insert
    itself at import volumes. Here SQLite gets one prepared statement run by the
    driver's executemany, PostgreSQL multi-row VALUES statements. Fields a row leaves out
    get their model default, as with create().
    """
    if not rows:
        return
    fields = [f for f in model._meta.sorted_fields if not isinstance(f, AutoField)]
    names = [f.name for f in fields]
    defaults = {f.name: f.default for f in fields if f.name not in rows[0]}
    database = model._meta.database
    sqlite = isinstance(database.obj, SqliteDatabase)
    adapt = _adapt_for_sqlite if sqlite else _adapt_for_postgres
    tuples = []
    for row in rows:
        values = []
        for name in names:
            value = row[name] if name in row else defaults.get(name)
            values.append(adapt(value() if callable(value) else value))
        tuples.append(values)
    table = quote((model._meta.table_name,), database.quote)
    columns = ", ".join(quote((f.column_name,), database.quote) for f in fields)
    one_row = "(" + ", ".join([database.param] * len(fields)) + ")"
    if sqlite:
        database.connection().executemany(
            f"INSERT INTO {table} ({columns}) VALUES {one_row}", tuples)
        return
    for start in range(0, len(tuples), batch):
        part = tuples[start:start + batch]
        database.execute_sql(f"INSERT INTO {table} ({columns}) VALUES "
                             + ", ".join([one_row] * len(part)),
                             [v for values in part for v in values])


def _adapt_for_postgres(value):
    return value.id if isinstance(value, Model) else value


def _adapt_for_sqlite(value):
    # The types sqlite3 does not store by itself, written as Peewee writes them.
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if isinstance(value, Model):
        return value.id
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def in_list(column, values: list) -> SQL:
    """`column IN (values)` with the values bound as parameters in one piece: Peewee's
    in_() builds a node for each value, slow for the hundreds an import chunk looks up.
    For single-table queries (the column is not qualified)."""
    param = column.model._meta.database.param
    name = quote((column.column_name,), column.model._meta.database.quote)
    if not values:
        return SQL("1 = 0")
    return SQL(f"{name} IN ({', '.join([param] * len(values))})", list(values))
