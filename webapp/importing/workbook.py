"""Excel workbooks (.xlsx) taken apart with care: an .xlsx is a ZIP of XML files, and a
small one can unpack to gigabytes (a "bomb"). Before anything is unpacked, the sizes
the archive declares are checked: Python's zipfile never inflates an entry past its
declared size, so what passes here is what reading costs at most. The upload request
then reads only the first rows, streaming the sheet's XML and only as much of the
shared-strings table as those rows use; the whole sheet is read in the job."""

import re
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

from webapp.importing.limits import (
    EXCEL_MAX_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    FileProblem,
    too_many_columns,
)

MAX_INFLATED_BYTES = 4 * 1024**3  # the whole archive unpacked
MAX_SHARED_STRINGS_BYTES = 256 * 1024**2  # the text table, which a reader holds whole
MAX_RATIO = 200  # unpacked / packed, for an entry of more than RATIO_FLOOR bytes
RATIO_FLOOR = 16 * 1024**2
MAX_CELL_BYTES = MAX_CELL_CHARS * 8  # UTF-8 and entities (&amp;) take more than a byte
HEAD_BYTES = 16 * 1024**2  # of the sheet scanned for giant cells before its first rows
_LONG_RUN = re.compile(rb"[^<]{%d}" % (MAX_CELL_BYTES + 1))
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SAVE_AS_CSV = "save the sheet as CSV and upload that"


def check(path: Path) -> None:
    """Refuse (FileProblem) a file that is not a workbook or would unpack too far."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if "xl/workbook.xml" not in {e.filename for e in entries}:
                raise FileProblem("This is a ZIP file but not an Excel workbook (.xlsx).")
            _check_sizes(entries)
            _check_dimension(archive)
    except (KeyError, ValueError, ElementTree.ParseError) as problem:
        raise _damaged(problem) from None
    except zipfile.BadZipFile:
        raise FileProblem(
            "This Excel file is damaged and cannot be opened; save it again "
            "from Excel and upload that."
        ) from None


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    total = sum(e.file_size for e in entries)
    if total > MAX_INFLATED_BYTES:
        raise FileProblem(
            f"This workbook unpacks to {_size(total)}, more than the {_size(MAX_INFLATED_BYTES)} "
            f"a workbook may; {_SAVE_AS_CSV}."
        )
    for entry in entries:
        packed = max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR and entry.file_size / packed > MAX_RATIO:
            raise FileProblem(
                f"This workbook's part {entry.filename} unpacks {entry.file_size // packed:,} "
                "times its packed size, as no spreadsheet does (it looks built to exhaust "
                f"the server); {_SAVE_AS_CSV} if it is a real one."
            )
        if entry.filename == "xl/sharedStrings.xml" and entry.file_size > MAX_SHARED_STRINGS_BYTES:
            raise FileProblem(
                f"This workbook's text table unpacks to {_size(entry.file_size)}, more than "
                f"the {_size(MAX_SHARED_STRINGS_BYTES)} a workbook may; {_SAVE_AS_CSV}."
            )


def _check_dimension(archive: zipfile.ZipFile) -> None:
    """The first sheet's declared size (<dimension ref="A1:XFD1048576">), when it has
    one: at most MAX_COLUMNS columns and as many rows as a sheet can hold."""
    with archive.open(first_sheet(archive)) as sheet:
        for _, element in ElementTree.iterparse(sheet, events=("start",)):
            if element.tag == f"{_MAIN}dimension":
                last = element.get("ref", "").split(":")[-1]
                columns, rows = _cell_position(last)
                _check_shape(columns, rows)
                return
            if element.tag == f"{_MAIN}sheetData":
                return  # no dimension: the rows are checked as they are read


def _check_shape(columns: int, rows: int) -> None:
    if columns > MAX_COLUMNS:
        raise too_many_columns("The sheet")
    if rows > EXCEL_MAX_ROWS:
        raise FileProblem(
            f"The sheet says it has {rows:,} rows, more than a sheet can hold "
            f"({EXCEL_MAX_ROWS:,}): the file is damaged or forged; save it again from Excel."
        )


def first_rows(path: Path, count: int) -> list[tuple[int, list]]:
    """The first `count` rows that are not blank, as (line number, cells), read without
    loading the sheet or the shared-strings table whole."""
    try:
        return _first_rows(path, count)
    except (KeyError, IndexError, ValueError, ElementTree.ParseError) as problem:
        raise _damaged(problem) from None


def _damaged(problem: Exception) -> FileProblem:
    return FileProblem(
        f"This Excel file cannot be read ({type(problem).__name__}: {problem}); save it "
        "again from Excel and upload that."
    )


def _first_rows(path: Path, count: int) -> list[tuple[int, list]]:
    with zipfile.ZipFile(path) as archive:
        raw = _raw_rows(archive, count)
        shared = [int(v) for _, cells in raw for kind, v in cells.values() if kind == "s"]
        strings = _shared_strings(archive, max(shared) + 1) if shared else []
    rows = []
    for number, cells in raw:
        width = max(cells) + 1
        values = [""] * width
        for column, (kind, value) in cells.items():
            values[column] = strings[int(value)] if kind == "s" else value
        rows.append((number, values))
    return rows


def check_cells(path: Path) -> None:
    """Refuse a workbook with a cell longer than a cell can be, before a reader builds
    it in memory: the text of a cell is a run of bytes without '<' in the XML, so the
    sheet and its text table are streamed and their longest run measured."""
    with zipfile.ZipFile(path) as archive:
        for part in (first_sheet(archive), "xl/sharedStrings.xml"):
            if part in archive.namelist():
                with archive.open(part) as stream:
                    _check_runs(stream)


def _check_runs(stream, stop_after: int | None = None) -> None:
    carried, seen = 0, 0  # carried: the run that reaches the end of the last block
    while block := stream.read(1 << 20):
        first, last = block.find(b"<"), block.rfind(b"<")
        if first == -1:
            carried += len(block)
        else:
            if carried + first > MAX_CELL_BYTES or _LONG_RUN.search(block, first, last):
                _giant_cell()
            carried = len(block) - last - 1
        if carried > MAX_CELL_BYTES:
            _giant_cell()
        seen += len(block)
        if stop_after is not None and seen >= stop_after:
            return


def _giant_cell():
    raise FileProblem(
        f"This workbook has a cell of more than {MAX_CELL_CHARS:,} characters, the most a "
        "cell holds; check that this is the right file."
    )


def first_sheet(archive: zipfile.ZipFile) -> str:
    """The path of the workbook's first sheet (the one imported)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise FileProblem("This workbook has no sheets.")
    relation = sheet.get(f"{_RELS}id")
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for link in relations.iter(f"{_PACKAGE_RELS}Relationship"):
        if link.get("Id") == relation:
            target = link.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise FileProblem("This workbook's first sheet cannot be found; save it again from Excel.")


def _raw_rows(archive: zipfile.ZipFile, count: int) -> list[tuple[int, dict]]:
    rows: list[tuple[int, dict]] = []
    with archive.open(first_sheet(archive)) as head:
        _check_runs(head, stop_after=HEAD_BYTES)
    with archive.open(first_sheet(archive)) as sheet:
        number = 0
        for _, element in ElementTree.iterparse(sheet, events=("end",)):
            if element.tag != f"{_MAIN}row":
                continue
            reference = element.get("r", "")
            number = int(reference) if reference.isdigit() else number + 1
            cells = {}
            for position, cell in enumerate(element.iter(f"{_MAIN}c")):
                column = _cell_position(cell.get("r"))[0] - 1
                if column < 0:  # no reference, or one that cannot be read: its place
                    column = position
                if column >= MAX_COLUMNS:
                    raise too_many_columns(f"Row {number}")
                kind, value = _cell_value(cell)
                if value != "":
                    cells[column] = (kind, value)
            element.clear()
            if cells:
                rows.append((number, cells))
                if len(rows) == count:
                    break
    return rows


def _cell_value(cell) -> tuple[str, str]:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "str", "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
    value = cell.find(f"{_MAIN}v")
    text = "" if value is None or value.text is None else value.text
    if kind == "n" and text.endswith(".0"):
        text = text[:-2]
    return ("s" if kind == "s" else "str"), text


def _shared_strings(archive: zipfile.ZipFile, needed: int) -> list[str]:
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as head:
        _check_runs(head, stop_after=HEAD_BYTES)
    with archive.open("xl/sharedStrings.xml") as table:
        for _, element in ElementTree.iterparse(table, events=("end",)):
            if element.tag == f"{_MAIN}si":
                # Rich text keeps its runs' text; phonetic hints (rPh) are not the value.
                strings.append(
                    "".join(
                        t.text or ""
                        for t in element.iter(f"{_MAIN}t")
                        if t not in _phonetic_texts(element)
                    )
                )
                element.clear()
                if len(strings) >= needed:
                    break
    return strings


def _phonetic_texts(item) -> set:
    return {t for hint in item.iter(f"{_MAIN}rPh") for t in hint.iter(f"{_MAIN}t")}


def _cell_position(reference: str) -> tuple[int, int]:
    """'AB12' -> (column 28, row 12)."""
    match = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", reference or "")
    if not match:
        return 0, 0
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return column, int(match.group(2))


def _size(count: int) -> str:
    return f"{count / 1024**2:,.0f} MB"
