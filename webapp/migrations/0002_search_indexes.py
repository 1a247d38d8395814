"""Search at a lender's scale: an index for each kind of search the Customer Manager and
the API make.

- Name and email keys folded for accents as well as case (Renée finds Renee), and
  customer.other_name_words: the words of the names but the start of the last name,
  which the last name's ordered index finds.
- phone.number_reversed: a number's last digits become a prefix range.
- Lists by name go through (last, first, id) indexes, alone or within a status or type,
  so a page reads in index order and the next goes on after its last row; the first two
  also hold other_name_words, so a row can be tested without reading it.
- The words of names: a full-text index, FTS5 on SQLite (kept by triggers), a GIN index
  over a tsvector on PostgreSQL (kept by the database itself).

On SQLite a later migration that rebuilds the customer table (playhouse does so to change
a column) drops the triggers with the old table: it must run create_sqlite_triggers()
again (copy it; migrations do not import each other).
"""

from peewee import CharField, OperationalError, PostgresqlDatabase, SqliteDatabase, TextField

PAGE = 5000
FTS_COLUMNS = ("other_name_words",)
PG_WORDS = "to_tsvector('simple'::regconfig, other_name_words)"


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("phone", "number_reversed", CharField(null=True, index=True)),
        migrator.add_column("customer", "other_name_words", TextField(null=True)),
    )
    _fill_reversed_numbers(db)
    _fold_keys(db)
    indexes = {i.name for i in db.get_indexes("customer")}
    for old in ("customer_last_name_key_first_name_key", "customer_customer_type"):
        if old in indexes:
            migrator.migrate(migrator.drop_index("customer", old))
    migrator.migrate(
        migrator.add_index(
            "customer", ("last_name_key", "first_name_key", "id", "other_name_words")
        ),
        migrator.add_index(
            "customer",
            ("status_id", "last_name_key", "first_name_key", "id", "other_name_words"),
        ),
        migrator.add_index("customer", ("customer_type", "last_name_key", "first_name_key", "id")),
    )
    if isinstance(db, SqliteDatabase):
        columns = ", ".join(FTS_COLUMNS)
        try:
            db.execute_sql(
                f"CREATE VIRTUAL TABLE customer_words USING fts5({columns}, content='customer', "
                "content_rowid='id', prefix='2 3', tokenize='unicode61 remove_diacritics 2')"
            )
        except OperationalError as error:
            raise RuntimeError(
                "This Python's SQLite was built without FTS5, the full-text index that name "
                "search needs. Use a Python whose sqlite3 has FTS5 (Debian's and python.org's "
                "do), or PostgreSQL (DATABASE_URL)."
            ) from error
        create_sqlite_triggers(db)
        db.execute_sql("INSERT INTO customer_words(customer_words) VALUES ('rebuild')")
    elif isinstance(db, PostgresqlDatabase):
        db.execute_sql(f"CREATE INDEX customer_words ON customer USING gin ({PG_WORDS})")


def create_sqlite_triggers(db):
    columns = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    remove = (
        f"INSERT INTO customer_words(customer_words, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old});"
    )
    add = f"INSERT INTO customer_words(rowid, {columns}) VALUES (new.id, {new});"
    db.execute_sql(f"CREATE TRIGGER customer_words_insert AFTER INSERT ON customer BEGIN {add} END")
    db.execute_sql(
        f"CREATE TRIGGER customer_words_delete AFTER DELETE ON customer BEGIN {remove} END"
    )
    db.execute_sql(
        f"CREATE TRIGGER customer_words_update AFTER UPDATE OF {columns} ON customer "
        f"BEGIN {remove} {add} END"
    )


def _fill_reversed_numbers(db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("UPDATE phone SET number_reversed = reverse(number)")
        return
    _paged_update(db, "phone", ("number",), lambda number: (number[::-1],), "number_reversed")


def _fold_keys(db):
    """The keys held case-folded copies; now accents are folded too, and the name words
    are new. Computed by the app's own functions, so the rows written here are what every
    write path writes (search depends on the two agreeing). Only changed rows are written."""
    from webapp.rules.folding import fold, other_name_words

    sources = ("first_name", "last_name", "company_name", "email")
    targets = (*(f"{c}_key" for c in sources), "other_name_words")

    def folded(first, last, company, email):
        keys = tuple(map(fold, (first, last, company, email)))
        return (*keys, other_name_words(first, last, company))

    _paged_update(db, "customer", sources, folded, targets)


def _paged_update(db, table, sources, compute, targets):
    targets = (targets,) if isinstance(targets, str) else targets
    read = ", ".join(("id", *sources, *targets))
    assign = ", ".join(f"{t} = {db.param}" for t in targets)
    update = f"UPDATE {table} SET {assign} WHERE id = {db.param}"
    last = 0
    while page := db.execute_sql(
        f"SELECT {read} FROM {table} WHERE id > {db.param} ORDER BY id LIMIT {PAGE}", (last,)
    ).fetchall():
        changed = []
        for row in page:
            values = row[1 : 1 + len(sources)]
            stored = tuple(row[1 + len(sources) :])
            wanted = compute(*values)
            if wanted != stored:
                changed.append((*wanted, row[0]))
        if changed:
            db.cursor().executemany(update, changed)
        last = page[-1][0]
