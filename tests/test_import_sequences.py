"""A file that touches a customer more than once applies row by row, as if each row were
its own request; a numeric customerId that names two customers is refused; a fresh
database has statuses; duplicates are judged against the database and the file's own
earlier rows. Each case failed in the first release."""

from click.testing import CliRunner

from tests.importfiles import csv_bytes, row
from tests.test_imports import errors_of, imported, uploaded, verified
from webapp.models import (
    Customer,
    CustomerLoan,
    CustomerStatus,
    ImportJob,
    ImportProblem,
    Loan,
)
from webapp.services import statuses as status_service


def counts(job, phase="import"):
    if phase == "verify":
        return job.would_add, job.would_update, job.would_remove, job.failed
    return job.added, job.updated, job.removed, job.failed


def test_case_2_two_updates_of_one_customer_merge(admin, run_worker, make_customer):
    customer = make_customer(importId="C1", email="old@example.com")
    rows = [
        {"action": "update", "customerId": "C1", "email": "new@example.com"},
        {"action": "update", "customerId": str(customer.id), "middleName": "Ray"},
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job) == (0, 2, 0, 0)
    stored = Customer.get_by_id(customer.id)
    assert (stored.email, stored.middle_name) == ("new@example.com", "Ray")


def test_case_2_remove_update_remove_counts_what_happened(admin, run_worker, make_customer):
    make_customer(importId="X")
    rows = [
        {"action": "remove", "customerId": "X"},
        {"action": "update", "customerId": "X", "email": "x@example.com"},
        {"action": "remove", "customerId": "X"},
    ]
    job = verified(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job, "verify") == (0, 0, 1, 2)
    assert [(line, column) for line, column, *_ in errors_of(job)] == [
        (3, "customerId"),
        (4, "customerId"),
    ]
    assert admin.post(f"/imports/{job.id}/import").status_code == 302
    run_worker()
    assert counts(ImportJob.get_by_id(job.id)) == (0, 0, 1, 2)


def test_case_2_add_remove_update_in_one_file_does_not_crash(admin, run_worker):
    rows = [
        row(importId="N"),
        {"action": "remove", "customerId": "N"},
        {"action": "update", "customerId": "N", "email": "n@example.com"},
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert job.state == "done", job.message
    assert counts(job) == (1, 0, 1, 1) and Customer.select().count() == 0
    assert [line for line, *_ in errors_of(job, "import")] == [4]


def test_an_import_id_a_removal_frees_is_taken_by_a_later_row_of_the_same_chunk(
    admin, run_worker, make_customer
):
    """The import re-checks unique values against the database; a customer an earlier
    row of the chunk removes no longer holds its own (found by the property test)."""
    leaving = make_customer(importId="K1")
    staying = make_customer(importId="")
    rows = [
        {"action": "remove", "customerId": str(leaving.id)},
        {"action": "update", "customerId": str(staying.id), "importId": "K1"},
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job) == (0, 1, 1, 0), errors_of(job, "import")
    assert Customer.get_by_id(staying.id).import_id == "K1"


def test_a_removal_after_an_update_that_gives_up_an_import_id_is_applied(
    admin, run_worker, make_customer
):
    """A waiting update that frees a unique value made the applier ask whether the next
    row takes it, a removal too, which has no values (found by the property test)."""
    renamed = make_customer(importId="K1")
    leaving = make_customer(importId="K2")
    rows = [
        {"action": "update", "customerId": "K1", "importId": "K9"},
        {"action": "remove", "customerId": "K2"},
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job) == (0, 1, 1, 0), errors_of(job, "import")
    assert Customer.get_by_id(renamed.id).import_id == "K9"
    assert Customer.get_or_none(id=leaving.id) is None


def test_case_3_a_fresh_database_gets_the_standard_statuses(app):
    result = CliRunner().invoke(app.cli, ["init-db"])
    assert result.exit_code == 0, result.output
    titles = [(s.title, s.is_default) for s in CustomerStatus.ordered()]
    assert ("Active", True) in titles and {t for t, _ in titles} == set(
        status_service.STANDARD_STATUSES
    )
    again = CliRunner().invoke(app.cli, ["init-db"])  # a second run adds nothing
    assert again.exit_code == 0 and CustomerStatus.select().count() == len(titles)


def test_case_3_no_default_status_is_refused_by_verify_naming_the_setting(
    client, login, users, run_worker
):
    status_service.create_status("Only")
    CustomerStatus.update(is_default=False).execute()
    login("admin")
    job = imported(client, run_worker, uploaded(client, csv_bytes([row(), row(status="Only")])))
    assert job.state == "done", job.message
    assert counts(job) == (1, 0, 0, 1)
    ((line, column, _, message),) = errors_of(job)
    assert (line, column) == (2, "status") and "Settings › Customer statuses" in message


def test_case_4_a_value_naming_two_customers_is_refused_as_ambiguous(
    admin, run_worker, make_customer
):
    first = make_customer(importId="A")
    second = make_customer(importId=str(first.id + 5))  # an import ID that looks like an ID
    third = make_customer(importId=str(first.id))  # customer #1's ID is #3's import ID
    rows = [
        {"action": "remove", "customerId": str(first.id)},
        {"action": "update", "customerId": str(first.id + 5), "middleName": "Q"},
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job) == (0, 1, 0, 1)
    ((line, column, _, message),) = errors_of(job, "import")
    assert (line, column) == (2, "customerId") and "ambiguous" in message
    assert f"customer #{first.id}" in message and f"customer #{third.id}" in message
    assert Customer.select().count() == 3 and Customer.get_by_id(second.id).middle_name == "Q"


def test_a_numeric_import_id_matches_when_no_customer_has_that_id(admin, run_worker, make_customer):
    holder = make_customer(importId="99")
    job = imported(
        admin, run_worker, uploaded(admin, csv_bytes([{"action": "remove", "customerId": "99"}]))
    )
    assert counts(job) == (0, 0, 1, 0) and Customer.get_or_none(id=holder.id) is None


def test_customers_the_file_adds_are_named_by_import_id_not_by_a_guessed_id(admin, run_worker):
    rows = [row(importId="NEW"), {"action": "update", "customerId": "1", "middleName": "Z"}]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job) == (1, 0, 0, 1)
    assert "named by their importId" in errors_of(job, "import")[0][3]


def test_case_5_same_ssn_and_birth_date_is_refused_naming_the_customer(
    admin, run_worker, make_customer
):
    existing = make_customer(ssn="123-45-6789", birthday="1980-02-03", email="e@example.com")
    rows = [
        row(ssn="123456789", birthday="1980-02-03", email="a@example.com"),
        row(ssn="123456789", birthday="1990-01-01", email="b@example.com"),
        row(importId="T1", ssn="555443333", birthday="1970-07-07", email="c@example.com"),
        row(importId="T2", ssn="555443333", birthday="1970-07-07", email="d@example.com"),
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert counts(job) == (2, 0, 0, 2)
    refused = errors_of(job, "import")
    assert [(line, column) for line, column, *_ in refused] == [(2, "ssn"), (5, "ssn")]
    assert f"Customer #{existing.id} has the same SSN and date of birth" in refused[0][3]
    assert "The customer line 4 of this file adds has the same SSN" in refused[1][3]
    warned = ImportProblem.select().where(
        (ImportProblem.phase == "import")
        & (ImportProblem.severity == "warning")
        & (ImportProblem.column == "ssn")
    )
    assert [w.line for w in warned] == [3]  # same SSN, another birth date: added, warned


def test_possible_duplicates_can_be_refused_by_the_admins_choice(admin, run_worker, make_customer):
    make_customer(email="taken@example.com")
    elsewhere = {
        "priPhone": "2125550199",
        "priAddress": "9 Far Rd",
        "priZipcode": "10001",
        "priCity": "New York",
    }
    content = csv_bytes(
        [row(email="taken@example.com", **elsewhere), row(email="free@example.com", **elsewhere)]
    )
    job = imported(admin, run_worker, uploaded(admin, content, refuse_duplicates="y"))
    assert counts(job) == (1, 0, 0, 1)
    assert [(line, column) for line, column, *_ in errors_of(job, "import")] == [(2, "email")]


def test_removing_a_loans_only_primary_is_a_warning_naming_the_loan(
    admin, run_worker, make_customer
):
    customer = make_customer(importId="P")
    CustomerLoan.create(customer=customer, loan=Loan.create(display_id="LN-1007"))
    job = imported(
        admin, run_worker, uploaded(admin, csv_bytes([{"action": "remove", "customerId": "P"}]))
    )
    assert counts(job) == (0, 0, 1, 0) and Loan.select().count() == 1
    warning = ImportProblem.get(
        (ImportProblem.phase == "verify") & (ImportProblem.severity == "warning")
    )
    assert "LN-1007 will have no primary customer" in warning.message
