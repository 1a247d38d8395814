"""Two writers, one customer: every write advances the customer's version, a form or API
write made against an older version is refused with what changed and by whom, section
forms save only their own fields, and a stored value today's rules refuse never blocks
saving the fields a person did change."""

import re

import pytest

from tests.conftest import BASE
from tests.test_customer_tools import form_fields
from webapp.models import ChangeEntry, Customer, CustomerLoan, Loan
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.services import history, phones, versions
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer

HX = {"HX-Request": "true"}


def opened_version(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', html)[1]


def section_post(client, customer, tab, version, **changes):
    """What a browser posts from a tab's edit form opened at `version`."""
    html = client.get(f"/customers/{customer.id}/{tab}/edit", headers=HX).get_data(True)
    names = set(re.findall(r'name="([A-Za-z]+)"', html)) - {"csrf_token"}
    data = {k: v for k, v in form_fields(customer).items() if k in names}
    return client.post(
        f"/customers/{customer.id}/{tab}/edit",
        headers=HX,
        data={**data, **changes, "version": version},
    ).get_data(True)


@pytest.fixture
def customer(make_customer):
    return make_customer(middleName="Lee", email="david@example.com")


def test_every_write_path_advances_the_version_and_tags_its_history(customer, users):
    actor = Actor(users["agent"], "ui")
    assert Customer.get_by_id(customer.id).version == 1
    record = {**read_record(customer), "email": "new@example.com"}
    update_customer(Customer.get_by_id(customer.id), record, actor)
    phones.add_phone(customer, "2015550123", "home", actor)
    history.record_action(customer.id, actor, "tools", "OFAC check", "no match")
    assert Customer.get_by_id(customer.id).version == 3  # the check changed no data
    tagged = [(e.field, e.version) for e in ChangeEntry.select().order_by(ChangeEntry.id)]
    assert tagged == [(None, 1), ("email", 2), ("Phone added", 3), ("OFAC check", None)]


def test_case_1_a_stale_tab_save_is_refused_and_keeps_what_was_typed(
    client, login, customer, statuses
):
    login("agent")
    agent_version = opened_version(
        client.get(f"/customers/{customer.id}/contact/edit", headers=HX).get_data(True)
    )
    # Meanwhile a manager sets the status (through the service, as another session would).
    manager = Actor(None, "ui")
    current = Customer.get_by_id(customer.id)
    update_customer(current, {**read_record(current), "status": statuses["Bankruptcy"].id}, manager)
    refused = section_post(client, customer, "contact", agent_version, email="agent@example.com")
    assert "someone else changed this customer" in refused
    assert "Status" in refused and "Bankruptcy" in refused  # what changed, shown
    assert 'value="agent@example.com"' in refused  # the typed value is still there
    assert "Saved now" not in refused  # no field of this form was changed by the other
    stored = Customer.get_by_id(customer.id)
    assert stored.email == "david@example.com" and stored.status_id == statuses["Bankruptcy"].id
    # Saving again, now knowing what changed, stores the email and nothing else.
    saved = section_post(
        client, customer, "contact", opened_version(refused), email="agent@example.com"
    )
    assert "Saved: 1 field changed." in saved
    stored = Customer.get_by_id(customer.id)
    assert (stored.email, stored.status_id, stored.middle_name) == (
        "agent@example.com",
        statuses["Bankruptcy"].id,
        "Lee",
    )
    who = {e.field: e.source for e in ChangeEntry.select().where(ChangeEntry.action == "update")}
    assert who == {"status": "ui", "email": "ui"}


def test_a_tab_form_saves_only_its_own_fields(client, login, customer, statuses):
    """The first release posted hidden copies of every other section; a stale copy then
    reverted other people's changes. Whatever else is posted, a tab writes its fields."""
    login("agent")
    html = client.get(f"/customers/{customer.id}/contact/edit", headers=HX).get_data(True)
    posted = {
        **form_fields(customer),
        "status": str(statuses["Bankruptcy"].id),
        "middleName": "",
        "email": "e@example.com",
        "version": opened_version(html),
    }
    client.post(f"/customers/{customer.id}/contact/edit", headers=HX, data=posted)
    stored = Customer.get_by_id(customer.id)
    assert (stored.email, stored.middle_name, stored.status_id) == (
        "e@example.com",
        "Lee",
        statuses["Active"].id,
    )


def test_full_edit_against_a_newer_version_shows_the_saved_values_beside_the_typed(
    client, login, customer
):
    login("agent")
    url = f"/customers/{customer.id}/edit"
    version = opened_version(client.get(url).get_data(True))
    current = Customer.get_by_id(customer.id)
    update_customer(
        current, {**read_record(current), "firstName": "Dave"}, Actor(None, "api · billing")
    )
    data = {
        **form_fields(customer),
        "firstName": "David",
        "email": "x@example.com",
        "version": version,
    }
    refused = client.post(url, data=data).get_data(True)
    assert "someone else changed this customer" in refused and "api · billing" in refused
    assert "Saved now: <strong>Dave</strong>" in refused  # beside the typed "David"
    assert 'value="x@example.com"' in refused
    assert Customer.get_by_id(customer.id).email == "david@example.com"


def test_case_6_a_stored_value_todays_rules_refuse_never_blocks_other_changes(
    client, login, customer
):
    # Old data: a username the rule refuses (accents), as the first release made them.
    Customer.update(username="renée.x@example.com").where(Customer.id == customer.id).execute()
    login("agent")
    url = f"/customers/{customer.id}/summary/edit"
    opened = client.get(url, headers=HX).get_data(True)
    assert "Stored values that need attention" in opened and "Web username" in opened
    saved = section_post(client, customer, "summary", opened_version(opened), firstName="Davey")
    assert "Saved: 1 field changed." in saved
    stored = Customer.get_by_id(customer.id)
    assert (stored.first_name, stored.username) == ("Davey", "renée.x@example.com")
    # Changing the value itself is judged as usual.
    refused = section_post(client, customer, "summary", str(stored.version), username="zoë!")
    assert "Nothing was saved" in refused
    # The importer and the API follow the same rule: an update row that sends the stored
    # value back is applied, with a warning naming it.
    rules = CompiledRules(RuleContext.load())
    verdict = rules.check_change(
        read_record(stored), {"username": "renée.x@example.com", "lastName": "Hicks-Lee"}
    )
    assert verdict.ok and verdict.record["lastName"] == "Hicks-Lee"
    assert [w.field for w in verdict.warnings] == ["username"]


def test_generated_usernames_follow_the_username_rule(make_customer):
    renee = make_customer(firstName="Renée", lastName="Lopez", email="renée.lopez@example.com")
    zoe = make_customer(firstName="Zoë", lastName="Nguyễn", email="")
    assert renee.username == "renee.lopez@example.com" and zoe.username == "zoenguyen"


def test_api_etag_and_if_match(api, customer):
    url = f"{BASE}/Customers({customer.id})"
    got = api("get", url)
    assert got.headers["ETag"] == '"1"'
    changed = api("put", url, json={"email": "a@example.com"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    stale = api("put", url, json={"email": "b@example.com"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    body = stale.get_json()["error"]
    assert body["type"] == "PreconditionFailed" and "a@example.com" in str(body["details"])
    assert Customer.get_by_id(customer.id).email == "a@example.com"
    # Without If-Match a PUT changes only what it names, on the customer as it is now.
    assert api("put", url, json={"middleName": "Q"}).status_code == 200
    assert api("delete", url, role="manager", headers={"If-Match": '"2"'}).status_code == 412
    assert api("delete", url, role="manager", headers={"If-Match": '"3"'}).status_code == 200


def test_a_write_from_an_older_read_is_refused_by_the_service(customer, users):
    """The compare and the set are one step: a record merged from an older read cannot
    overwrite a newer one, whatever path it came by."""
    first, second = Customer.get_by_id(customer.id), Customer.get_by_id(customer.id)
    update_customer(
        first, {**read_record(first), "email": "one@example.com"}, Actor(users["agent"], "ui")
    )
    with pytest.raises(versions.StaleVersion) as stale:
        update_customer(
            second, {**read_record(second), "firstName": "Two"}, Actor(users["manager"], "ui")
        )
    assert [e.field for e in stale.value.changes()] == ["email"]
    assert Customer.get_by_id(customer.id).first_name == "David"


def test_deleting_a_loans_only_primary_says_so_and_a_stale_delete_asks_again(
    client, login, customer
):
    loan = Loan.create(display_id="LN-1007")
    CustomerLoan.create(customer=customer, loan=loan, role="primary")
    login("manager")
    url = f"/customers/{customer.id}/delete"
    page = client.get(url).get_data(True)
    assert "Loan <strong>LN-1007</strong> will have no primary customer" in page
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    current = Customer.get_by_id(customer.id)
    update_customer(
        current, {**read_record(current), "email": "late@example.com"}, Actor(None, "api · billing")
    )
    again = client.post(url, data={"version": version}).get_data(True)
    assert "Not deleted: the customer changed" in again and "late@example.com" in again
    assert Customer.get_or_none(id=customer.id) is not None
    version = re.search(r'name="version" value="(\d+)"', again)[1]
    assert client.post(url, data={"version": version}).status_code == 302
    assert Customer.get_or_none(id=customer.id) is None and Loan.get_by_id(loan.id)


def test_employer_tab_save_against_a_newer_version_is_refused(client, login, customer):
    login("agent")
    url = f"/customers/{customer.id}/employer/edit"
    opened = client.get(url, headers=HX).get_data(True)
    version = re.search(r'name="version" value="(\d+)"', opened)[1]
    current = Customer.get_by_id(customer.id)
    update_customer(
        current, {**read_record(current), "employerName": "Acme"}, Actor(None, "api · hr")
    )
    refused = client.post(
        url, headers=HX, data={"employerName": "Globex", "version": version}
    ).get_data(True)
    assert "someone else changed this customer" in refused and "api · hr" in refused
    assert 'value="Globex"' in refused
    assert Customer.get_by_id(customer.id).employers[0].name == "Acme"
    version = re.search(r'name="version" value="(\d+)"', refused)[1]
    client.post(url, headers=HX, data={"employerName": "Globex", "version": version})
    assert Customer.get_by_id(customer.id).employers[0].name == "Globex"


def test_a_form_that_says_no_version_is_refused_not_trusted(client, login, customer):
    """A tab opened before this release, or a post not made by our pages, cannot say
    what it would overwrite: it is refused, the typed values kept, the current version
    put in the form."""
    login("agent")
    data = {k: v for k, v in form_fields(customer).items() if k != "version"}
    refused = client.post(
        f"/customers/{customer.id}/summary/edit", headers=HX, data={**data, "firstName": "Davey"}
    ).get_data(True)
    assert "did not say which version" in refused and 'value="Davey"' in refused
    assert Customer.get_by_id(customer.id).first_name == "David"
    saved = section_post(client, customer, "summary", opened_version(refused), firstName="Davey")
    assert "Saved: 1 field changed." in saved
