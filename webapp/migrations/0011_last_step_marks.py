"""Verify's last step names possible duplicates in parts, each a job of its own:
import_job gains the marks of what that step has done, so a retried job does only the
rest. A new column only: every existing row is kept (0: nothing done, which is where a
verify running during the upgrade starts again anyway)."""

from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("import_job", "last_step_marks", IntegerField(default=0)))
