"""Files built to exhaust the server are refused at upload, from what they declare, with
a message that says which limit they pass: XLSX bombs (a small archive that unpacks to
hundreds of megabytes), absurd CSV headers, endless lines and giant cells. A workbook's
first rows are read in the request without loading its text table whole."""

import io
import zipfile

import pytest

from tests.importfiles import GOOD, csv_bytes, row, xlsx_bytes
from tests.test_imports import upload
from webapp.importing import reader, workbook
from webapp.models import ImportJob

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade_workbook(sheet_xml: str, shared_strings_parts=(), dimension: str = "") -> bytes:
    """A minimal .xlsx written by hand, its text table streamed in from `parts` (so a
    bomb of hundreds of megabytes costs the test little memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook {NS} xmlns:r="{RELS_NS}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f"<worksheet {NS}>{dimension_xml}<sheetData>{sheet_xml}</sheetData></worksheet>",
        )
        with archive.open("xl/sharedStrings.xml", "w") as table:
            table.write(f"<sst {NS}>".encode())
            for part in shared_strings_parts:
                table.write(part)
            table.write(b"</sst>")
    return buffer.getvalue()


def refused_upload(admin, content: bytes, name: str) -> str:
    response = upload(admin, content, name)
    assert response.status_code == 400, response.status_code
    assert ImportJob.select().count() == 0
    return response.get_data(as_text=True)


def test_an_xlsx_bomb_is_refused_from_its_declared_sizes(admin):
    """A file of well under a megabyte whose text table unpacks to 300 MB: refused from
    the archive's directory, before a byte of it is unpacked."""
    chunk = b"<si><t>" + b"A" * 1_000_000 + b"</t></si>"
    bomb = handmade_workbook(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', (chunk for _ in range(300))
    )
    assert len(bomb) < 1_000_000
    page = refused_upload(admin, bomb, "bomb.xlsx")
    assert "unpacks" in page and "times its packed size" in page


def test_an_oversized_text_table_and_archive_are_refused(admin, monkeypatch):
    monkeypatch.setattr(workbook, "RATIO_FLOOR", 10**12)  # only the size limits apply
    monkeypatch.setattr(workbook, "MAX_SHARED_STRINGS_BYTES", 100_000)
    table = [f"<si><t>{n:07}</t></si>".encode() for n in range(10_000)]
    content = handmade_workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', table)
    assert "text table unpacks to" in refused_upload(admin, content, "big.xlsx")
    monkeypatch.setattr(workbook, "MAX_INFLATED_BYTES", 50_000)
    assert "This workbook unpacks to" in refused_upload(admin, content, "big.xlsx")


@pytest.mark.parametrize(
    "dimension, words",
    [("A1:AAA2", "more than 500 columns"), ("A1:C5000000", "more than a sheet can hold")],
)
def test_a_sheet_declaring_absurd_dimensions_is_refused(admin, dimension, words):
    content = handmade_workbook(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>action</t></is></c></row>', dimension=dimension
    )
    assert words in refused_upload(admin, content, "wide.xlsx")


def test_a_wide_row_without_a_dimension_is_refused_as_it_is_read(admin):
    cells = "".join(f'<c t="inlineStr"><is><t>h{n}</t></is></c>' for n in range(600))
    content = handmade_workbook(f'<row r="1">{cells}</row><row r="2">{cells}</row>')
    assert "Row 1 has more than 500 columns" in refused_upload(admin, content, "wide.xlsx")


def test_a_csv_header_of_millions_of_columns_is_refused_at_its_first_line(admin):
    header = b"," * 25_000_000  # 25 million columns, once taking 3.5 GB
    page = refused_upload(admin, header + b"\nadd\n", "wide.csv")
    assert "Line 1 is longer than 1,000,000 characters" in page


def test_csv_columns_and_cells_past_their_limits_are_refused_naming_line_and_column(admin):
    wide = ",".join(f"c{n}" for n in range(600)).encode()
    assert "Line 1 has more than 500 columns" in refused_upload(
        admin, wide + b"\nadd\n", "wide.csv"
    )
    giant = csv_bytes([row(importId="X", firstName="A" * 40_000)])
    page = refused_upload(admin, giant, "giant.csv")
    assert "Line 2, column" in page and "40,000 characters" in page


def test_first_rows_of_a_workbook_read_as_the_whole_read_does(tmp_path):
    """The request's streamed read of the header and first row gives what openpyxl gives
    the job: shared strings, inline strings, numbers, blank rows skipped."""
    header = list(GOOD)
    values = [GOOD[name] for name in header]
    path = tmp_path / "file.xlsx"
    path.write_bytes(xlsx_bytes([[], header, values, values]))
    shape = reader.inspect(path)
    streamed = reader.first_rows(path, shape, 2)
    whole = list(reader.rows(path, shape))[:2]
    assert [n for n, _ in streamed] == [n for n, _ in whole] == [2, 3]

    def cells(row):  # a reader may end a row at its last value or at the sheet's edge
        values = list(row)
        while values and values[-1] == "":
            values.pop()
        return values

    assert [cells(r) for _, r in streamed] == [cells(r) for _, r in whole]


@pytest.mark.parametrize(
    "sheet, table",
    [
        ('<row r="1"><c r="a1" t="inlineStr"><is><t>action</t></is></c></row>', ()),
        ('<row r="x"><c t="inlineStr"><is><t>action</t></is></c></row>', ()),
        ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', ()),  # past the text table
        ('<row r="1"><c r="A1" t="s"><v>x</v></c></row>', ()),
        ('<row r="1"><c r="A1"><v>1</v></row>', ()),  # not XML
    ],
)
def test_a_damaged_workbook_is_refused_not_an_error(admin, sheet, table):
    response = upload(admin, handmade_workbook(sheet, table), "odd.xlsx")
    assert response.status_code == 400, response.status_code  # said, not a 500
    assert 'class="error"' in response.get_data(as_text=True)


def test_a_workbook_with_a_giant_cell_is_refused_before_it_is_built(admin):
    """One inline string of 300,000 characters in the first row: refused from a scan of
    the sheet's bytes, not after building it in memory."""
    giant = "A" * 300_000
    content = handmade_workbook(
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>{giant}</t></is></c></row>'
    )
    assert "a cell of more than 32,767 characters" in refused_upload(admin, content, "big.xlsx")
