"""Operator commands: flask --app webapp db upgrade | db status | init-db | create-user |
seed-demo | demo-logins."""

import secrets

import click
from flask import Flask

from webapp.db import db
from webapp.models import ALL_MODELS, ROLES, User
from webapp.schema import status, upgrade


def init_app(app: Flask) -> None:
    app.cli.add_command(database)
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)
    from webapp.importing.cli import import_customers

    app.cli.add_command(import_customers)


@click.group("db")
def database():
    """The database schema: upgrade it, or see which migrations are applied."""


@database.command("upgrade")
def db_upgrade():
    """Apply the migrations this database does not have yet, in order."""
    applied = upgrade()
    for name in applied:
        click.echo(f"Applied {name}")
    click.echo(f"Database schema up to date ({len(applied)} migrations applied now).")


@database.command("status")
def db_status():
    """List the migrations: [x] applied (when), [ ] still to apply. Exit status 1 when
    some are still to apply, so a deploy script can check."""
    rows = status()
    for migration in rows:
        when = f"  {migration.applied:%Y-%m-%d %H:%M:%S}" if migration.applied else ""
        click.echo(f"[{'x' if migration.applied else ' '}] {migration.name}{when}")
    if any(not m.applied for m in rows):
        raise SystemExit(1)


@click.command("init-db")
def init_db():
    """Upgrade the database (an empty one gets every table) and add the standard customer
    statuses when there are none. Safe to run again."""
    from webapp.services.statuses import ensure_standard_statuses

    upgrade()
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

    upgrade()
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
        click.echo("No demo users here; add users with: scripts/flask.sh create-user")
        return
    click.echo("Demo logins (shown once; `scripts/flask.sh demo-logins` makes new ones):")
    for username, password in passwords.items():
        click.echo(f"  {username:<10} {password}")
