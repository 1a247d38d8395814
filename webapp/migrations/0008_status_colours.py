"""Customer statuses get a colour, so a badge tells Bankruptcy from Active at a glance.
Statuses that exist keep their rows; those still named as the standard list named them
get that list's colours (as the release that added colours shipped it), the rest grey,
for a manager to choose under Settings › Customer statuses."""

from peewee import CharField, Table

# The standard list's colours when this migration was written (services/statuses.py may
# change them later; an upgrade must not depend on that).
STANDARD_COLOURS = {
    "Active": "green",
    "Inactive": "grey",
    "Bankruptcy": "red",
    "SCRA": "blue",
    "Deceased": "purple",
    "Attorney retained": "amber",
}


def up(migrator, db):
    migrator.migrate(migrator.add_column("customer_status", "colour", CharField(default="grey")))
    statuses = Table("customer_status").bind(db)
    for title, colour in STANDARD_COLOURS.items():
        statuses.update(colour=colour).where(statuses.c.title == title).execute()
