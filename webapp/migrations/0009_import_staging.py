"""Verify keeps what it found for every row of a file (import_row), so the import applies
exactly that instead of reading and judging the file a second time; the import adds each
row's outcome and an update's before-image beside it. A new table: no existing row
changes. Imports verified by an older release have no staged rows and are verified again
when they are imported."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, Model, TextField


class ImportJob(Model):
    class Meta:
        legacy_table_names = False


class ImportRow(Model):
    job = ForeignKeyField(ImportJob, on_delete="CASCADE")
    line = IntegerField()
    action = CharField(null=True)
    ok = BooleanField()
    ref = CharField(null=True)
    expected_version = IntegerField(null=True)
    record = TextField(null=True)
    changes = TextField(null=True)
    fields = TextField(null=True)
    outcome = CharField(null=True)
    customer_id = IntegerField(null=True)
    version_after = IntegerField(null=True)
    before = TextField(null=True)

    class Meta:
        legacy_table_names = False
        indexes = (
            (("job", "line"), True),
            (("job", "ref", "line"), False),
        )


def up(migrator, db):
    with ImportRow.bind_ctx(db), ImportJob.bind_ctx(db):
        ImportRow._schema.create_all(safe=True)
