"""The downloadable sample files: the headers alone, and one example row per type."""

import csv
import io

from webapp.rules.customer_fields import IMPORT_COLUMNS

EXAMPLE_ROWS = [
    {
        "action": "add",
        "importId": "CUST-1001",
        "customerType": "individual",
        "firstName": "Maria",
        "middleName": "Elena",
        "lastName": "Alvarez",
        "ssn": "123-45-6789",
        "driversLicense": "A1234567",
        "idType": "ssn",
        "birthday": "1988-07-14",
        "gender": "female",
        "gencode": "none",
        "saleTransferPii": "1",
        "email": "maria.alvarez@example.com",
        "priPhone": "801-555-0142",
        "priPhoneType": "cell",
        "secPhone": "801-555-0190",
        "secPhoneType": "home",
        "creditScoreExperian": "712",
        "priAddress": "48 Juniper Way",
        "priCity": "Provo",
        "priState": "UT",
        "priZipcode": "84601",
        "priCountry": "usa",
        "employerName": "Wasatch Dental",
        "employerTitle": "Hygienist",
        "employerIncome": "4200.00",
        "employerIncomeFreq": "monthly",
        "employerHireDate": "03/01/2019",
        "employerPaydayFreq": "semimonthly",
        "employerCountry": "usa",
    },
    {
        "action": "add",
        "importId": "CUST-1002",
        "customerType": "company",
        "firstName": "Tom",
        "lastName": "Becker",
        "companyName": "Becker Logistics LLC",
        "companyContact": "Tom Becker",
        "idType": "employerNumber",
        "idNumber": "12-3456789",
        "email": "ap@beckerlogistics.example",
        "priPhone": "303-555-0107",
        "priPhoneType": "office",
        "priAddress": "900 Freight Ave",
        "priCity": "Denver",
        "priState": "CO",
        "priZipcode": "80216",
        "priCountry": "usa",
        "mailAddress": "PO Box 4410",
        "mailCity": "Denver",
        "mailState": "CO",
        "mailZipcode": "80204",
        "mailCountry": "usa",
    },
    {
        "action": "add",
        "importId": "CUST-1003",
        "customerType": "flooringCustomer",
        "firstName": "Claire",
        "lastName": "Tremblay",
        "companyName": "Tremblay Motors Inc",
        "companyContact": "Claire Tremblay",
        "idType": "employerNumber",
        "idNumber": "98-7654321",
        "creditLimit": "250000",
        "priPhone": "416-555-0123",
        "priPhoneType": "office",
        "additionalPhone": "416-555-0124;416-555-0125",
        "additionalPhoneType": "fax;cell",
        "priAddress": "12 Front St W",
        "priCity": "Toronto",
        "priState": "ON",
        "priZipcode": "M5J 2N1",
        "priCountry": "can",
    },
]


def headers_only() -> str:
    return _csv([list(IMPORT_COLUMNS)])


def with_examples() -> str:
    return _csv(
        [list(IMPORT_COLUMNS)]
        + [[row.get(name, "") for name in IMPORT_COLUMNS] for row in EXAMPLE_ROWS]
    )


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
