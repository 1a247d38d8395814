"""Customer services: what they store, what they refuse, and the history they leave."""

import json

import pytest

from webapp.models import (
    ChangeEntry,
    Communication,
    Customer,
    CustomerLoan,
    Loan,
    Note,
    Phone,
    Reference,
)
from webapp.rules.compiled import CompiledRules
from webapp.rules.context import RuleContext
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import (
    RecordRejected,
    delete_customer,
    delete_customers,
    update_customer,
)
from webapp.services.history import created_fields
from webapp.services.passwords import password_matches
from webapp.services.versions import StaleVersion

ACTOR = Actor.system("test")


def changed(customer, **cells):
    verdict = CompiledRules(RuleContext.load()).check_change(read_record(customer), cells)
    assert verdict.ok, verdict.errors
    return update_customer(customer, verdict.record, ACTOR)


def test_create_stores_every_section(make_customer):
    customer = make_customer(
        importId="C-1",
        email="Dave@Example.com",
        secPhone="801-555-0100",
        secPhoneType="home",
        additionalPhone="2031235254;8016300000",
        additionalPhoneType="cell;fax",
        mailAddress="PO Box 7",
        mailCity="Albany",
        mailState="NY",
        mailZipcode="12201",
        mailCountry="usa",
        employerName="Acme",
        employerIncome="3000",
        employerIncomeFreq="monthly",
        password="Secret12",
        creditScoreEquifax="700",
    )
    stored = Customer.get_by_id(customer.id)
    record = read_record(stored)
    assert record["importId"] == "C-1" and record["username"] == "dave@example.com"
    assert record["secPhone"] == "8015550100"
    assert record["additionalPhone"] == ["2031235254", "8016300000"]
    assert record["additionalPhoneType"] == ["cell", "fax"]
    assert record["mailCity"] == "Albany" and stored.mail_same_as_primary is False
    assert record["employerIncomeFreq"] == "monthly"
    assert record["password"] is None  # never readable
    assert password_matches(stored.password_hash, "Secret12")
    assert stored.password_hash.startswith("$argon2")
    assert stored.ssn_last4 == "9999" and stored.email_key == "dave@example.com"


def test_username_defaults_to_email_then_name_and_is_made_unique(make_customer):
    assert make_customer(email="a@example.com").username == "a@example.com"
    assert make_customer(importId="2").username == "davidhicks"
    assert make_customer(importId="3").username == "davidhicks2"
    assert make_customer(importId="4", email="a@example.com").username == "davidhicks3"


def test_taken_username_or_import_id_is_refused_beside_the_field(make_customer):
    first = make_customer(importId="SAME", username="taken")
    with pytest.raises(RecordRejected) as refused:
        make_customer(importId="SAME", username="taken")
    assert {e.field for e in refused.value.errors} == {"importId", "username"}
    assert f"Customer #{first.id} already has the import ID 'SAME'" in str(refused.value)
    assert Customer.select().count() == 1  # nothing half-written


def test_update_records_each_changed_field_with_old_and_new(make_customer, users):
    customer = make_customer(ssn="123-45-6789")
    actor = Actor(users["agent"], "ui")
    record = {
        **read_record(customer),
        "priPhone": "3855550199",
        "ssn": "987654321",
        "email": "new@example.com",
        "password": "Another1",
    }
    assert update_customer(customer, record, actor) == 4
    entries = {e.field: e for e in ChangeEntry.select().where(ChangeEntry.action == "update")}
    assert set(entries) == {"priPhone", "ssn", "email", "password"}
    phone = entries["priPhone"]
    assert (phone.old_value, phone.new_value) == ("(987) 654-3210", "(385) 555-0199")
    assert (phone.actor, phone.source, phone.user_id) == ("Test agent", "ui", users["agent"].id)
    # SSNs are cut to the last four and passwords never written, even in history.
    assert (entries["ssn"].old_value, entries["ssn"].new_value) == ("•••-••-6789", "•••-••-4321")
    assert entries["password"].new_value == "(changed)"
    assert "Another1" not in json.dumps([e.new_value for e in entries.values()])


def test_unchanged_save_writes_no_history(make_customer):
    customer = make_customer()
    assert update_customer(customer, read_record(customer), ACTOR) == 0
    assert ChangeEntry.select().where(ChangeEntry.action == "update").count() == 0


def test_create_is_recorded_without_full_ssn_or_password(make_customer):
    customer = make_customer(password="Secret12")
    entry = ChangeEntry.get(ChangeEntry.customer_id == customer.id)
    shown = dict(created_fields(entry))
    assert entry.action == "create" and entry.source == "test"
    assert shown["First name"] == "David" and shown["SSN / SIN"] == "•••-••-9999"
    assert shown["Web password"] == "(set)" and shown["Status"].startswith("Active (ID")
    assert "999999999" not in entry.new_value and "Secret12" not in entry.new_value


def test_phone_marks_survive_an_edit_that_keeps_the_number(make_customer):
    customer = make_customer(secPhone="8015550100", secPhoneType="home")
    Phone.update(do_not_call=True, verified=True).where(Phone.number == "8015550100").execute()
    changed(customer, priPhone="3855550199")
    kept = Phone.get(Phone.number == "8015550100")
    assert kept.do_not_call and kept.verified and kept.is_secondary


def test_update_blank_cells_leave_values_and_fill_empty_mode(make_customer):
    customer = make_customer(email="old@example.com")
    rules = CompiledRules(RuleContext.load())
    record = read_record(customer)
    overwrite = rules.check_change(
        record, {"email": "new@example.com", "middleName": "Q", "firstName": ""}
    )
    assert overwrite.record["email"] == "new@example.com"
    assert overwrite.record["firstName"] == "David"  # blank left it alone
    fill = rules.check_change(
        record, {"email": "new@example.com", "middleName": "Q"}, mode="fill-empty"
    )
    assert fill.record["email"] == "old@example.com" and fill.record["middleName"] == "Q"


def test_merged_record_must_still_pass_every_rule(make_customer):
    customer = make_customer()
    verdict = CompiledRules(RuleContext.load()).check_change(
        read_record(customer), {"customerType": "company"}
    )
    assert {e.field for e in verdict.errors} == {"companyName", "companyContact"}


def test_delete_removes_customer_level_data_keeps_loans_and_leaves_a_tombstone(
    make_customer, users
):
    customer = make_customer(importId="GONE", ssn="111-22-3333")
    other = make_customer(importId="STAYS")
    loan = Loan.create(display_id="LN-1")
    CustomerLoan.create(customer=customer, loan=loan, role="primary")
    CustomerLoan.create(customer=other, loan=loan, role="secondary")
    Note.create(customer=customer, title="Called", body="Left a message")
    Reference.create(customer=customer, name="Pat Roe")
    Communication.create(customer=customer, channel="sms", body_excerpt="Hi")
    changed(customer, email="x@example.com")
    customer_id = customer.id

    removed = delete_customer(customer, Actor(users["manager"], "ui"))

    assert removed["phones"] == 1 and removed["loan links"] == 1 and removed["notes"] == 1
    assert Customer.get_or_none(Customer.id == customer_id) is None
    assert Loan.get_or_none(Loan.id == loan.id) is not None
    assert CustomerLoan.select().where(CustomerLoan.loan == loan).count() == 1
    assert Note.select().count() == Reference.select().count() == 0
    history = list(ChangeEntry.select().where(ChangeEntry.customer_id == customer_id))
    assert len(history) == 1
    tombstone = history[0]
    assert (tombstone.action, tombstone.actor) == ("delete", "Test manager")
    assert "GONE" not in tombstone.new_value and "3333" not in tombstone.new_value
    assert json.loads(tombstone.new_value)["removed"]["references"] == 1
    # The other customer and its history are untouched.
    assert ChangeEntry.select().where(ChangeEntry.customer_id == other.id).count() == 1


def test_many_deleted_at_once_each_count_their_own_rows_or_none_go_if_one_changed(
    make_customer,
):
    """An import's removals go together: each tombstone counts that customer's rows, and
    one customer changed since its expected version keeps every one of them."""
    first, second, third = (make_customer(importId=f"D{i}") for i in range(3))
    Note.create(customer=first, title="Called", body="Left a message")
    Note.create(customer=first, title="Again", body="No answer")
    Reference.create(customer=second, name="Pat Roe")
    changed(third, email="x@example.com")  # third is at version 2 now
    with pytest.raises(StaleVersion) as refused:
        delete_customers({first.id: 1, second.id: 1, third.id: 1}, ACTOR)
    assert (refused.value.customer_id, refused.value.current) == (third.id, 2)
    assert Customer.select().count() == 3 and Note.select().count() == 2

    removed = delete_customers({first.id: 1, second.id: 1, third.id: None}, ACTOR)
    assert (removed[first.id]["notes"], removed[first.id]["references"]) == (2, 0)
    assert (removed[second.id]["notes"], removed[second.id]["references"]) == (0, 1)
    assert Customer.select().count() == Note.select().count() == Reference.select().count() == 0
    tombstones = {
        e.customer_id: json.loads(e.new_value)["removed"]
        for e in ChangeEntry.select()
        if e.action == "delete"
    }
    assert tombstones == removed and ChangeEntry.select().count() == 3


def test_a_deleted_customers_id_is_never_given_again(make_customer):
    first = make_customer(importId="A")
    last = make_customer(importId="B")
    delete_customer(last, ACTOR)
    assert make_customer(importId="C").id == last.id + 1 > first.id
