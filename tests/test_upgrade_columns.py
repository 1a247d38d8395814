"""A database from the release before customer versions upgrades in place: init-db adds
the new columns (versions, the import's ID ceiling and duplicate choice, the folded
street key, filled in for the addresses already there) and keeps every row."""

from playhouse.migrate import SchemaMigrator, migrate

from webapp.cli import ADDED_COLUMNS, create_tables, table_copies
from webapp.db import db
from webapp.models import ALL_MODELS, Address, ChangeEntry, Customer
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import delete_customer


def test_added_columns_come_back_and_every_row_stays(app, make_customer):
    first = make_customer(importId="OLD-1", priAddress="12  Elm St.")
    make_customer(importId="OLD-2")
    newest = make_customer(importId="OLD-3")
    delete_customer(newest, Actor.system("test"))  # its ID is never to be given again
    before = {c.id: read_record(c) for c in Customer.select()}
    entries = ChangeEntry.select().count()
    models = {m.__name__: m for m in ALL_MODELS}
    migrator = SchemaMigrator.from_database(db.obj)
    for index in ("address_zipcode_street_key", "customer_ssn", "customer_id_number"):
        table = index.split("_")[0]
        if index in {i.name for i in db.get_indexes(table)}:
            migrate(migrator.drop_index(table, index))
    with table_copies():  # as the earlier release's schema had it
        for model_name, column in ADDED_COLUMNS:
            migrate(migrator.drop_column(models[model_name]._meta.table_name, column))
    assert "version" not in {c.name for c in db.get_columns("customer")}

    create_tables()  # what `flask init-db` runs

    assert {c.id: read_record(c) for c in Customer.select()} == before
    assert ChangeEntry.select().count() == entries
    assert {c.version for c in Customer.select()} == {1}
    assert (
        Address.get(Address.customer == first.id, Address.kind == "primary").street_key
        == "12 elm st"
    )
    assert "address_zipcode_street_key" in {i.name for i in db.get_indexes("address")}
    assert make_customer(importId="NEW").id == newest.id + 1
