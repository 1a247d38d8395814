"""PostgreSQL's planner statistics after a large import.

The planner counts a table's rows from the statistics ANALYZE keeps; autovacuum keeps them
only some time after a bulk load, and not at all where it is turned off. Until then a
table an import just filled looks nearly empty: search takes its size for the book's
(search.sources_for) and joins are planned for a handful of rows. So an import pass that
grew or shrank the book by a tenth or more analyzes the tables it wrote, as PostgreSQL's
guide to populating a database advises after a bulk load.

The same holds for a job's staged rows (import_row), which an undo reads and marks a
batch of customers at a time: unanalyzed, a job of 100k rows looked like 300 to the
planner, which then read all of the job's rows for each batch (62 ms a statement, the
undo growing with the square of the file)."""

import logging

from peewee import PostgresqlDatabase, quote

from webapp.db import db
from webapp.models import ChangeEntry, Customer, CustomerLoan, CustomerNameWord, ImportRow
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
    if not _large_change(customers_changed, Customer):
        return False
    _analyze(WRITTEN_TABLES)
    log.info("Import #%s: statistics refreshed, %s customers changed.", job_id, customers_changed)
    return True


def refresh_staged(job_id: int, rows: int) -> bool:
    """ANALYZE import_row before a pass reads a job's `rows` staged rows in many small
    statements, if they are a tenth of what the statistics count or more (or those
    were never gathered); returns whether it did. Outside any transaction, as above."""
    if not _large_change(rows, ImportRow):
        return False
    _analyze([ImportRow])
    log.info("Import #%s: statistics of the staged rows refreshed.", job_id)
    return True


def _large_change(rows: int, model) -> bool:
    """On PostgreSQL: `rows` are a tenth or more of what the statistics count for the
    table of `model` (or those were never gathered), and at least AT_LEAST_ROWS."""
    if not isinstance(db.obj, PostgresqlDatabase) or rows < AT_LEAST_ROWS:
        return False
    counted = estimated_rows(model)
    return counted < 0 or rows >= SHARE_OF_BOOK * counted


def _analyze(models) -> None:
    db.execute_sql(f"ANALYZE {', '.join(quote((m._meta.table_name,), db.quote) for m in models)}")
