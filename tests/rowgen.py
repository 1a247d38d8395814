"""Customer rows for tests: valid ones from the demo generator, and defects of every kind
the field rules know, so a test can plant a known problem on a known row."""

import random

from webapp.demo import demo_cells

# Each defect: field, value[, another field, value] written over a valid row.
DEFECTS = [
    ("lastName", ""),
    ("priState", "New York"),
    ("birthday", "1985-13-45"),
    ("priPhone", "12345"),
    ("gender", "robot"),
    ("customerType", "alien"),
    ("priPhoneType", ""),
    ("email", "not-an-email"),
    ("ssn", "12-34"),
    ("creditScoreEquifax", "900"),
    ("priZipcode", "1234"),
    ("priCountry", "mexico"),
    ("secPhone", "8015550100"),
    ("additionalPhone", "8015550100;8015550101"),
    ("mailAddress", "PO Box 4"),
    ("employerIncome", "2500"),
    ("password", "weak"),
    ("username", "no spaces allowed"),
    ("status", "Nonexistent"),
    ("idType", ""),
    ("customerType", "company", "companyName", ""),
    ("customerType", "flooringCustomer", "creditLimit", ""),
    ("saleTransferPii", "perhaps"),
    ("employerHireDate", "13/13/2013"),
    ("firstName", "x" * 120),
    ("priState", "ON"),
]
EXTRAS = [
    {"secPhone": "8015550100", "secPhoneType": "home"},
    {"additionalPhone": "2031235254;8016300000", "additionalPhoneType": "cell;office"},
    {
        "mailAddress": "PO Box 9",
        "mailCity": "Albany",
        "mailState": "NY",
        "mailZipcode": "12201",
        "mailCountry": "usa",
    },
    {
        "employerName": "Acme",
        "employerIncome": "3,000.00",
        "employerIncomeFreq": "biweekly",
        "employerHireDate": "03/04/2001",
        "employerCountry": "usa",
        "employerState": "UT",
    },
    {"password": "Secret12", "username": "someone.new"},
    {"gencode": "Jr.", "saleTransferPii": "0", "birthday": "12/31/1970"},
]


def rows(count: int, seed: int = 3, defect_every: int = 0):
    """(cells, planted defect or None) pairs."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        cells = demo_cells(number, rng)
        defect = None
        if defect_every and number % defect_every == 0:
            # Planted on a plain row, so no extra column can make the defect whole.
            defect = DEFECTS[(number // defect_every) % len(DEFECTS)]
            cells.update(zip(defect[::2], defect[1::2], strict=True))
        else:
            cells.update(EXTRAS[number % len(EXTRAS)])
        yield cells, defect
