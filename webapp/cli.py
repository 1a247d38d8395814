"""Operator commands: flask --app webapp init-db | create-user | seed-demo | demo-logins."""

import secrets
from contextlib import contextmanager

import click
from flask import Flask
from peewee import SqliteDatabase

from webapp.db import db
from webapp.models import ALL_MODELS, ROLES, User


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)
    from webapp.importing.cli import import_customers

    app.cli.add_command(import_customers)


def create_tables() -> None:
    with db.connection_context():
        add_missing_columns()  # first: new indexes may be on new columns
        db.create_tables(ALL_MODELS, safe=True)  # safe: running it twice changes nothing


# Columns added to tables of an earlier release, added to such a database by init-db
# (playhouse's migrator), until schema migrations replace this list.
ADDED_COLUMNS = (
    ("Customer", "version"),
    ("ChangeEntry", "version"),
    ("ImportJob", "id_ceiling"),
    ("ImportJob", "refuse_duplicates"),
    ("Address", "street_key"),
)


def add_missing_columns() -> None:
    with table_copies():
        _add_missing_columns()


@contextmanager
def table_copies():
    """SQLite changes a column by copying its table, dropping the old one and renaming the
    copy. With foreign keys on, that drop would cascade into every child row; and the
    copy restarts AUTOINCREMENT at the highest ID left, so a deleted customer's ID would
    be handed out again. Both are kept from happening here."""
    if not isinstance(db.obj, SqliteDatabase):
        yield
        return
    counters = dict(
        db.execute_sql("SELECT name, seq FROM sqlite_sequence").fetchall()
        if db.table_exists("sqlite_sequence")
        else []
    )
    db.pragma("foreign_keys", 0)
    try:
        yield
    finally:
        db.pragma("foreign_keys", 1)
        for name, seq in counters.items():
            db.execute_sql(
                "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (seq, name)
            )
            db.execute_sql(
                "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT "
                "EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                (name, seq, name),
            )


def _add_missing_columns() -> None:
    from playhouse.migrate import SchemaMigrator, migrate

    models = {m.__name__: m for m in ALL_MODELS}
    migrator = SchemaMigrator.from_database(db.obj)
    for model_name, name in ADDED_COLUMNS:
        model = models[model_name]
        table = model._meta.table_name
        if db.table_exists(table) and name not in {c.name for c in db.get_columns(table)}:
            migrate(migrator.add_column(table, name, model._meta.fields[name]))
            if (model_name, name) == ("Address", "street_key"):
                _fill_street_keys(model)


def _fill_street_keys(address) -> None:
    from webapp.services.directory import street_key

    # Page by ID and update a page with one executemany: a million addresses fit neither
    # in memory at once nor in a million round trips.
    sql = f'UPDATE "{address._meta.table_name}" SET street_key = {db.param} WHERE id = {db.param}'
    last = 0
    with db.atomic():
        while page := list(
            address.select(address.id, address.street)
            .where(address.id > last)
            .order_by(address.id)
            .limit(5000)
            .tuples()
        ):
            db.cursor().executemany(sql, [(street_key(s), i) for i, s in page])
            last = page[-1][0]


@click.command("init-db")
def init_db():
    """Create every table and column that does not exist yet, and the standard customer
    statuses when there are none (safe to run again)."""
    from webapp.services.statuses import ensure_standard_statuses

    create_tables()
    with db.connection_context():
        created = ensure_standard_statuses()
    click.echo(
        f"Database ready: {len(ALL_MODELS)} tables"
        + (f", {created} standard customer statuses." if created else ".")
    )


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default="")
@click.password_option(help="Prompted for when not given.")
def create_user(username, role, display_name, password):
    """Add a back-office user."""
    from webapp.services.users import UserRefused
    from webapp.services.users import create_user as create

    with db.connection_context():
        try:
            user = create(username, password, role, display_name)
        except UserRefused as refused:
            raise click.ClickException(str(refused)) from None
    click.echo(f"Created {user.role} {user.username!r}.")


@click.command("seed-demo")
@click.option("--customers", "count", default=200, show_default=True)
@click.option(
    "--if-empty",
    is_flag=True,
    help="On a database that has users already, print new demo logins instead.",
)
@click.pass_context
def seed_demo(ctx, count, if_empty):
    """Fill an empty database with demo users, settings, loans and customers."""
    from webapp.demo import seed

    create_tables()
    with db.connection_context():
        if User.select().exists():
            if if_empty:
                ctx.invoke(demo_logins)
                return
            raise click.ClickException(
                "The database already has users; seed-demo only fills an empty one."
            )
        passwords = seed(count)
    click.echo(f"Seeded {count} demo customers.")
    _print_logins(passwords)


@click.command("demo-logins")
def demo_logins():
    """Give the demo users new random passwords and print them (nothing stores them)."""
    from webapp.services.users import set_password

    with db.connection_context():
        passwords = {}
        for user in User.select().where(User.is_demo == True):  # noqa: E712
            passwords[user.username] = secrets.token_urlsafe(9)
            set_password(user, passwords[user.username])
    _print_logins(passwords)


def _print_logins(passwords: dict[str, str]) -> None:
    if not passwords:
        click.echo("No demo users here; add users with: flask --app webapp create-user")
        return
    click.echo("Demo logins (shown once; `flask --app webapp demo-logins` makes new ones):")
    for username, password in passwords.items():
        click.echo(f"  {username:<10} {password}")
