"""Undoing an import on a real RQ worker: the customers it added go, those it updated get
their values back, those someone changed since are left alone and listed, removals stay.
An undo stopped midway goes on with the customers not yet handled, never one twice."""

import pytest

from tests.importfiles import csv_bytes, row
from tests.test_imports import errors_of, imported, uploaded
from webapp.importing import lifecycle, undo
from webapp.models import ChangeEntry, Customer, ImportJob, ImportRow
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record
from webapp.services.customers import update_customer
from webapp.services.passwords import password_matches


def undone(client, run_worker, job) -> ImportJob:
    response = client.post(f"/imports/{job.id}/undo")
    assert response.status_code == 302
    assert ImportJob.get_by_id(job.id).state == "queued"
    run_worker()
    return ImportJob.get_by_id(job.id)


def records(*customers) -> dict[int, dict]:
    return {c.id: read_record(Customer.get_by_id(c.id)) for c in customers}


def agent_edits(customer_id: int, agent, **values) -> None:
    customer = Customer.get_by_id(customer_id)
    update_customer(customer, {**read_record(customer), **values}, Actor(agent, "ui"))


@pytest.fixture
def book(make_customer):
    """Stored customers an import will update (C, D, F), remove (E) or update twice (T)."""
    return {
        name: make_customer(importId=name, email=f"{name.lower()}@example.com")
        for name in ("C", "D", "E", "F", "T")
    }


def test_undo_deletes_adds_restores_updates_and_leaves_what_changed_since(
    admin, run_worker, users, book
):
    before = records(*book.values())
    rows = [
        row(importId="NEW1"),
        row(importId="NEW2"),
        {"action": "update", "customerId": "NEW2", "middleName": "Later"},
        {"action": "update", "customerId": "C", "email": "c-new@example.com"},
        {"action": "update", "customerId": "D", "middleName": "Dee", "priCity": "Albany"},
        {"action": "remove", "customerId": "E"},
        {"action": "update", "customerId": "F", "middleName": "Eff"},
        {"action": "update", "customerId": "T", "middleName": "One"},
        {"action": "update", "customerId": "T", "middleName": "Two", "email": "t2@example.com"},
        row(importId="NEW3"),
        {"action": "update", "customerId": "NOBODY", "middleName": "X"},  # refused
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert (job.state, job.added, job.updated, job.removed, job.failed) == ("done", 3, 6, 1, 1)
    # Rows once decided keep their outcome, not their record (personal data in full):
    # what follows, the undo included, works without it.
    staged = ImportRow.select().where(ImportRow.job == job.id)
    assert staged.count() == len(rows) and all(r.record is None for r in staged)
    added = {c.import_id: c for c in Customer.select().where(Customer.import_id.startswith("NEW"))}
    agent_edits(book["F"].id, users["agent"], middleName="Agent")
    agent_edits(added["NEW3"].id, users["agent"], email="kept@example.com")

    plan = undo.plan(job.id)
    assert (plan.added, plan.updated, plan.removed) == (3, 4, 1)
    page = admin.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "deletes the 3 customers it added" in page
    assert "The 1 customers it removed stay removed: removals cannot be undone" in page

    job = undone(admin, run_worker, job)
    assert job.state == "undone", job.message
    counts = (job.undo_deleted, job.undo_restored, job.undo_left, job.undo_kept)
    assert counts == (2, 3, 2, 1) and job.undo_done == job.undo_total == 8
    assert not Customer.select().where(Customer.import_id.in_(["NEW1", "NEW2"])).exists()
    assert Customer.get_or_none(Customer.id == book["E"].id) is None  # stays removed
    after = records(book["C"], book["D"], book["T"])
    for name in ("C", "D", "T"):
        assert after[book[name].id] == before[book[name].id], name
    assert read_record(Customer.get_by_id(book["F"].id))["middleName"] == "Agent"
    assert read_record(Customer.get_by_id(added["NEW3"].id))["email"] == "kept@example.com"

    left = {value: message for _, column, value, message in errors_of(job, "undo")}
    assert set(left) == {str(book["F"].id), str(added["NEW3"].id)}
    assert "by Test agent (ui)" in left[str(book["F"].id)]
    restored = ChangeEntry.select().where(
        (ChangeEntry.customer_id == book["T"].id)
        & (ChangeEntry.source == f"undo of import #{job.id}")
    )
    assert {(e.field, e.new_value) for e in restored} >= {("email", "t@example.com")}
    assert {e.user_id for e in restored} == {users["admin"].id}

    page = admin.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Customers the undo left as they are" in page and "Undone" in page
    assert f"/imports/{job.id}/undo" not in page  # nothing left to undo
    refused = admin.post(f"/imports/{job.id}/undo")
    assert refused.status_code == 302 and ImportJob.get_by_id(job.id).state == "undone"


def test_undo_puts_passwords_back_as_they_were(admin, run_worker, make_customer):
    had = make_customer(importId="P1", password="Old-secret-1")
    had_none = make_customer(importId="P2")
    rows = [
        {"action": "update", "customerId": "P1", "password": "New-secret-2"},
        {"action": "update", "customerId": "P2", "password": "New-secret-3"},
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert job.updated == 2, errors_of(job, "import")
    assert password_matches(Customer.get_by_id(had.id).password_hash, "New-secret-2")
    job = undone(admin, run_worker, job)
    assert job.undo_restored == 2, errors_of(job, "undo")
    assert password_matches(Customer.get_by_id(had.id).password_hash, "Old-secret-1")
    cleared = Customer.get_by_id(had_none.id)
    assert cleared.password_hash is None
    # Taking the password away is a write like any other: in the history, and a new
    # version, so an agent's form opened before the undo is told, not overwritten.
    last = ChangeEntry.select().where(ChangeEntry.customer_id == cleared.id)
    last = last.order_by(ChangeEntry.id.desc()).get()
    assert (last.field, last.new_value, last.source) == (
        "password",
        "(removed)",
        f"undo of import #{job.id}",
    )
    assert last.version == cleared.version


def test_a_stopped_undo_goes_on_with_the_rest_and_undoes_none_twice(
    admin, run_worker, book, monkeypatch
):
    before = records(*book.values())
    rows = [row(importId=f"N{n}") for n in range(7)] + [
        {"action": "update", "customerId": name, "middleName": "Changed"}
        for name in ("C", "D", "F", "T")
    ]
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert (job.added, job.updated) == (7, 4)

    # The first run handles one batch of 3 customers (the newest: three it added), then an
    # admin cancels (through Redis, as the page does); the batch it committed stays undone.
    handle = undo._Undoer.handle

    def handle_then_cancel(self, customer_ids):
        handle(self, customer_ids)
        lifecycle.cancel(ImportJob.get_by_id(job.id))

    with monkeypatch.context() as patched:
        patched.setattr(undo, "BATCH_CUSTOMERS", 3)
        patched.setattr(undo._Undoer, "handle", handle_then_cancel)
        lifecycle.start(job, "undo")
        stopped = undo.undo(job.id)
    assert (stopped.state, stopped.phase, stopped.undo_done) == ("cancelled", "undo", 3)

    page = admin.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Undo the rest" in page and "deletes the 4 customers it added" in page
    assert "gives the 4 customers it updated" in page  # the added ones go first
    job = undone(admin, run_worker, job)
    assert (job.state, job.undo_done, job.undo_deleted, job.undo_restored) == ("undone", 11, 7, 4)
    assert not Customer.select().where(Customer.import_id.startswith("N")).exists()
    assert records(*book.values()) == before
    for customer in book.values():  # one undo write each, not two
        writes = ChangeEntry.select(ChangeEntry.version).where(
            (ChangeEntry.customer_id == customer.id)
            & (ChangeEntry.source == f"undo of import #{job.id}")
        )
        assert len({e.version for e in writes}) == (0 if customer.import_id == "E" else 1)


def test_undo_is_refused_once_the_file_and_its_staged_rows_are_gone(admin, run_worker, app):
    job = imported(admin, run_worker, uploaded(admin, csv_bytes([row()])))
    app.config["IMPORT_FILE_DAYS"] = 0
    lifecycle.remove_old_files()
    response = admin.post(f"/imports/{job.id}/undo", follow_redirects=True)
    assert "upload it again" in response.get_data(as_text=True)
    assert ImportJob.get_by_id(job.id).state == "done"
    assert Customer.select().count() == 1


def test_an_import_from_before_staging_cannot_be_undone_and_says_why(admin, run_worker):
    job = imported(admin, run_worker, uploaded(admin, csv_bytes([row()])))
    ImportRow.delete().where(ImportRow.job == job.id).execute()  # as 0009 found it
    response = admin.post(f"/imports/{job.id}/undo", follow_redirects=True)
    assert "ran before imports kept what they changed" in response.get_data(as_text=True)
    assert ImportJob.get_by_id(job.id).state == "done" and Customer.select().count() == 1


def test_a_clash_the_checks_miss_leaves_that_customer_alone_and_restores_the_rest(
    admin, run_worker, users, book, monkeypatch
):
    """The batch's restores are written together. If a unique value someone took after
    the checks refuses that write, each restore is written alone: only the refused one is
    left, listed, and the others' webhook events are told once."""
    from webapp.models import OutboundEvent, Webhook
    from webapp.services import webhooks

    rows = [
        {"action": "update", "customerId": "C", "importId": "C2"},
        {"action": "update", "customerId": "D", "middleName": "Dee"},
    ]
    before = records(book["C"], book["D"])
    job = imported(admin, run_worker, uploaded(admin, csv_bytes(rows)))
    assert job.updated == 2
    agent_edits(book["F"].id, users["agent"], importId="C")  # C's old ID, free since
    Webhook.create(
        url="https://example.com/h", secret="whsec_0123456789abcdef", events="customer.updated"
    )
    webhooks.forget_subscriptions()
    monkeypatch.setattr(undo, "_clash", lambda *args: None)  # as if F took it meanwhile

    assert ImportJob.move(job.id, "queued", {ImportJob.phase: "undo"})  # as the page does
    done = undo.undo(job.id)
    assert (done.state, done.undo_restored, done.undo_left) == ("undone", 1, 1)
    assert records(book["D"]) == {book["D"].id: before[book["D"].id]}
    assert Customer.get_by_id(book["C"].id).import_id == "C2"
    assert Customer.get_by_id(book["F"].id).import_id == "C"
    [(_, _, value, message)] = errors_of(job, "undo")
    assert value == str(book["C"].id) and "now clash with another customer's" in message
    events = {(e.event, e.customer_id) for e in OutboundEvent.select()}
    assert events == {("customer.updated", book["D"].id)}
