"""Case 5: possible duplicates on the form and through the API (the import's are in
test_import_sequences.py): the same SSN and birth date is refused naming the customer,
a shared SSN, email, phone or address asks for a confirmation."""

from tests.conftest import BASE
from tests.test_api import NEW_CUSTOMER
from webapp.models import Customer
from webapp.services.duplicates import MATCHES_NAMED, warning

FORM = {
    "customerType": "individual",
    "firstName": "Ann",
    "lastName": "Lee",
    "gender": "female",
    "idType": "ssn",
    "ssn": "123-45-6789",
    "birthday": "1980-02-03",
    "priPhone": "(801) 555-0100",
    "priPhoneType": "cell",
    "priAddress": "1 Main St",
    "priCity": "Provo",
    "priState": "UT",
    "priZipcode": "84601",
    "priCountry": "usa",
    "mailSameAsPrimary": "y",
    "saleTransferPii": "1",
    "gencode": "none",
}


def test_the_same_person_is_refused_beside_the_ssn_with_the_customer_named(
    client, login, make_customer
):
    existing = make_customer(ssn="123456789", birthday="1980-02-03")
    login("agent")
    page = client.post("/customers/new", data=FORM).get_data(True)
    assert f'id="ssn-error">Customer #{existing.id} has the same SSN and date of birth' in page
    assert Customer.select().count() == 1


def test_a_shared_email_is_saved_once_confirmed(client, login, make_customer):
    existing = make_customer(email="ann@example.com")
    login("agent")
    data = {**FORM, "email": "ANN@example.com"}
    asked = client.post("/customers/new", data=data).get_data(True)
    assert "Possible duplicates" in asked and "the same email" in asked
    assert f'href="/customers/{existing.id}"' in asked
    assert f'name="confirmDuplicates" value="{existing.id}"' in asked
    assert 'value="Ann"' in asked and Customer.select().count() == 1  # typed values kept
    saved = client.post("/customers/new", data={**data, "confirmDuplicates": str(existing.id)})
    assert saved.status_code == 302 and Customer.select().count() == 2


def test_a_confirmation_covers_only_the_customers_it_was_shown(client, login, make_customer):
    first = make_customer(email="ann@example.com")
    second = make_customer(priPhone="8015550100", email="other@example.com")
    login("agent")
    data = {**FORM, "email": "ann@example.com", "confirmDuplicates": str(first.id)}
    asked = client.post("/customers/new", data=data).get_data(True)
    assert f'href="/customers/{second.id}"' in asked and Customer.select().count() == 2


def test_api_warns_like_loanpro_and_ignore_warnings_saves(api, make_customer):
    existing = make_customer(email="nora@example.com")
    warned = api("post", f"{BASE}/Customers()", json=NEW_CUSTOMER)
    assert warned.status_code == 409
    error = warned.get_json()["error"]
    assert error["type"] == "TransactionWarningException"
    assert error["details"][0]["customerIds"] == [existing.id]
    saved = api("post", f"{BASE}/Customers()", json={**NEW_CUSTOMER, "__ignoreWarnings": True})
    assert saved.status_code == 200
    same_person = api(
        "post",
        f"{BASE}/Customers()",
        json={
            **NEW_CUSTOMER,
            "email": "x@example.com",
            "customId": "NQ-2",
            "__ignoreWarnings": True,
        },
    )
    assert same_person.status_code == 409
    assert "same SSN and date of birth" in str(same_person.get_json())


def test_a_warning_counts_the_holders_it_does_not_name_in_plain_words():
    named = [f"#{n}" for n in range(MATCHES_NAMED)]
    one_more = warning("phone", "priPhone", "(801) 555-0100", named, MATCHES_NAMED + 1, str)
    assert f"{named[-1]} and 1 more customer have the same phone number" in one_more.message
    many = warning("phone", "priPhone", "(801) 555-0100", named, MATCHES_NAMED + 2, str)
    assert "and 2 more customers have" in many.message
    alone = warning("phone", "priPhone", "(801) 555-0100", named[:1], 1, str)
    assert alone.message.startswith("Possible duplicate: #0 has the same phone number")


def test_holders_are_named_stored_customers_by_id_then_file_lines_by_line(
    admin, run_worker, make_customer
):
    """Listed as text, the customer line 10 adds came before line 2's, and file lines
    before stored customers."""
    from tests.importfiles import csv_bytes, row
    from tests.test_imports import uploaded, verified
    from webapp.models import ImportProblem

    shared = "shared@example.com"
    stored = sorted(make_customer(email=shared).id for _ in range(2))
    rows = [row(email=shared) for _ in range(11)]  # lines 2-12
    job = verified(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert job.state == "verified", job.message
    message = {
        p.line: p.message
        for p in ImportProblem.select().where(
            (ImportProblem.job == job) & (ImportProblem.column == "email")
        )
    }
    first, second = stored
    assert message[12] == (
        f"Possible duplicate: customer #{first}, customer #{second}, the customer line 2 of"
        f" this file adds and 9 more customers have the same email ({shared})."
    )
