"""The import applies a verified file chunk by chunk over several workers at once:
import_chunk outlives verify (its cells go, its row stays) and gains whether its rows
must be applied in file order with other chunks' (`ordered`) and the last line the
import has committed in it (`applied_line`). New columns only: every existing row is
kept. A file verified before this release has no chunks left; its import makes one
ordered chunk of the whole file, resuming after its job's checkpoint_line."""

from peewee import BooleanField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("import_chunk", "ordered", BooleanField(default=False)),
        migrator.add_column("import_chunk", "applied_line", IntegerField(default=0)),
    )
