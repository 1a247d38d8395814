"""Import files for tests, written the way spreadsheets and other systems write them."""

import csv
import io
import itertools

from webapp.rules.customer_fields import IMPORT_COLUMNS

GOOD = {
    "action": "add",
    "customerType": "individual",
    "firstName": "David",
    "lastName": "Hicks",
    "ssn": "999999999",
    "idType": "ssn",
    "birthday": "1985-01-01",
    "gender": "male",
    "gencode": "none",
    "priPhone": "9876543210",
    "priPhoneType": "cell",
    "priAddress": "321 Oak Lane",
    "priCity": "Schenectady",
    "priState": "NY",
    "priZipcode": "12345",
    "priCountry": "usa",
}


_made = itertools.count(1)


def row(**cells) -> dict:
    """A valid add row; each call a different person (SSN and birth date), the phone and
    address shared (possible duplicates are warnings, not errors)."""
    n = next(_made)
    person = {
        "ssn": f"{100 + n // 90 % 800:03d}{10 + n % 90:02d}9999",
        "birthday": f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
    }
    return {**GOOD, **person, **cells}


def csv_bytes(
    rows: list[dict],
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: bool = True,
    columns=IMPORT_COLUMNS,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    for cells in rows:
        writer.writerow([cells.get(name, "") for name in columns])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
