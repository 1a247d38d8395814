"""Reading an uploaded file: which format, encoding and delimiter it has, and its rows,
streamed, each with the line number a person sees in a spreadsheet."""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from webapp.importing import workbook
from webapp.importing.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    FileProblem,
    too_many_columns,
)

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}
_SAMPLE = 64 * 1024
# Cells are measured by _check_cells, with a message naming the line and column; the csv
# module's own limit would stop a long one first with a bare "field larger than limit".
csv.field_size_limit(MAX_LINE_CHARS)


@dataclass
class FileShape:
    file_format: str  # csv | xlsx
    encoding: str | None = None
    delimiter: str | None = None

    def describe(self) -> str:
        if self.file_format == "xlsx":
            return "Excel workbook (XLSX), first sheet"
        return (
            f"CSV, {ENCODING_NAMES.get(self.encoding, self.encoding)}, "
            f"{DELIMITERS[self.delimiter]}-separated"
        )


def inspect(path: Path) -> FileShape:
    """Tell the file's format, encoding and delimiter, or raise FileProblem."""
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE)
    if not head:
        raise FileProblem("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        workbook.check(path)
        return FileShape("xlsx")
    if b"\x00" in head:
        raise FileProblem(
            "This is not a CSV or XLSX file (it holds binary data). Save the "
            "sheet as CSV (comma- or semicolon-separated) or as an Excel "
            "workbook (.xlsx) and upload that."
        )
    encoding = _encoding(path, head)
    text = head.decode(encoding, errors="replace")
    return FileShape("csv", encoding, _delimiter(text))


def first_rows(path: Path, shape: FileShape, count: int) -> list[tuple[int, list]]:
    """The first `count` rows that are not blank, read cheaply (for the upload request:
    a workbook's sheet is not loaded whole)."""
    if shape.file_format == "xlsx":
        return workbook.first_rows(path, count)
    found = []
    for row in _csv_rows(path, shape):
        found.append(row)
        if len(found) == count:
            break
    return found


def rows(path: Path, shape: FileShape) -> Iterator[tuple[int, list]]:
    """(line number, cells) for every row, the header included as line 1. Blank rows are
    skipped but still counted, so line numbers match what a spreadsheet shows."""
    if shape.file_format == "xlsx":
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path, shape)


def _encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1252 leaves five bytes undefined; a file that has them is Latin-1.
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            if any(b in block for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
                return "latin-1"
    return "cp1252"


def _delimiter(text: str) -> str:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(first_line, d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _csv_rows(path: Path, shape: FileShape) -> Iterator[tuple[int, list]]:
    with open(path, encoding=shape.encoding, newline="") as handle:
        reader = csv.reader(_capped_lines(handle), delimiter=shape.delimiter, strict=True)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                _check_cells(number, cells)
                if any(cell.strip() for cell in cells):
                    yield number, [_unescape(c) if c[:1] == "'" else c for c in cells]
        except csv.Error as problem:
            raise FileProblem(
                f"Line {number + 1} cannot be read: {_csv_reason(problem)}. A quoted value "
                'probably has a missing or extra quote mark ("); fix it and upload again.'
            ) from None


def _capped_lines(handle) -> Iterator[str]:
    """The file's lines, refusing one longer than MAX_LINE_CHARS before it is split into
    cells (a header of millions of columns is refused here, not held in memory)."""
    for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_CHARS + 1), ""), 1):
        if len(line) > MAX_LINE_CHARS:
            raise FileProblem(
                f"Line {number} is longer than {MAX_LINE_CHARS:,} characters, which no "
                "customer row is; check that this is the right file and that its lines "
                "end where rows do."
            )
        yield line


def _check_cells(number: int, cells: list[str]) -> None:
    if len(cells) > MAX_COLUMNS:
        raise too_many_columns(f"Line {number}")
    longest = max((len(c) for c in cells), default=0)
    if longest > MAX_CELL_CHARS:
        column = next(i for i, c in enumerate(cells) if len(c) == longest) + 1
        raise FileProblem(
            f"Line {number}, column {column}: a value of {longest:,} characters; a cell "
            f"holds at most {MAX_CELL_CHARS:,}."
        )


def _unescape(cell: str) -> str:
    # Our error files guard cells that start like a formula with an apostrophe
    # (error_file.safe_cell); a file fixed and uploaded again loses it here.
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@"):
        return cell[1:]
    return cell


def _csv_reason(problem: csv.Error) -> str:
    text = str(problem)
    if "unexpected end of data" in text:
        return "a quoted value is never closed"
    if "expected" in text:
        return "a quote mark stands in the middle of a value"
    return text


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    workbook.check_cells(path)  # before openpyxl builds a giant cell in memory

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as problem:  # openpyxl raises many kinds for a broken workbook
        raise FileProblem(
            f"This Excel file cannot be opened ({problem}); save it again "
            "from Excel and upload that."
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(values) > MAX_COLUMNS:
                raise too_many_columns(f"Row {number}")
            cells = [_xlsx_value(v) for v in values]
            if any(c not in ("", None) for c in cells):
                yield number, cells
    finally:
        book.close()


def _xlsx_value(value):
    """Cells as the rules read them: text, with whole numbers written without '.0', and
    dates kept as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, date | int):
        return value if isinstance(value, date) else str(value)
    return str(value)
