"""A full SSN or EIN is on no page an agent opens; roles allowed to see one reveal it,
and each look is recorded: who saw which customer's number, and when."""

from webapp.customers.tabs import TABS
from webapp.models import ChangeEntry

HTMX = {"HX-Request": "true"}
# A company with both numbers: an SSN (123-45-6789) and an EIN (24-6813579).
COMPANY = {
    "customerType": "company",
    "companyName": "Tax Id Farms",
    "companyContact": "Tess Id",
    "ssn": "123456789",
    "idType": "employerNumber",
    "idNumber": "246813579",
}


def test_no_customer_page_holds_the_full_number(client, login, make_customer):
    customer = make_customer(**COMPANY)
    login("agent")
    urls = [f"/customers/{customer.id}/{key}" for key, _, _ in TABS]
    urls += [f"/customers/{customer.id}/edit", f"/customers/{customer.id}/summary/edit"]
    for url in urls:
        page = client.get(url).get_data(as_text=True)
        for number in ("123456789", "123-45-6789", "246813579", "24-6813579", "246-81-3579"):
            assert number not in page, (url, number)
    summary = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "•••-••-6789" in summary and "•••-••-3579" in summary
    assert ">Reveal<" not in summary  # agents see the last four only
    reveal = client.post(f"/customers/{customer.id}/reveal/ssn", headers=HTMX)
    assert reveal.status_code == 403
    assert not ChangeEntry.select().where(ChangeEntry.field == "Revealed").exists()


def test_a_manager_reveals_and_the_history_says_so(client, login, make_customer):
    customer = make_customer(ssn="123456789")
    login("manager")
    summary = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert ">Reveal<" in summary and "123-45-6789" not in summary
    shown = client.post(f"/customers/{customer.id}/reveal/ssn", headers=HTMX)
    assert shown.status_code == 200 and "123-45-6789" in shown.get_data(as_text=True)
    without_scripts = client.post(f"/customers/{customer.id}/reveal/ssn")
    assert "123-45-6789" in without_scripts.get_data(as_text=True)
    assert "<title>Summary" in without_scripts.get_data(as_text=True)
    looks = list(ChangeEntry.select().where(ChangeEntry.field == "Revealed"))
    assert [(e.customer_id, e.actor, e.new_value) for e in looks] == [
        (customer.id, "Test manager", "SSN / SIN")
    ] * 2
    assert looks[0].at is not None
    assert customer.version == type(customer).get_by_id(customer.id).version  # not a write
    history = client.get(f"/customers/{customer.id}/history").get_data(as_text=True)
    assert "Revealed" in history and "Test manager" in history


def test_a_masked_number_only_stands_for_the_stored_one(client, login, make_customer):
    """Sent back as shown it keeps the stored number; masked with other last four, or on a
    customer who has none, it is refused beside the field, never saved as typed."""
    from tests.test_customer_pages import FORM

    customer = make_customer(ssn="123456789")
    login("agent")
    data = {**FORM, "status": str(customer.status_id), "version": str(customer.version)}
    page = client.post(
        f"/customers/{customer.id}/edit", data={**data, "ssn": "•••-••-1111"}
    ).get_data(as_text=True)
    assert 'id="ssn-error">Type the whole number' in page
    assert type(customer).get_by_id(customer.id).ssn == "123456789"
    added = client.post("/customers/new", data={**FORM, "ssn": "***-**-6789"})
    assert "Type the whole number" in added.get_data(as_text=True)


def test_an_ein_is_revealed_as_an_ein_and_the_role_is_a_setting(app, client, login, make_customer):
    company = make_customer(**COMPANY)
    login("admin")
    shown = client.post(f"/customers/{company.id}/reveal/idNumber", headers=HTMX)
    assert "24-6813579" in shown.get_data(as_text=True)
    app.config["REVEAL_TAX_ID_ROLE"] = "admin"
    login("manager")
    assert ">Reveal<" not in client.get(f"/customers/{company.id}").get_data(as_text=True)
    assert client.post(f"/customers/{company.id}/reveal/idNumber", headers=HTMX).status_code == 403


def test_a_mistyped_reveal_role_stops_the_app_from_starting(app):
    import pytest

    from webapp import create_app

    with pytest.raises(RuntimeError, match="REVEAL_TAX_ID_ROLE"):
        create_app({"REVEAL_TAX_ID_ROLE": "Manager", "DATABASE_URL": app.config["DATABASE_URL"]})
