"""An API token may be granted the full SSNs and tax ID numbers (admins choose when
creating it); tokens from before the grant existed keep seeing them masked."""

from peewee import BooleanField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("api_token", "reads_full_tax_ids", BooleanField(default=False))
    )
