"""Schema migrations: the files in webapp/migrations/ build exactly the schema the models
describe, a model change without a migration is caught, and a database of the release
before migrations upgrades with every row kept and the app working on it."""

import io
import re
from pathlib import Path

import pytest
from peewee import BooleanField, CharField, TextField

from tests.importfiles import csv_bytes, row
from tests.schemas import bound_to, describe, differences, is_postgres, scratch_database
from webapp.db import db
from webapp.models import (
    ALL_MODELS,
    STATUS_COLOURS,
    Address,
    Customer,
    CustomerStatus,
    ImportJob,
    Phone,
    User,
    Webhook,
)
from webapp.rules.folding import fold
from webapp.schema import _kept_sqlite_counters, pending, runner, upgrade
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import delete_customer
from webapp.services.statuses import create_status
from webapp.services.users import set_password

FIXTURES = Path(__file__).parent / "fixtures"
MISSING_MIGRATION = (
    "The models and the migrations disagree. A model changed without a migration: add "
    "the next file in webapp/migrations/ (playhouse.migrate operations) for this change:\n"
)


def models_schema(database) -> dict:
    with database.bind_ctx(ALL_MODELS):
        database.create_tables(ALL_MODELS)
    return describe(database)


def test_first_migration_then_upgrade_equals_the_models(database_url, tmp_path):
    with (
        scratch_database(database_url, tmp_path, "migrated") as (_, migrated),
        scratch_database(database_url, tmp_path, "modelled") as (_, modelled),
    ):
        with migrated.connection_context():
            assert runner(migrated).up("0001_initial") == ["0001_initial"]
        upgrade(migrated)
        assert pending(migrated) == []
        assert upgrade(migrated) == []  # a second run changes nothing

        problems = differences(models_schema(modelled), describe(migrated))
        assert problems == [], MISSING_MIGRATION + "\n".join(problems)


# Each: a change to the models that no migration follows, and words its report names.
MODEL_CHANGES = {
    "a new column": (
        lambda: Customer._meta.add_field("nickname", CharField(null=True)),
        lambda: Customer._meta.remove_field("nickname"),
        "customer column nickname",
    ),
    "a column made required": (
        lambda: setattr(Customer._meta.fields["email"], "null", False),
        lambda: setattr(Customer._meta.fields["email"], "null", True),
        "customer column email",
    ),
    "a new index": (
        lambda: setattr(Phone._meta, "indexes", ((("phone_type",), False),)),
        lambda: setattr(Phone._meta, "indexes", ()),
        "phone index phone_phone_type",
    ),
    "a column's type": (
        lambda: Customer._meta.add_field("gender", TextField(null=True)),
        lambda: Customer._meta.add_field("gender", CharField(null=True)),
        "customer column gender",
    ),
}


@pytest.mark.parametrize("change", MODEL_CHANGES)
def test_a_model_change_without_a_migration_is_caught(database_url, tmp_path, change):
    make, undo, named = MODEL_CHANGES[change]
    with (
        scratch_database(database_url, tmp_path, "migrated") as (_, migrated),
        scratch_database(database_url, tmp_path, "modelled") as (_, modelled),
    ):
        upgrade(migrated)
        make()
        try:
            problems = differences(models_schema(modelled), describe(migrated))
        finally:
            undo()
        assert any(line.startswith(named) for line in problems), problems


def load_previous_release(database) -> None:
    """The dump of a database made and used by the release before migrations (see
    fixtures/make_previous_release.sh): demo tenant, an import with errors, a webhook
    with pending events, an API token, a deleted customer."""
    if is_postgres(database):
        schema = database.execute_sql("SELECT current_schema()").fetchone()[0]
        script = (FIXTURES / "previous_release.postgresql.sql").read_text()
        script = re.sub(r"^CREATE SCHEMA previous_release;$", "", script, flags=re.M)
        database.execute_sql(script.replace("previous_release", schema))
        database.commit()
        database.close()  # the dump set an empty search_path on this connection
    else:
        script = (FIXTURES / "previous_release.sqlite.sql").read_text()
        database.connection().executescript(script)
        database.close()


# Computed from other columns, and computed afresh by an upgrade (0002 folds accents).
RECOMPUTED = {"first_name_key", "last_name_key", "company_name_key", "email_key"}


def columns_of(database) -> dict[str, list[str]]:
    return {
        t: [c.name for c in database.get_columns(t) if c.name not in RECOMPUTED]
        for t in database.get_tables()
        if t != "schema_migration"
    }


def every_row(database, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of these tables, in these columns (the ones a release had)."""
    rows = {}
    for table, names in columns.items():
        listed = ", ".join(f'"{n}"' for n in names)
        cursor = database.execute_sql(f'SELECT {listed} FROM "{table}"')
        rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def test_a_database_of_the_previous_release_upgrades_and_works(
    app, client, database_url, tmp_path, monkeypatch, run_worker
):
    with scratch_database(database_url, tmp_path, "previous") as (url, previous):
        load_previous_release(previous)
        with previous.connection_context():
            columns = columns_of(previous)
            before = every_row(previous, columns)
            assert before["customer"] and before["import_job"] and before["webhook"]
            assert "schema_migration" not in previous.get_tables()
            # The highest customer ID ever given, deleted customers' included.
            highest = previous.execute_sql("SELECT MAX(customer_id) FROM change_entry")
            highest = highest.fetchone()[0]

        monkeypatch.setenv("DATABASE_URL", url)  # for the worker
        with bound_to(previous):  # for the CLI and the pages
            result = app.test_cli_runner().invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output
            assert "Applied 0001_initial" in result.output
            assert "Applied 0002_search_indexes" in result.output
            with previous.connection_context():
                assert every_row(previous, columns) == before  # every row kept, unchanged
                for c in Customer.select():
                    assert c.last_name_key == fold(c.last_name)
                colours = {s.title: s.colour for s in CustomerStatus.select()}
                assert colours["Active"] == "green" and colours["Bankruptcy"] == "red"
                assert set(colours.values()) <= set(STATUS_COLOURS)
                assert pending(previous) == []
            _the_app_works_on_it(client, run_worker, highest)


def _the_app_works_on_it(client, run_worker, highest_id_before: int) -> None:
    with db.connection_context():
        set_password(User.get(User.username == "admin"), "upgraded-copper-lantern-7")
        customer = Customer.select().order_by(Customer.id).first()
        old_job = ImportJob.select().first()
        assert Webhook.select().count() == 1
    assert (
        client.post(
            "/login", data={"username": "admin", "password": "upgraded-copper-lantern-7"}
        ).status_code
        == 302
    )
    for page in (
        "/customers",
        f"/customers/{customer.id}",
        f"/imports/{old_job.id}",
        "/settings/webhooks",
        "/settings/statuses",
    ):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)

    content = csv_bytes([row(importId="AFTER-UPGRADE-1"), row(importId="AFTER-UPGRADE-2")])
    data = {
        "file": (io.BytesIO(content), "after.csv"),
        "merge_mode": "overwrite",
        "has_header": "y",
    }
    assert client.post("/imports", data=data, content_type="multipart/form-data").status_code == 302
    with db.connection_context():
        job = ImportJob.select().order_by(ImportJob.id.desc()).get()
    assert client.post(f"/imports/{job.id}/verify").status_code == 302
    run_worker()
    assert client.post(f"/imports/{job.id}/import").status_code == 302
    run_worker()
    with db.connection_context():
        job = ImportJob.get_by_id(job.id)
        assert (job.state, job.added, job.failed) == ("done", 2, 0), job.message
        added = Customer.select().where(Customer.import_id.startswith("AFTER-UPGRADE"))
        # IDs go on after the highest ever given, the deleted newest customer's included.
        assert min(c.id for c in added) > highest_id_before


def test_columns_changed_before_migrations_are_brought_up_to_date(
    database_url, tmp_path, make_customer
):
    """Older databases than the previous release: the columns added since without a
    migration come back (street keys filled in), the one dropped from the model goes (it
    made every upload fail), every row stays and no customer ID is handed out twice."""
    with scratch_database(database_url, tmp_path, "older") as (_, older), bound_to(older):
        upgrade(older)
        create_status("Active", make_default=True)
        first = make_customer(importId="OLD-1", priAddress="12  Elm St.")
        make_customer(importId="OLD-2")
        newest = make_customer(importId="OLD-3")
        delete_customer(newest, Actor.system("test"))
        before = {c.id: read_record(c) for c in Customer.select()}
        _as_an_older_release_left_it(older)

        assert upgrade(older) == ["0001_initial"]

        assert {c.id: read_record(c) for c in Customer.select()} == before
        assert {c.version for c in Customer.select()} == {1}
        street = Address.get(Address.customer == first.id, Address.kind == "primary")
        assert street.street_key == "12 elm st"
        assert "cancel_requested" not in {c.name for c in older.get_columns("import_job")}
        ImportJob.create(original_name="after.csv", size=1, file_format="csv")
        assert make_customer(importId="NEW").id == newest.id + 1


def _as_an_older_release_left_it(database) -> None:
    from playhouse.migrate import SchemaMigrator

    migrator = SchemaMigrator.from_database(database)
    with migrator.migration_context(), _kept_sqlite_counters(database):
        for table, index in (
            ("address", "address_zipcode_street_key"),
            ("customer", "customer_ssn"),
            ("customer", "customer_id_number"),
        ):
            migrator.migrate(migrator.drop_index(table, index))
        for table, column in (
            ("customer", "version"),
            ("change_entry", "version"),
            ("import_job", "id_ceiling"),
            ("import_job", "refuse_duplicates"),
            ("address", "street_key"),
        ):
            migrator.migrate(migrator.drop_column(table, column))
        migrator.migrate(
            migrator.add_column("import_job", "cancel_requested", BooleanField(default=False))
        )
    # Made before migrations: the first one is not recorded (later ones are, here).
    database.execute_sql("DELETE FROM schema_migration WHERE name = '0001_initial'")
    assert "version" not in {c.name for c in database.get_columns("customer")}
