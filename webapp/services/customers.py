"""Add, change and delete customers. The UI, the API and the importer all come here,
so uniqueness, defaults and the change history behave the same through every door."""

import re

from webapp.db import db
from webapp.models import (
    Address,
    Communication,
    Customer,
    CustomerLoan,
    CustomFieldValue,
    Document,
    Employer,
    Note,
    PaymentProfile,
    Phone,
    Reference,
)
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.customer_record import read_record, write_record


class RecordRejected(Exception):
    """The record is valid by itself but clashes with what is stored (a taken username
    or import ID)."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def create_customer(record: dict, actor: Actor) -> Customer:
    with db.atomic():
        record = _with_username(record, None)
        _check_unique(record, None)
        customer = write_record(Customer(), record)
        history.record_created(customer.id, record, actor)
    return customer


def update_customer(customer: Customer, record: dict, actor: Actor) -> int:
    """Store the new record; returns how many fields changed."""
    with db.atomic():
        old = read_record(customer)
        record = _with_username(record, customer.id)
        _check_unique(record, customer.id)
        write_record(customer, record)
        return history.record_changes(customer.id, old, record, actor)


# Everything saved at customer level goes with the customer; loans stay.
CUSTOMER_LEVEL_ROWS = (
    ("phones", Phone), ("addresses", Address), ("employers", Employer),
    ("references", Reference), ("payment profiles", PaymentProfile), ("notes", Note),
    ("documents", Document), ("communications", Communication),
    ("custom field values", CustomFieldValue), ("loan links", CustomerLoan),
)


def delete_customer(customer: Customer, actor: Actor) -> dict[str, int]:
    """Remove the customer for good; returns how many rows of each kind went with it."""
    with db.atomic():
        removed = {name: model.delete().where(model.customer == customer).execute()
                   for name, model in CUSTOMER_LEVEL_ROWS}
        customer_id = customer.id
        customer.delete_instance()
        history.record_deleted(customer_id, removed, actor)
    return removed


def find_customer(key: str) -> Customer | None:
    """By system ID or by import ID, as an update or remove row names a customer."""
    key = key.strip()
    found = Customer.get_or_none(Customer.import_id == key)
    if found is None and key.isdigit():
        found = Customer.get_or_none(Customer.id == int(key))
    return found


def _with_username(record: dict, customer_id: int | None) -> dict:
    if record.get("username"):
        return record
    first = re.sub(r"[^a-z0-9]", "", (record.get("firstName") or "").casefold())
    last = re.sub(r"[^a-z0-9]", "", (record.get("lastName") or "").casefold())
    candidates = [c for c in ((record.get("email") or "").lower(), first + last) if c]
    candidates = candidates or ["customer"]
    for candidate in candidates:
        if not _taken("username", candidate, customer_id):
            return {**record, "username": candidate}
    number = 2
    while _taken("username", f"{candidates[-1]}{number}", customer_id):
        number += 1
    return {**record, "username": f"{candidates[-1]}{number}"}


def _check_unique(record: dict, customer_id: int | None) -> None:
    errors = []
    for name, column, what in (("username", "username", "web username"),
                               ("importId", "import_id", "import ID")):
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
