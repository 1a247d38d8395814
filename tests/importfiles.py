"""Import files for tests, written the way spreadsheets and other systems write them."""

import csv
import io

from webapp.rules.customer_fields import IMPORT_COLUMNS

GOOD = {
    "action": "add", "customerType": "individual", "firstName": "David", "lastName": "Hicks",
    "ssn": "999999999", "idType": "ssn", "birthday": "1985-01-01", "gender": "male",
    "gencode": "none", "priPhone": "9876543210", "priPhoneType": "cell",
    "priAddress": "321 Oak Lane", "priCity": "Schenectady", "priState": "NY",
    "priZipcode": "12345", "priCountry": "usa",
}


def row(**cells) -> dict:
    return {**GOOD, **cells}


def csv_bytes(rows: list[dict], delimiter: str = ",", encoding: str = "utf-8",
              header: bool = True, columns=IMPORT_COLUMNS) -> bytes:
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
