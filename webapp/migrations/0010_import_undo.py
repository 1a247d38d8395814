"""An import can be undone, and its refused rows fixed and uploaded again. import_job
gains the undo's counters, who asked for it, and the import a file of fixed rows came
from; import_row gains what the undo did with each applied row, and an index to go
through them customer by customer. New columns only: every existing row is kept. An
import finished before the upgrade can be undone if it was staged (0009: its staged rows
hold the before-images); one from before staging is refused, saying why."""

from peewee import CharField, ForeignKeyField, IntegerField, Model


class User(Model):
    class Meta:
        table_name = "user"


class ImportJob(Model):
    class Meta:
        legacy_table_names = False


def up(migrator, db):
    counters = (
        "undo_total",
        "undo_done",
        "undo_deleted",
        "undo_restored",
        "undo_left",
        "undo_kept",
    )
    migrator.migrate(
        migrator.add_column(
            "import_job",
            "retry_of_id",
            ForeignKeyField(ImportJob, null=True, on_delete="SET NULL", field=ImportJob.id),
        ),
        migrator.add_column(
            "import_job",
            "undone_by_id",
            ForeignKeyField(User, null=True, on_delete="SET NULL", field=User.id),
        ),
        *(migrator.add_column("import_job", name, IntegerField(default=0)) for name in counters),
        migrator.add_column("import_row", "undo", CharField(null=True)),
        migrator.add_index("import_row", ("job_id", "customer_id", "line"), False),
    )
