"""Searches by digits, read from indexes alone.

Four digits are the last four of an SSN for a thousand customers in ten million: the SSN
index now holds their name order too, so their first page is a range of it. The other
things four digits can be (an ID, the end of a phone number) are listed and sorted:
the phone indexes now hold whose number it is, and an index from ID to name order gives
a listed customer's sort key, neither reading a row.
"""

REPLACED = (
    ("customer", "customer_ssn_last4", ("ssn_last4", "last_name_key", "first_name_key", "id")),
    ("phone", "phone_number", ("number", "customer_id")),
    ("phone", "phone_number_reversed", ("number_reversed", "customer_id")),
)


def up(migrator, db):
    for table, old, columns in REPLACED:
        migrator.migrate(migrator.add_index(table, columns))
        if old in {i.name for i in db.get_indexes(table)}:
            migrator.migrate(migrator.drop_index(table, old))
    migrator.migrate(migrator.add_index("customer", ("id", "last_name_key", "first_name_key")))
