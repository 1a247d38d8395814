"""Reading an uploaded file: which format, encoding and delimiter it has, and its rows,
streamed, each with the line number a person sees in a spreadsheet."""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from webapp.services.refusal import Refused

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}
_SAMPLE = 64 * 1024


class FileProblem(Refused):
    """The file as a whole cannot be read; the message says why and what to do."""


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
        _check_workbook(path)
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
        reader = csv.reader(handle, delimiter=shape.delimiter, strict=True)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                if any(cell.strip() for cell in cells):
                    yield number, [_unescape(c) if c[:1] == "'" else c for c in cells]
        except csv.Error as problem:
            raise FileProblem(
                f"Line {number + 1} cannot be read: {_csv_reason(problem)}. A quoted value "
                'probably has a missing or extra quote mark ("); fix it and upload again.'
            ) from None


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


def _check_workbook(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileProblem("This is a ZIP file but not an Excel workbook (.xlsx).")
    except zipfile.BadZipFile:
        raise FileProblem(
            "This Excel file is damaged and cannot be opened; save it again "
            "from Excel and upload that."
        ) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as problem:  # openpyxl raises many kinds for a broken workbook
        raise FileProblem(
            f"This Excel file cannot be opened ({problem}); save it again "
            "from Excel and upload that."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_value(v) for v in values]
            if any(c not in ("", None) for c in cells):
                yield number, cells
    finally:
        workbook.close()


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
