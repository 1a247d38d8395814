"""Every column of the import contract: values it takes (and how they are stored), values
it refuses (with a message that says what would do), and each conditional requirement."""

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import VALID_CELLS
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import FIELDS_BY_NAME, IMPORT_COLUMNS

CTX = RuleContext(
    statuses={"2": 2, "active": 2, "5": 5, "scra": 5},
    status_titles={2: "Active", 5: "SCRA"},
    default_status_id=2,
    today=date(2026, 11, 23),
)
RULES = CompiledRules(CTX, [FIELDS_BY_NAME[n] for n in IMPORT_COLUMNS])

# column: ([(cell, stored value)], [(bad cell, words the message must hold)])
CASES = {
    "action": (
        [("add", "add"), ("UPDATE", "update"), ("Remove", "remove")],
        [("delete", "add, update, remove")],
    ),
    "customerId": ([("111", "111"), ("IMP-7", "IMP-7")], [("a b", "letters, digits")]),
    "importId": (
        [("CUST_001", "CUST_001"), ("a.b-c", "a.b-c")],
        [("x/y", "letters, digits"), ("z" * 65, "at most 64")],
    ),
    "status": (
        [("2", 2), ("Active", 2), ("scra", 5)],
        [("9", "No active customer status"), ("Closed", "Settings")],
    ),
    "customerType": (
        [
            ("individual", "individual"),
            ("Company", "company"),
            ("flooringCustomer", "flooringCustomer"),
            ("flooring", "flooringCustomer"),
        ],
        [("alien", "individual, company, flooringCustomer")],
    ),
    "firstName": (
        [("David", "David"), ("José", "José")],
        [("x" * 101, "at most 100"), ("Da\tvid", "control characters")],
    ),
    "middleName": ([("Lee", "Lee")], [("y" * 101, "at most 100")]),
    "lastName": ([("Hicks", "Hicks")], [("a\x00b", "control characters")]),
    "companyContact": ([("Jane Roe", "Jane Roe")], [("c" * 101, "at most 100")]),
    "companyName": ([("Acme Farms LLC", "Acme Farms LLC")], [("n" * 201, "at most 200")]),
    "ssn": (
        [("999999999", "999999999"), ("123-45-6789", "123456789"), ("123 45 6789", "123456789")],
        [("12345678", "exactly 9 digits"), ("12345678X", "exactly 9 digits")],
    ),
    "driversLicense": ([("d1234-567", "D1234-567")], [("D#1", "letters, digits")]),
    "idType": (
        [("ssn", "ssn"), ("employerNumber", "employerNumber"), ("EIN", "employerNumber")],
        [("passport", "ssn, employerNumber")],
    ),
    "idNumber": ([("12-3456789", "123456789")], [("1234", "exactly 9 digits")]),
    "creditLimit": (
        [("100000", Decimal("100000")), ("$100,000.50", Decimal("100000.50"))],
        [("lots", "Not an amount"), ("-5", "Not an amount"), ("1.234", "Not an amount")],
    ),
    "birthday": (
        [
            ("1985-01-01", date(1985, 1, 1)),
            ("01/31/1985", date(1985, 1, 31)),
            ("1985-1-5", date(1985, 1, 5)),
        ],
        [
            ("1985-13-45", "No such date"),
            ("02/30/1990", "No such date"),
            ("31.01.1985", "YYYY-MM-DD or MM/DD/YYYY"),
            ("2030-01-01", "in the future"),
            ("1850-01-01", "before 1900"),
        ],
    ),
    "gender": (
        [
            ("male", "male"),
            ("FEMALE", "female"),
            ("unknown", "unknown"),
            ("other", "other"),
            ("N/A", "unknown"),
        ],
        [("robot", "male, female")],
    ),
    "gencode": (
        [("none", "none"), ("Jr.", "jr"), ("III", "iii"), ("viii", "viii")],
        [("esq", "none, ii")],
    ),
    "saleTransferPii": (
        [("1", True), ("0", False), ("yes", True), ("No", False)],
        [("maybe", "1 for yes or 0 for no")],
    ),
    "email": (
        [("david@example.com", "david@example.com"), ("a.b+c@mail.co.uk", "a.b+c@mail.co.uk")],
        [
            ("not-an-email", "name@example.com"),
            ("a@b", "name@example.com"),
            ("a b@example.com", "name@example.com"),
        ],
    ),
    "priPhone": (
        [
            ("9876543210", "9876543210"),
            ("(801) 555-0123", "8015550123"),
            ("+1 801 555 0123", "8015550123"),
            ("18015550123", "8015550123"),
        ],
        [("12345", "10 digits"), ("28015550123", "10 digits"), ("801555012x", "10 digits")],
    ),
    "priPhoneType": (
        [("cell", "cell"), ("CellSmartPhone", "cellSmartPhone"), ("Fax", "fax")],
        [("pager", "cell, fax, home, office, other, cellSmartPhone")],
    ),
    "secPhone": ([("801.555.0100", "8015550100")], [("555-0100", "10 digits")]),
    "secPhoneType": ([("home", "home")], [("landline", "cell, fax")]),
    "additionalPhone": (
        [
            ("2031235254;8016300000", ["2031235254", "8016300000"]),
            ("2031235254; 801-630-0000;", ["2031235254", "8016300000"]),
        ],
        [("2031235254;123", "10 digits")],
    ),
    "additionalPhoneType": ([("cell;home", ["cell", "home"])], [("cell;pager", "cell, fax")]),
    "password": (
        [("Secret1", "Secret1")],
        [
            ("short", "at least 6 characters"),
            ("alllower1", "an upper-case letter"),
            ("ALLUPPER1", "a lower-case letter"),
            ("NoDigits", "a digit"),
        ],
    ),
    "username": (
        [("David.Hicks", "david.hicks"), ("d@example.com", "d@example.com")],
        [("da", "3 to 100"), ("has space", "no spaces")],
    ),
    "creditScoreExperian": (
        [("300", 300), ("850", 850)],
        [("299", "300 to 850"), ("851", "300 to 850"), ("7x0", "whole number")],
    ),
    "creditScoreEquifax": ([("720", 720)], [("1000", "300 to 850")]),
    "creditScoreTransunion": ([("650", 650)], [("6.5", "whole number")]),
    "priAddress": ([("321 Oak Lane", "321 Oak Lane")], [("a" * 201, "at most 200")]),
    "priCity": ([("Schenectady", "Schenectady")], [("c" * 101, "at most 100")]),
    "priState": (
        [("NY", "NY"), ("ny", "NY"), ("ON", "ON")],
        [("New York", "two-letter"), ("ZZ", "two-letter")],
    ),
    "priZipcode": ([("12345", "12345"), ("k1a 0b1", "K1A 0B1")], [("12_45", "letters, digits")]),
    "priCountry": (
        [
            ("usa", "usa"),
            ("US", "usa"),
            ("United States", "usa"),
            ("can", "can"),
            ("CA", "can"),
            ("Canada", "can"),
        ],
        [("mexico", "usa or can")],
    ),
    "mailAddress": ([("PO Box 9", "PO Box 9")], [("m" * 201, "at most 200")]),
    "mailCity": ([("Albany", "Albany")], [("x\ny", "control characters")]),
    "mailState": ([("UT", "UT")], [("Utah", "two-letter")]),
    "mailZipcode": ([("84601-1234", "84601-1234")], [("8460$", "letters, digits")]),
    "mailCountry": ([("usa", "usa")], [("uk", "usa or can")]),
    "employerName": ([("Acme Inc", "Acme Inc")], [("e" * 201, "at most 200")]),
    "employerTitle": ([("Clerk", "Clerk")], [("t" * 101, "at most 100")]),
    "employerPhone": ([("801-555-0199", "8015550199")], [("555", "10 digits")]),
    "employerIncome": (
        [("36000.00", Decimal("36000.00")), ("3,000", Decimal("3000"))],
        [("3k", "Not an amount")],
    ),
    "employerIncomeFreq": (
        [
            ("monthly", "monthly"),
            ("Semi-Monthly", "semimonthly"),
            ("biweekly", "biweekly"),
            ("weekly", "weekly"),
            # LoanPro's API has an annual income; the import takes it too (one rule)
            ("yearly", "annually"),
        ],
        [("daily", "monthly, semimonthly, biweekly, weekly, annually")],
    ),
    "employerHireDate": (
        [("03/04/2001", date(2001, 3, 4)), ("2030-01-01", date(2030, 1, 1))],
        [("2001-02-29", "No such date")],
    ),
    "employerPaydayFreq": ([("Weekly", "weekly")], [("daily", "monthly, semimonthly")]),
    "employerNextPayday": ([("2026-12-01", date(2026, 12, 1))], [("next friday", "YYYY-MM-DD")]),
    "employerAddress": ([("1 Plant Rd", "1 Plant Rd")], [("a" * 201, "at most 200")]),
    "employerCity": ([("Provo", "Provo")], [("c" * 101, "at most 100")]),
    "employerState": ([("bc", "BC")], [("XX", "two-letter")]),
    "employerZipcode": ([("84601", "84601")], [("8460!", "letters, digits")]),
    "employerCountry": ([("Canada", "can")], [("France", "usa or can")]),
}


def test_every_import_column_has_cases():
    assert set(CASES) == set(IMPORT_COLUMNS)
    assert len(IMPORT_COLUMNS) == 54


@pytest.mark.parametrize(
    "column,cell,stored",
    [(c, cell, stored) for c, (good, _) in CASES.items() for cell, stored in good],
)
def test_column_accepts(column, cell, stored):
    values, errors = RULES.parse_cells({column: cell})
    assert errors == []
    assert values[column] == stored


@pytest.mark.parametrize(
    "column,cell,words", [(c, cell, words) for c, (_, bad) in CASES.items() for cell, words in bad]
)
def test_column_refuses_with_a_helpful_message(column, cell, words):
    values, errors = RULES.parse_cells({column: cell})
    assert column not in values
    assert [(e.field, e.value) for e in errors] == [(column, cell)]
    assert words in errors[0].message


def test_blank_cells_are_not_values():
    values, errors = RULES.parse_cells({"middleName": "  ", "email": "", "secPhone": None})
    assert values == {} and errors == []


def verdict(**changes):
    cells = {**VALID_CELLS, **changes}
    return CompiledRules(CTX).check_new(cells)


def fields_in_error(result):
    return sorted({e.field for e in result.errors})


def test_the_seed_example_row_is_valid_and_gets_defaults():
    result = verdict()
    assert result.ok
    assert result.record["status"] == 2  # the default status
    assert result.record["saleTransferPii"] is True
    assert result.record["gencode"] == "none"
    assert [w.message for w in result.warnings] == [
        "No mailing address was given, so mail goes to the primary address."
    ]


@pytest.mark.parametrize(
    "column",
    [
        "firstName",
        "lastName",
        "idType",
        "priPhone",
        "priPhoneType",
        "priAddress",
        "priCity",
        "priState",
        "priZipcode",
        "priCountry",
        "gender",
    ],
)
def test_always_required_for_an_individual(column):
    result = verdict(**{column: ""})
    assert fields_in_error(result) == [column]
    assert "required" in result.errors[0].message


def test_blank_customer_type_means_the_tenant_default():
    assert verdict(customerType="").record["customerType"] == "individual"
    company_default = RuleContext(CTX.statuses, CTX.status_titles, 2, "company", CTX.today)
    result = CompiledRules(company_default).check_new({**VALID_CELLS, "customerType": ""})
    assert fields_in_error(result) == ["companyContact", "companyName"]


@pytest.mark.parametrize("kind", ["company", "flooringCustomer"])
def test_company_types_need_company_name_and_contact_but_not_gender(kind):
    result = verdict(customerType=kind, gender="", creditLimit="5000")
    assert fields_in_error(result) == ["companyContact", "companyName"]
    assert "required for company and flooringCustomer" in result.errors[0].message
    ok = verdict(
        customerType=kind, gender="", companyName="Acme", companyContact="Jo", creditLimit="5000"
    )
    assert ok.ok


def test_flooring_customers_need_a_credit_limit():
    result = verdict(customerType="flooringCustomer", companyName="A", companyContact="B")
    assert fields_in_error(result) == ["creditLimit"]
    assert verdict(customerType="company", companyName="A", companyContact="B").ok


def test_secondary_phone_needs_its_type_and_a_type_needs_a_phone():
    assert fields_in_error(verdict(secPhone="8015550100")) == ["secPhoneType"]
    assert fields_in_error(verdict(secPhoneType="home")) == ["secPhoneType"]
    assert verdict(secPhone="8015550100", secPhoneType="home").ok


def test_additional_phones_and_types_pair_up():
    assert fields_in_error(verdict(additionalPhone="2031235254")) == ["additionalPhoneType"]
    result = verdict(additionalPhone="2031235254;8016300000", additionalPhoneType="cell")
    assert fields_in_error(result) == ["additionalPhoneType"]
    assert "2 additional phones but 1 phone types" in result.errors[0].message
    assert verdict(additionalPhone="2031235254;8016300000", additionalPhoneType="cell;home").ok


def test_income_needs_its_frequency():
    assert fields_in_error(verdict(employerIncome="3000")) == ["employerIncomeFreq"]
    assert verdict(employerIncome="3000", employerIncomeFreq="monthly").ok
    assert verdict(employerIncomeFreq="monthly").ok


def test_mailing_address_is_all_or_nothing():
    result = verdict(mailAddress="PO Box 1", mailCity="Albany")
    assert fields_in_error(result) == ["mailCountry", "mailState", "mailZipcode"]
    full = verdict(
        mailAddress="PO Box 1",
        mailCity="Albany",
        mailState="NY",
        mailZipcode="12201",
        mailCountry="usa",
    )
    assert full.ok and full.warnings == []


def test_state_and_postal_code_must_belong_to_the_country():
    result = verdict(priState="ON")
    assert fields_in_error(result) == ["priState"]
    assert "ON is not a state or province of United States" in result.errors[0].message
    assert "dropped a leading zero" in verdict(priZipcode="2134").errors[0].message
    assert fields_in_error(verdict(priCountry="can", priState="ON", priZipcode="12345")) == [
        "priZipcode"
    ]
    ok = verdict(priCountry="canada", priState="on", priZipcode="m5v2t6")
    assert ok.ok and ok.record["priZipcode"] == "M5V 2T6"
    assert verdict(priZipcode="123456789").record["priZipcode"] == "12345-6789"
    assert fields_in_error(verdict(employerState="ON", employerCountry="usa")) == ["employerState"]


def test_an_invalid_value_is_reported_once_not_also_as_missing():
    result = verdict(priPhone="12345")
    assert [(e.field, e.value) for e in result.errors] == [("priPhone", "12345")]


def test_last_name_case_formatting():
    assert verdict(lastName="hicks").record["lastName"] == "Hicks"
    assert verdict(lastName="HICKS").record["lastName"] == "Hicks"
    assert verdict(lastName="McDonald").record["lastName"] == "McDonald"
    assert verdict(lastName="o'brien").record["lastName"] == "O'Brien"
    assert verdict(lastName="smith-jones").record["lastName"] == "Smith-Jones"
    kept = CompiledRules(CTX).check_new({**VALID_CELLS, "lastName": "van der berg"}).record
    assert kept["lastName"] == "Van Der Berg"


def test_inactive_or_unknown_status_is_refused():
    result = verdict(status="Inactive")
    assert fields_in_error(result) == ["status"]


def test_unicode_digits_are_refused_not_crashed_on():
    """'²' passes str.isdigit() but int() refuses it: every numeric rule says no politely."""
    from webapp.rules.compiled import CompiledRules
    from webapp.rules.context import RuleContext

    values, errors = CompiledRules(RuleContext()).parse_cells(
        {"creditScoreExperian": "²", "ssn": "１２３４５６７８９", "priPhone": "②" * 10}
    )
    assert values == {} and {e.field for e in errors} == {"creditScoreExperian", "ssn", "priPhone"}
