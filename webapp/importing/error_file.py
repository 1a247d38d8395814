"""The rows an import refused, as a CSV of the original rows plus an "errors" column:
fix them in a spreadsheet and upload the file again."""

import csv
import io
from collections.abc import Iterator

from webapp.importing import reader
from webapp.importing.storage import source_path
from webapp.models import ImportJob, ImportProblem

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ERRORS_COLUMN = "errors"


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula. The reader takes the apostrophe
    off again, so the file can be uploaded as it is."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def error_rows(job: ImportJob, phase: str) -> Iterator[str]:
    """CSV text, a line at a time; the file and the problems are both read in line order,
    so memory stays flat whatever the file's size."""
    problems = iter(
        ImportProblem.select(ImportProblem.line, ImportProblem.column, ImportProblem.message)
        .where(
            (ImportProblem.job == job)
            & (ImportProblem.phase == phase)
            & (ImportProblem.severity == "error")
        )
        .order_by(ImportProblem.line, ImportProblem.id)
        .tuples()
    )
    pending = next(problems, None)
    shape = reader.FileShape(job.file_format, job.encoding, job.delimiter)
    rows = reader.rows(source_path(job), shape)
    if job.has_header:
        _, header = next(rows)
        yield _line([*header, ERRORS_COLUMN])
    else:
        yield _line([*job.header_cells, ERRORS_COLUMN])
    for line, cells in rows:
        messages = []
        while pending and pending[0] <= line:
            if pending[0] == line:
                messages.append(f"{pending[1]}: {pending[2]}")
            pending = next(problems, None)
        if messages:
            yield _line([*cells, " | ".join(messages)])
        if pending is None:
            break


def _line(cells: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()
