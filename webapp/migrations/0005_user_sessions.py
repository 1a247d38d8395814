"""Every session of a user can be ended at once: a session carries the user's session
generation from sign-in, and one that no longer matches is signed out. Signing out,
changing one's password and an admin's "sign out everywhere" move it on."""

from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("user", "session_generation", IntegerField(default=0)))
