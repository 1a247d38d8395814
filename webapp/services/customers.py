"""Add, change and delete customers. The UI, the API and the importer all come here,
so uniqueness, defaults and the change history behave the same through every door."""

from contextlib import contextmanager

from peewee import SQL, fn

from webapp.db import after_commit, db
from webapp.models import (
    Address,
    Communication,
    Customer,
    CustomerLoan,
    CustomerPhoto,
    CustomFieldValue,
    Document,
    Employer,
    Note,
    PaymentProfile,
    Phone,
    Reference,
    SocialProfile,
)
from webapp.models.base import delete_where, rows_where
from webapp.services import documents, duplicates, history, photos, versions, webhooks
from webapp.services.actor import Actor
from webapp.services.customer_events import created_event
from webapp.services.customer_record import insert_records, read_record
from webapp.services.customer_updates import CustomerUpdates
from webapp.services.directory import StoredDirectory
from webapp.services.refusal import Refused
from webapp.services.uniqueness import unique_problems, with_username


class RecordRejected(Refused):
    """The record is valid by itself but clashes with what is stored (a taken username
    or import ID, the same SSN and birth date as another customer)."""


class PossibleDuplicate(Refused):
    """The record shares an SSN, tax ID, email, phone or primary address with other
    customers: saved only once someone confirms (`confirmed=True`)."""

    def __init__(self, found: duplicates.Duplicates):
        super().__init__(found.possible)
        self.matched = found.matched


def checked_against_stored(
    record: dict, own: int | None = None, stored: dict | None = None, confirmed: bool = False
) -> dict:
    """The record with its username chosen, once it clashes with no stored customer;
    RecordRejected or PossibleDuplicate otherwise."""
    directory = StoredDirectory()
    record = with_username(record, directory, own)
    found = duplicates.check(record, directory.holders, directory.describe, own, stored)
    problems = unique_problems(record, directory, own, stored) + found.same_person
    if problems:
        raise RecordRejected(problems)
    if found.possible and not confirmed:
        raise PossibleDuplicate(found)
    return record


def create_customer(record: dict, actor: Actor, confirmed: bool = False) -> Customer:
    """Add a customer; `confirmed`: a person has seen the possible duplicates."""
    with db.atomic():
        record = checked_against_stored(record, confirmed=confirmed)
        (customer_id,) = create_customers([record], actor)
    return Customer.get_by_id(customer_id)


def create_customers(records: list[dict], actor: Actor) -> list[int]:
    """Many new customers at once (the importer's adds), with the same history as one at
    a time. The records come checked as create_customer checks them: usernames chosen,
    import IDs and usernames free, duplicates judged (importing/checks.py)."""
    with db.atomic():
        ids = insert_records(records)
        history.record_created_many(list(zip(ids, records, strict=True)), actor)
        if "customer.created" in webhooks.subscribed_events():
            titles = history.status_titles()
            webhooks.record_events(
                [created_event(i, r, titles) for i, r in zip(ids, records, strict=True)]
            )
    return ids


def update_customer(
    customer: Customer,
    record: dict,
    actor: Actor,
    stored: dict | None = None,
    expected_version: int | None = None,
    confirmed: bool = False,
) -> int:
    """Store the new record; returns how many fields changed. `stored` is the customer's
    record as read with `customer`, when the caller has it already; `confirmed`: a person
    has seen the possible duplicates its new values make.

    The write is refused (versions.StaleVersion) when the customer is no longer at
    `expected_version` (the version the person saw), or, without one, at the version
    `customer` was read at: a record merged from an older read never overwrites a newer
    one."""
    with db.atomic():
        old = stored if stored is not None else read_record(customer)
        record = checked_against_stored(record, customer.id, old, confirmed)
        return write_update(customer, record, actor, old, expected_version)


def write_update(
    customer: Customer,
    record: dict,
    actor: Actor,
    stored: dict | None = None,
    expected_version: int | None = None,
) -> int:
    """update_customer for a record checked already (the importer judges its rows against
    the file's earlier rows: importing/checks.py)."""
    expected = customer.version if expected_version is None else expected_version
    with db.atomic():
        old = stored if stored is not None else read_record(customer)
        updates = CustomerUpdates(actor)
        changed = updates.add(customer, old, record, expected)
        if changed:
            updates.write()
        else:
            versions.check(customer.id, expected)
        return changed


# The customer's personal data kept beside the record; loans and loan links are not.
PERSONAL_ROWS = (
    ("phones", Phone),
    ("addresses", Address),
    ("employers", Employer),
    ("references", Reference),
    ("payment profiles", PaymentProfile),
    ("notes", Note),
    ("documents", Document),
    ("communications", Communication),
    ("custom field values", CustomFieldValue),
    ("photos", CustomerPhoto),
    ("social profiles", SocialProfile),
)


def delete_customer(
    customer: Customer, actor: Actor, expected_version: int | None = None
) -> dict[str, int]:
    """Remove the customer for good; returns how many rows of each kind went with it.
    The loans stay, unlinked. With `expected_version`, only if nobody changed the
    customer since (versions.StaleVersion otherwise)."""
    return delete_customers({customer.id: expected_version}, actor)[customer.id]


def delete_customers(expected: dict[int, int | None], actor: Actor) -> dict[int, dict]:
    """delete_customer for many customers at once, set-based (an import's removals):
    customer ID -> the version it must still be at (None: any). Returns, per customer,
    how many rows of each kind went with it."""
    with personal_rows_removed(expected, keeps_customers=False) as removed:
        ids = sorted(expected)
        _count_and_delete(CustomerLoan, "loan links", ids, removed)
        delete_where(Customer.id, ids)
        history.record_deleted(removed, actor)
        webhooks.record_events([("customer.deleted", customer_id, {}) for customer_id in ids])
    return removed


@contextmanager
def remove_personal_rows(customer: Customer, expected_version: int | None = None):
    """Within one transaction, delete the customer's rows of PERSONAL_ROWS and yield
    their counts for the caller's own writes."""
    with personal_rows_removed({customer.id: expected_version}) as removed:
        yield removed[customer.id]


@contextmanager
def personal_rows_removed(expected: dict[int, int | None], keeps_customers: bool = True):
    """remove_personal_rows for many customers (ID -> expected version, None: any),
    yielding ID -> counts; the stored files go once the transaction has committed.
    Customers that stay move on a version; those the caller deletes are only checked
    (moving a row about to go cost a write of each of its indexes)."""
    ids = sorted(expected)
    with db.atomic():
        # first: the stale check, the lock
        (versions.advance_many if keeps_customers else versions.check_many)(expected)
        document_ids = [
            d.id for d in rows_where(Document.select(Document.id), Document.customer, ids)
        ]
        with_photo = [
            p.customer_id for p in rows_where(CustomerPhoto.select(), CustomerPhoto.customer, ids)
        ]
        removed = {customer_id: {} for customer_id in ids}
        for name, model in PERSONAL_ROWS:
            _count_and_delete(model, name, ids, removed)
        yield removed
    after_commit(lambda: documents.remove_files(document_ids))
    for customer_id in with_photo:
        after_commit(lambda c=customer_id: photos.photo_path(c).unlink(missing_ok=True))


def _count_and_delete(model, name: str, ids: list[int], removed: dict[int, dict]) -> None:
    per_customer = model.select(model.customer, fn.COUNT(SQL("*"))).group_by(model.customer)
    counts = dict(rows_where(per_customer.tuples(), model.customer, ids))
    for customer_id in ids:
        removed[customer_id][name] = counts.get(customer_id, 0)
    delete_where(model.customer, ids)
