from datetime import UTC, datetime

from peewee import SQL, AutoField, Model, NodeList, SqliteDatabase

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
