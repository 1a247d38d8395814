"""The field table is the one record of every fact about a customer field. These tests walk
it: every field has each fact and each fact points at something real; every column of
the customer's tables is accounted for, and a privacy erase clears every personal one;
the DEFAULT_CUSTOMER_TYPE setting reaches the form, the API, the importer and the
instructions alike."""

import io

import pytest
from peewee import ForeignKeyField

from tests.conftest import BASE
from tests.importfiles import csv_bytes, row
from webapp.api import fields as api_fields
from webapp.models import ALL_MODELS, Address, Customer, CustomerLoan, Employer, ImportJob, Phone
from webapp.rules.customer_fields import (
    BOOKKEEPING_COLUMNS,
    CUSTOMER_FIELDS,
    DERIVED_COLUMNS,
    FIELDS_BY_NAME,
    SECTION_PLACES,
)
from webapp.rules.parsers import PARSERS
from webapp.rules.spec import PERSONAL_KINDS
from webapp.services.actor import Actor
from webapp.services.customers import PERSONAL_ROWS
from webapp.services.privacy import ERASED_COLUMNS, erase_personal_data

TABLES = {"customer": Customer, "address": Address, "employer": Employer, "phone": Phone}
ROW_KINDS = {"address": ("primary", "mailing"), "phone": ("primary", "secondary", "additional")}
# Columns of the customer's own rows that no field fills: how a row is kept, not data.
ROW_BOOKKEEPING = {
    "address": {"id", "customer", "kind", "verified", "validated", "street_key"},
    "phone": {
        "number_reversed",
        "id",
        "customer",
        "position",
        "is_primary",
        "is_secondary",
        "do_not_call",
        "verified",
    },
    "employer": {"id", "customer"},
}
# Rows linked to a customer that an erase keeps: the loan links a lender must keep.
KEPT_ROWS = {CustomerLoan}


@pytest.mark.parametrize("spec", CUSTOMER_FIELDS, ids=lambda s: s.name)
def test_every_field_has_every_fact(spec):
    assert spec.label and spec.description, "label and description for people"
    assert spec.kind in PARSERS, "a parser"
    assert spec.section in SECTION_PLACES, "a place where it shows"
    assert spec.requirement, "a requirement in words"
    if spec.kind in ("choice", "choice_list"):
        assert spec.choices and set(spec.choice_labels) == set(spec.choices)
    assert spec.personal in PERSONAL_KINDS
    model = TABLES[spec.table]
    assert spec.row_kind in ROW_KINDS.get(spec.table, (None,)), "a row of a known kind"
    assert spec.column_name in model._meta.fields, "a stored column"
    assert spec.api and (not spec.api_prefix or spec.api_prefix.endswith("."))
    for default in (spec.default, spec.initial):
        if default is not None and spec.choices:
            assert default in spec.choices


@pytest.mark.parametrize(
    "spec", [s for s in CUSTOMER_FIELDS if not s.api.startswith("Phones.")], ids=lambda s: s.name
)
def test_every_api_name_reaches_its_field(spec):
    """A LoanPro body naming the field (nested where LoanPro nests it, with its enum
    prefix) arrives as that field's cell."""
    path = spec.api.split(".")
    body = (
        {path[0]: {path[1]: f"{spec.api_prefix}value"}}
        if len(path) == 2
        else {path[0]: f"{spec.api_prefix}value"}
    )
    cells, _ = api_fields.request_cells(body)
    assert cells == {spec.name: "value"}
    assert api_fields.loanpro_field(spec.name) == spec.api


def test_api_names_are_unique_except_the_phone_list():
    names = [s.api for s in CUSTOMER_FIELDS if not s.api.startswith("Phones.")]
    assert len(names) == len(set(names))


def test_every_column_of_the_customers_tables_is_accounted_for():
    """A column added without a fact in the table (a new personal field that erase would
    miss) fails here."""
    stored = {s.column for s in CUSTOMER_FIELDS}
    customer_columns = {f"customer.{f.name}" for f in Customer._meta.sorted_fields}
    known = stored | set(DERIVED_COLUMNS) | set(BOOKKEEPING_COLUMNS)
    assert customer_columns - known == set()
    for table, model in (("address", Address), ("phone", Phone), ("employer", Employer)):
        by_fields = {s.column_name for s in CUSTOMER_FIELDS if s.table == table}
        columns = {f.name for f in model._meta.sorted_fields}
        assert columns - by_fields - ROW_BOOKKEEPING[table] == set(), table
    # Every other table that hangs off a customer is removed by an erase, or kept on purpose.
    linked = {
        m
        for m in ALL_MODELS
        for f in m._meta.sorted_fields
        if isinstance(f, ForeignKeyField) and f.rel_model is Customer
    }
    assert linked - {model for _, model in PERSONAL_ROWS} == KEPT_ROWS


def test_erase_clears_every_personal_column_and_keeps_the_rest(make_customer):
    customer = make_customer(
        importId="ERASE-1",
        middleName="Q",
        email="d@example.com",
        username="dquill",
        password="Secret123!",
        driversLicense="D123",
        creditScoreExperian="700",
        creditScoreEquifax="701",
        creditScoreTransunion="702",
        secPhone="5555550101",
        secPhoneType="home",
        mailAddress="PO Box 1",
        mailCity="Albany",
        mailState="NY",
        mailZipcode="12207",
        mailCountry="usa",
        employerName="Acme",
        employerIncome="10",
        employerIncomeFreq="monthly",
    )
    before = Customer.select().where(Customer.id == customer.id).dicts().get()
    erase_personal_data(customer, "ccpa", Actor.system("test"))
    after = Customer.select().where(Customer.id == customer.id).dicts().get()

    personal = {
        s.column_name for s in CUSTOMER_FIELDS if s.table == "customer" and s.personal != "no"
    }
    personal |= {
        c.split(".")[1]
        for c, source in DERIVED_COLUMNS.items()
        if FIELDS_BY_NAME[source].personal != "no"
    }
    assert personal == set(ERASED_COLUMNS)
    for column in personal:
        assert after[column] == ERASED_COLUMNS[column], column
    assert [
        c
        for c in personal
        if before[c] not in (None, "", ERASED_COLUMNS[c]) and after[c] == before[c]
    ] == []
    kept = {s.column_name for s in CUSTOMER_FIELDS if s.table == "customer" and s.personal == "no"}
    assert {c: after[c] for c in kept} == {c: before[c] for c in kept}
    for _, model in PERSONAL_ROWS:
        assert not model.select().where(model.customer == customer.id).exists(), model


# ---- one default, everywhere ----------------------------------------------------------


@pytest.fixture
def companies_by_default(app, monkeypatch):
    app.config["DEFAULT_CUSTOMER_TYPE"] = "company"
    monkeypatch.setenv("DEFAULT_CUSTOMER_TYPE", "company")  # for the worker


COMPANY = {"companyName": "Quill Ltd", "companyContact": "Nora Quill"}


def test_default_customer_type_reaches_form_api_importer_and_instructions(
    companies_by_default, statuses, client, login, api, run_worker
):
    login("admin")
    form = client.get("/customers/new").get_data(as_text=True)
    assert '<option selected value="company">' in form

    instructions = client.get("/imports/instructions").get_data(as_text=True)
    assert "Optional (blank: company)" in instructions
    assert "Optional (blank: individual)" not in instructions

    body = {
        "firstName": "Nora",
        "lastName": "Quill",
        "contactName": "Nora Quill",
        "companyName": "Quill Ltd",
        "customId": "API-CO",
        "PrimaryAddress": {
            "address1": "12 Bay Rd",
            "city": "Trenton",
            "state": "NJ",
            "zipcode": "08608",
            "country": "usa",
        },
        "Phones": [{"phone": "6095550100", "type": "customer.phoneType.office"}],
    }
    created = api("post", f"{BASE}/Customers()", json=body)
    assert created.status_code < 300, created.get_data(as_text=True)
    assert Customer.get(Customer.import_id == "API-CO").customer_type == "company"

    line = row(importId="FILE-CO", customerType="", gender="", **COMPANY)
    data = {
        "file": (io.BytesIO(csv_bytes([line])), "co.csv"),
        "merge_mode": "overwrite",
        "has_header": "y",
    }
    assert client.post("/imports", data=data, content_type="multipart/form-data").status_code == 302
    job = ImportJob.select().order_by(ImportJob.id.desc()).get()
    client.post(f"/imports/{job.id}/verify")
    run_worker()
    client.post(f"/imports/{job.id}/import")
    run_worker()
    assert ImportJob.get_by_id(job.id).added == 1, ImportJob.get_by_id(job.id).message
    assert Customer.get(Customer.import_id == "FILE-CO").customer_type == "company"
