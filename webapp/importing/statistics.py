"""PostgreSQL's planner statistics after a large import.

The planner counts a table's rows from the statistics ANALYZE keeps; autovacuum keeps them
only some time after a bulk load, and not at all where it is turned off. Until then a
table an import just filled looks nearly empty: search takes its size for the book's
(search.sources_for) and joins are planned for a handful of rows. So an import pass that
grew or shrank the book by a tenth or more analyzes the tables it wrote, as PostgreSQL's
guide to populating a database advises after a bulk load."""

import logging

from peewee import PostgresqlDatabase, quote

from webapp.db import db
from webapp.models import ChangeEntry, Customer, CustomerLoan, CustomerNameWord
from webapp.models.base import estimated_rows
from webapp.services.customers import PERSONAL_ROWS

SHARE_OF_BOOK = 0.1  # autovacuum's own default (autovacuum_analyze_scale_factor)
AT_LEAST_ROWS = 1_000
WRITTEN_TABLES = (
    Customer,
    CustomerNameWord,
    CustomerLoan,
    ChangeEntry,
    *(model for _, model in PERSONAL_ROWS),
)
log = logging.getLogger(__name__)


def refresh_after(job_id: int, customers_changed: int) -> bool:
    """ANALYZE the tables an import writes if `customers_changed` (added plus removed)
    is a tenth of what the statistics count or more; returns whether it did. Runs outside
    any transaction: ANALYZE holds a lock on each table until its transaction ends."""
    if not isinstance(db.obj, PostgresqlDatabase) or customers_changed < AT_LEAST_ROWS:
        return False
    counted = estimated_rows(Customer)
    if counted >= 0 and customers_changed < SHARE_OF_BOOK * counted:
        return False
    tables = ", ".join(quote((m._meta.table_name,), db.quote) for m in WRITTEN_TABLES)
    db.execute_sql(f"ANALYZE {tables}")
    log.info("Import #%s: statistics refreshed, %s customers changed.", job_id, customers_changed)
    return True
