"""The words of names in an ordinary index, in place of 0002's text indexes.

FTS5 and a GIN index find the customers with a word, but not in name order and (on
PostgreSQL) not without reading each customer's row: at a million customers listing the
~8,000 with a common first name took ~95 ms on PostgreSQL before a page could be drawn.
customer_name_word holds one row per word of customer.other_name_words, with the
customer's name-order key and filters beside it, under one b-tree index: a prefix of a
word is a range of it, its first page a sort of that range's index entries alone, and a
count within a status stops after the first thousand. Both databases read it the same way.

Triggers written here keep it from the customer row, so every write path (services,
imports, bulk loads, raw SQL) keeps it. On SQLite a later migration that rebuilds the
customer table (playhouse does, to change a column) drops the triggers with the old
table: it must create them again (copy create_triggers; migrations do not import each
other).
"""

from peewee import CharField, IntegerField, Model, PostgresqlDatabase, SqliteDatabase

# The customer columns the word rows copy; a change to any of them rewrites the rows.
COPIED = ("last_name_key", "first_name_key", "status_id", "customer_type")
KEPT_FROM = ("other_name_words", *COPIED)


class CustomerNameWord(Model):
    word = CharField()
    last_name_key = CharField()
    first_name_key = CharField()
    customer_id = IntegerField()
    status_id = IntegerField()
    customer_type = CharField()

    class Meta:
        legacy_table_names = False
        primary_key = False
        indexes = (
            (("word", "last_name_key", "first_name_key", "customer_id", *COPIED[2:]), False),
            (("customer_id",), False),
        )


def up(migrator, db):
    with CustomerNameWord.bind_ctx(db):
        CustomerNameWord._schema.create_table(safe=True)
        fill(db)  # before the indexes: one build is faster than a million inserts
        CustomerNameWord._schema.create_indexes(safe=True)
    create_triggers(db)
    if isinstance(db, SqliteDatabase):
        for trigger in ("insert", "delete", "update"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS customer_words_{trigger}")
        db.execute_sql("DROP TABLE IF EXISTS customer_words")
    else:
        db.execute_sql("DROP INDEX IF EXISTS customer_words")


def fill(db):
    """Every customer's word rows (an upgrade; a bulk load made without the triggers)."""
    db.execute_sql(_insert_words(db, "customer", "customer, "))


def create_triggers(db):
    insert = _insert_words(db, "new")
    delete = "DELETE FROM customer_name_word WHERE customer_id = old.id"
    if isinstance(db, PostgresqlDatabase):
        changed = " OR ".join(f"old.{c} IS DISTINCT FROM new.{c}" for c in KEPT_FROM)
        db.execute_sql(
            "CREATE FUNCTION customer_name_words_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'INSERT' THEN {delete}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {insert}; END IF; RETURN NULL; END $$"
        )
        for name, event in (("written", "INSERT OR DELETE"), ("changed", "UPDATE")):
            when = f"WHEN ({changed}) " if event == "UPDATE" else ""
            db.execute_sql(
                f"CREATE TRIGGER customer_name_words_{name} AFTER {event} ON customer "
                f"FOR EACH ROW {when}EXECUTE FUNCTION customer_name_words_kept()"
            )
        return
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in KEPT_FROM)
    for name, event, body in (
        ("insert", "INSERT", insert),
        ("delete", "DELETE", delete),
        ("update", "UPDATE", f"{delete}; {insert}"),
    ):
        when = f" WHEN {changed}" if event == "UPDATE" else ""
        db.execute_sql(
            f"CREATE TRIGGER customer_name_words_{name} AFTER {event} ON customer"
            f"{when} BEGIN {body}; END"
        )


def _insert_words(db, row: str, tables: str = "") -> str:
    """INSERT the word rows of `row`: the customer table's rows (FROM `tables`), or a
    trigger's new row."""
    text = f"{row}.other_name_words"  # words single spaces apart, one before each
    if isinstance(db, PostgresqlDatabase):
        words, word = f"unnest(string_to_array(btrim({text}), ' ')) AS words(word)", "word"
    else:
        # The words are letters and digits only (rules.folding.words): as a JSON array
        # they need no escaping.
        words = f"""json_each('["' || replace(trim({text}), ' ', '","') || '"]') AS words"""
        word = "value"
    copied = ", ".join(f"{row}.{c}" for c in COPIED)
    return (
        f"INSERT INTO customer_name_word (word, {', '.join(COPIED)}, customer_id) "
        f"SELECT DISTINCT words.{word}, {copied}, {row}.id FROM {tables}{words} "
        f"WHERE words.{word} <> ''"
    )
