"""Add, change and delete customers. The UI, the API and the importer all come here,
so uniqueness, defaults and the change history behave the same through every door."""

import re
import unicodedata
from contextlib import contextmanager

from webapp.db import db
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
from webapp.models.base import in_list
from webapp.rules.spec import FieldError, is_digits
from webapp.services import documents, history, photos, versions, webhooks
from webapp.services.actor import Actor
from webapp.services.customer_record import insert_records, read_record, write_record
from webapp.services.refusal import Refused


class RecordRejected(Refused):
    """The record is valid by itself but clashes with what is stored (a taken username
    or import ID)."""


def create_customer(record: dict, actor: Actor) -> Customer:
    with db.atomic():
        record = _with_username(record, None)
        _check_unique(record, None)
        customer = write_record(Customer(), record)
        history.record_created(customer.id, record, actor)
        if "customer.created" in webhooks.subscribed_events():
            webhooks.record_events([_created_event(customer.id, record, history.status_titles())])
    return customer


def create_customers(records: list[dict], actor: Actor) -> list[int]:
    """Many new customers at once (the importer's adds), with the same defaults and
    history as one at a time. Import IDs must already be known to be free."""
    with db.atomic():
        taken = _taken_usernames(records)
        records = [_with_username(r, None, taken) for r in records]
        ids = insert_records(records)
        history.record_created_many(list(zip(ids, records, strict=True)), actor)
        if "customer.created" in webhooks.subscribed_events():
            titles = history.status_titles()
            webhooks.record_events([_created_event(i, r, titles)
                                    for i, r in zip(ids, records, strict=True)])
    return ids


def update_customer(customer: Customer, record: dict, actor: Actor,
                    stored: dict | None = None, expected_version: int | None = None) -> int:
    """Store the new record; returns how many fields changed. `stored` is the customer's
    record as read with `customer`, when the caller has it already.

    The write is refused (versions.StaleVersion) when the customer is no longer at
    `expected_version` (the version the person saw), or, without one, at the version
    `customer` was read at: a record merged from an older read never overwrites a newer
    one."""
    expected = customer.version if expected_version is None else expected_version
    with db.atomic():
        old = stored if stored is not None else read_record(customer)
        record = _with_username(record, customer.id)
        _check_unique(record, customer.id, old)
        rows = history.change_rows(customer.id, old, record, actor)
        if not rows:
            versions.check(customer.id, expected)
            return 0
        customer.version = versions.advance(customer.id, expected)
        write_record(customer, record, old)
        history.write_change_rows(rows, customer.version)
        changed = [row["field"] for row in rows]
        if webhooks.subscribed_events():
            webhooks.record_events(_update_events(customer.id, old, record, changed))
        return len(changed)


# The customer's personal data kept beside the record; loans and loan links are not.
PERSONAL_ROWS = (
    ("phones", Phone), ("addresses", Address), ("employers", Employer),
    ("references", Reference), ("payment profiles", PaymentProfile), ("notes", Note),
    ("documents", Document), ("communications", Communication),
    ("custom field values", CustomFieldValue), ("photos", CustomerPhoto),
    ("social profiles", SocialProfile),
)


def delete_customer(customer: Customer, actor: Actor,
                    expected_version: int | None = None) -> dict[str, int]:
    """Remove the customer for good; returns how many rows of each kind went with it.
    The loans stay, unlinked. With `expected_version`, only if nobody changed the
    customer since (versions.StaleVersion otherwise)."""
    with remove_personal_rows(customer, expected_version) as removed:
        removed["loan links"] = (CustomerLoan.delete()
                                 .where(CustomerLoan.customer == customer).execute())
        customer_id = customer.id
        customer.delete_instance()
        history.record_deleted(customer_id, removed, actor)
        webhooks.record_events([("customer.deleted", customer_id, {})])
    return removed


@contextmanager
def remove_personal_rows(customer: Customer, expected_version: int | None = None):
    """Within one transaction, delete the rows of PERSONAL_ROWS and yield their counts for
    the caller's own writes; the stored files go once that transaction has committed."""
    with db.atomic():
        versions.advance(customer.id, expected_version)  # first: the stale check, the lock
        document_ids = [d.id for d in Document.select(Document.id)
                        .where(Document.customer == customer)]
        had_photo = CustomerPhoto.select().where(CustomerPhoto.customer == customer).exists()
        yield {name: model.delete().where(model.customer == customer).execute()
               for name, model in PERSONAL_ROWS}
    documents.remove_files(document_ids)
    if had_photo:
        photos.photo_path(customer.id).unlink(missing_ok=True)


def _created_event(customer_id: int, record: dict, titles: dict) -> tuple[str, int, dict]:
    return ("customer.created", customer_id, {
        "customId": record.get("importId"), "customerType": record.get("customerType"),
        "firstName": record.get("firstName"), "lastName": record.get("lastName"),
        "companyName": record.get("companyName"),
        "status": _status(record.get("status"), titles)})


def _update_events(customer_id: int, old: dict, new: dict, changed: list[str]) -> list:
    """Which fields changed (names only: values may be personal data), and the status
    change with both statuses when there is one."""
    events = [("customer.updated", customer_id, {"changedFields": changed})]
    if "status" in changed:
        titles = history.status_titles()
        events.append(("customer.status_changed", customer_id, {
            "oldStatus": _status(old.get("status"), titles),
            "newStatus": _status(new.get("status"), titles)}))
    return events


def _status(status_id, titles: dict[int, str]) -> dict | None:
    return None if status_id is None else {"id": status_id, "title": titles.get(status_id)}


def find_customer(key: str) -> Customer | None:
    """By system ID or by import ID, as an update or remove row names a customer."""
    key = key.strip()
    found = Customer.get_or_none(Customer.import_id == key)
    if found is None and is_digits(key):
        found = Customer.get_or_none(Customer.id == int(key))
    return found


def _username_candidates(record: dict) -> list[str]:
    """The email, else first and last name as one word, folded to what the username rule
    takes (Renée's email gives renee...), so a generated name never blocks a later save."""
    first = re.sub(r"[^a-z0-9]", "", _ascii((record.get("firstName") or "").casefold()))
    last = re.sub(r"[^a-z0-9]", "", _ascii((record.get("lastName") or "").casefold()))
    email = re.sub(r"[^a-z0-9_.@+\-]", "", _ascii((record.get("email") or "").lower()))
    return [c for c in (email, first + last) if len(c) >= 3] or ["customer"]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _with_username(record: dict, customer_id: int | None, taken: set | None = None) -> dict:
    """Blank means the email, else first and last name as one word, made unique. With
    `taken` (a batch), names are checked against that set, which grows as names are given."""
    if record.get("username"):
        if taken is not None:
            taken.add(record["username"])
        return record

    def free(name: str) -> bool:
        return name not in taken if taken is not None else not _taken("username", name,
                                                                       customer_id)
    candidates = _username_candidates(record)
    chosen = next((c for c in candidates if free(c)), None)
    number = 2
    while chosen is None:
        chosen = f"{candidates[-1]}{number}" if free(f"{candidates[-1]}{number}") else None
        number += 1
    if taken is not None:
        taken.add(chosen)
    return {**record, "username": chosen}


def _taken_usernames(records: list[dict]) -> set[str]:
    """Usernames already stored that the batch might want, found in one query per stem."""
    wanted = {r["username"] for r in records if r.get("username")}
    stems = set()
    for record in records:
        if not record.get("username"):
            candidates = _username_candidates(record)
            wanted.update(candidates)
            stems.add(candidates[-1])
    taken = set()
    names = list(wanted)
    for start in range(0, len(names), 500):
        query = Customer.select(Customer.username).where(
            in_list(Customer.username, names[start:start + 500]))
        taken.update(row.username for row in query)
    for stem in stems:  # numbered variants: davidhicks2, davidhicks3, ...
        if stem in taken:
            query = Customer.select(Customer.username).where(Customer.username.startswith(stem))
            taken.update(row.username for row in query)
    return taken


def _check_unique(record: dict, customer_id: int | None, old: dict | None = None) -> None:
    """A value the customer already had is theirs: only new ones are looked up."""
    errors = []
    for name, column, what in (("username", "username", "web username"),
                               ("importId", "import_id", "import ID")):
        if old is not None and old.get(name) == record.get(name):
            continue
        holder = _taken(column, record.get(name), customer_id)
        if holder:
            errors.append(FieldError(name, f"Customer #{holder} already has the {what} "
                                           f"{record[name]!r}; it must be unique.",
                                     str(record[name])))
    if errors:
        raise RecordRejected(errors)


def _taken(column: str, value, customer_id: int | None) -> int | None:
    if not value:
        return None
    query = Customer.select(Customer.id).where(getattr(Customer, column) == value)
    if customer_id is not None:
        query = query.where(Customer.id != customer_id)
    found = query.first()
    return found.id if found else None
