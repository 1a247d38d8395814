"""PostgreSQL only: trigram indexes for searches by a part of a name or an email.

LoanPro's clients search with wildcards on both sides (loanpro-mcp-server sends
`*term*` over first name, last name, email and company name). Without an index each
such search reads every customer: about 1.5 s at a million. pg_trgm's GIN indexes find
the rows holding the text's three-letter pieces instead (0.02-0.15 s measured there).

pg_trgm ships with PostgreSQL and is a trusted extension (13+): the database's owner may
create it. Where it cannot be created the search still works, by reading every row, and
the upgrade says so rather than failing."""

import logging

from peewee import PostgresqlDatabase

# index name -> the expression the search compares (api/search_documents.py: folded keys,
# and LOWER() of a column without one)
TRIGRAM_INDEXES = {
    "customer_first_name_key_trgm": "first_name_key",
    "customer_last_name_key_trgm": "last_name_key",
    "customer_email_key_trgm": "email_key",
    "customer_company_name_trgm": "LOWER(company_name)",
}


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    try:
        with db.atomic():  # a savepoint: a refused extension leaves the upgrade going
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except Exception as error:  # noqa: BLE001 (any refusal: permissions, a missing package)
        logging.getLogger(__name__).warning(
            "pg_trgm could not be created (%s): searches by part of a name read every row.",
            error,
        )
        return
    # (named with its schema: the app's own schema may not have it on its search path)
    schema = db.execute_sql(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    ).fetchone()[0]
    for name, expression in TRIGRAM_INDEXES.items():
        db.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON customer "
            f"USING gin ({expression} {schema}.gin_trgm_ops)"
        )
