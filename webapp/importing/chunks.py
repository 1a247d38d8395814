"""A file cut into chunks kept in the database, so any worker that shares the database
(on this machine or another) can verify any chunk: the file itself is read once, here.
A chunk holds its rows' cells as the column mapping gives them, compressed, until
verify has finished with them; the chunk itself stays, as a piece of the import's work
(importing/runner.py)."""

import json
import zlib
from bisect import bisect_left
from datetime import date, datetime
from itertools import islice

from webapp.importing import reader
from webapp.importing.columns import CellMapper
from webapp.importing.storage import source_path
from webapp.models import ImportChunk, ImportJob


def file_rows(job: ImportJob):
    """(line, {field: cell}) of every customer row, in file order."""
    shape = reader.FileShape(job.file_format, job.encoding, job.delimiter)
    mapper = CellMapper(job.mapping, job.file_format == "xlsx")
    rows = reader.rows(source_path(job), shape)
    if job.has_header:
        next(rows, None)
    return ((line, mapper.cells(cells)) for line, cells in rows)


def split(job: ImportJob, size: int, cancelled, stored=None) -> int | None:
    """Store the file's rows as chunks of `size`, calling `stored(number)` as each is
    committed; returns how many rows, or None when `cancelled()` says so between chunks."""
    forget(job.id)
    rows, number, total = file_rows(job), 0, 0
    while chunk := list(islice(rows, size)):
        if cancelled():
            return None
        number += 1
        total += len(chunk)
        ImportChunk.create(
            job=job.id,
            number=number,
            first_line=chunk[0][0],
            last_line=chunk[-1][0],
            cells=zlib.compress(json.dumps(chunk, default=_tagged).encode(), 1),
        )
        if stored:
            stored(number)
    return total


def cells(chunk: ImportChunk) -> list[tuple[int, dict]]:
    text = zlib.decompress(chunk.cells).decode()
    # Only a workbook's dates are tagged; the JSON of a cell's own text spells a quote
    # \", so '{"$' marks a tag and a chunk without one is read as it is (most are CSV).
    if '{"$' not in text:
        return [(line, found) for line, found in json.loads(text)]
    return [
        (line, {name: _untagged(value) for name, value in found.items()})
        for line, found in json.loads(text)
    ]


def of_job(job_id: int, fields=()):
    """The job's chunks in file order, each read when its turn comes: PostgreSQL's driver
    holds a query's whole result, and every chunk's cells and facts at once grew the last
    step of a 1M-row verify past 800 MB."""
    numbers = (
        ImportChunk.select(ImportChunk.number)
        .where(ImportChunk.job == job_id)
        .order_by(ImportChunk.number)
        .tuples()
    )
    for (number,) in list(numbers):
        yield (
            ImportChunk.select(*fields)
            .where((ImportChunk.job == job_id) & (ImportChunk.number == number))
            .get()
        )


def mark_ordered(job_id: int, lines: set[int]) -> None:
    """The chunks holding any of these lines (rows judged again in file order, linked to
    other chunks' rows) must be applied in file order; the others may go in any order,
    at once: no row of theirs touches a key another chunk's row writes."""
    ordered = sorted(lines)
    numbers = []
    spans = ImportChunk.select(ImportChunk.number, ImportChunk.first_line, ImportChunk.last_line)
    for number, first, last in spans.where(ImportChunk.job == job_id).tuples():
        at = bisect_left(ordered, first)
        if at < len(ordered) and ordered[at] <= last:
            numbers.append(number)
    ImportChunk.update(ordered=False).where(ImportChunk.job == job_id).execute()
    if numbers:
        ImportChunk.update(ordered=True).where(
            (ImportChunk.job == job_id) & ImportChunk.number.in_(numbers)
        ).execute()


def keep_for_import(job_id: int) -> None:
    """Verify is done with the chunks' cells (full SSNs) and keys; the chunks stay as the
    import's pieces of work."""
    ImportChunk.update(cells=b"", keys=None).where(ImportChunk.job == job_id).execute()


def forget(job_id: int) -> None:
    ImportChunk.delete().where(ImportChunk.job == job_id).execute()


def _tagged(value):
    """A workbook's date (or date and time) cell, which JSON has no type for."""
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    return str(value)


def _untagged(value):
    if isinstance(value, dict):
        if "$t" in value:
            return datetime.fromisoformat(value["$t"])
        return date.fromisoformat(value["$d"])
    return value
