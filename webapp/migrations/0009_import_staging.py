"""Imports stage what verify found. import_chunk: a file cut into chunks any worker can
verify (the rows' cells, then the keys they touched). import_row: verify's verdict on
every row, so the import applies exactly that instead of reading and judging the file a
second time; the import adds each row's outcome and an update's before-image beside it.
New tables: no existing row changes. Imports verified by an older release have no staged
rows and are verified again when they are imported."""

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class ImportJob(Model):
    class Meta:
        legacy_table_names = False


class ImportChunk(Model):
    job = ForeignKeyField(ImportJob, on_delete="CASCADE")
    number = IntegerField()
    first_line = IntegerField()
    last_line = IntegerField()
    cells = BlobField()
    keys = BlobField(null=True)
    verified = BooleanField(default=False)

    class Meta:
        legacy_table_names = False
        indexes = ((("job", "number"), True),)


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
    with ImportRow.bind_ctx(db), ImportChunk.bind_ctx(db), ImportJob.bind_ctx(db):
        ImportChunk._schema.create_all(safe=True)
        ImportRow._schema.create_all(safe=True)
