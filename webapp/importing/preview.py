"""What a verified import will do to the customers it updates: each update row's changed
fields, old and new, described and masked as the change history shows them. Read from
the staging table a page at a time (by line, so a million rows cost no more than ten),
filtered by field, or written out whole as CSV."""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from webapp.importing.error_file import safe_cell
from webapp.models import ImportRow
from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.services.history import label

PAGE_ROWS = 25


@dataclass
class PreviewRow:
    line: int
    customer: str  # "#123", or "added by line 45"
    changes: list[tuple[str, str, str]]  # (label, old, new)
    outcome: str | None


def fields_changing() -> list[tuple[str, str]]:
    """(name, label) of every field an update row can change, for the filter."""
    return [(name, spec.label) for name, spec in FIELDS_BY_NAME.items()]


def _query(job_id: int, field: str | None):
    query = ImportRow.select(
        ImportRow.line, ImportRow.ref, ImportRow.changes, ImportRow.outcome
    ).where((ImportRow.job == job_id) & ImportRow.changes.is_null(False))
    if field:
        query = query.where(ImportRow.fields.contains(ImportRow.fields_text([field])))
    return query


def page(job_id: int, field: str | None, after_line: int = 0) -> tuple[list[PreviewRow], bool]:
    """The update rows after `after_line`; and whether more follow."""
    found = list(
        _query(job_id, field)
        .where(ImportRow.line > after_line)
        .order_by(ImportRow.line)
        .limit(PAGE_ROWS + 1)
    )
    return [_row(r, field) for r in found[:PAGE_ROWS]], len(found) > PAGE_ROWS


def count(job_id: int, field: str | None) -> int:
    return _query(job_id, field).count()


def csv_lines(job_id: int, field: str | None) -> Iterator[str]:
    """The preview as CSV, one change a line, a batch of rows read at a time."""
    yield _csv(["line", "customer", "field", "old value", "new value"])
    after = 0
    while True:
        rows, more = page(job_id, field, after)
        for row in rows:
            for name, old, new in row.changes:
                yield _csv([row.line, row.customer, name, old, new])
        if not more:
            return
        after = rows[-1].line


def _row(row: ImportRow, field: str | None) -> PreviewRow:
    changes = [
        (label(name), old, new)
        for name, old, new in json.loads(row.changes)
        if not field or name == field
    ]
    ref = row.ref or ""
    customer = f"added by line {ref[1:]}" if ref.startswith("n") else f"#{ref}"
    return PreviewRow(row.line, customer, changes, row.outcome)


def _csv(cells: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()
