"""Changed records of many customers written together, set-based, as each write alone
would leave them: the UI's one save and an import chunk's thousands share this code.

A step (one customer's record, from what it was to what it becomes) is judged when it
is added: its history rows, its webhook events, the version it produces, so the caller
reads the version at once. `write()` then writes the tables: one UPDATE per shape of
change for the customers, a DELETE and an INSERT for each section whose rows change. A
customer's several steps cost one write of its last record. The version a customer was
at when its first step came is the write's condition: one changed by someone else since
refuses the whole batch (versions.StaleVersion) before anything is written."""

from collections import defaultdict
from dataclasses import dataclass, field

from webapp.models import Address, Customer, Employer, Phone
from webapp.models.base import delete_where, insert_rows, rows_where, update_rows
from webapp.rules.customer_fields import EMPLOYER_FIELDS, MAILING_FIELDS, PRIMARY_ADDRESS_FIELDS
from webapp.rules.record import uses_primary_as_mailing
from webapp.services import history, versions, webhooks
from webapp.services.actor import Actor
from webapp.services.customer_events import update_events
from webapp.services.customer_record import (
    PHONE_FIELDS,
    address_rows,
    customer_columns,
    employer_row,
    phone_rows,
)

# Fields no two customers may share. PostgreSQL checks a unique index row by row within
# one UPDATE, so a batch never both gives up such a value and takes it (takes_freed).
_UNIQUE = [f.name for f in Customer._meta.sorted_fields if f.unique]
_ALWAYS_SET = ("version", "updated_at")  # every write moves them on
_PHONE_SHAPE = ("number", "phone_type", "position", "is_primary", "is_secondary")


@dataclass
class _Pending:
    """A customer with steps waiting: as stored, and its record after the last step."""

    customer: Customer
    expected: int  # the version stored now: the write's condition
    stored_fields: dict
    stored: dict
    record: dict = field(default_factory=dict)


class CustomerUpdates:
    def __init__(self, actor: Actor):
        self.actor = actor
        self._pending: dict[int, _Pending] = {}
        self._history: list[dict] = []
        self._events: list = []
        self._freed: set[tuple[str, object]] = set()

    def __contains__(self, customer_id: int) -> bool:
        return customer_id in self._pending

    def add(self, customer: Customer, old: dict, new: dict, expected: int) -> int:
        """A step: the customer's record goes from `old` to `new`, judged at version
        `expected` (for a first step, the version the customer must still be stored
        at). Returns how many fields change; `customer` reads as after the step, its
        version too."""
        rows = history.change_rows(customer.id, old, new, self.actor)
        if not rows:
            return 0
        pending = self._pending.get(customer.id)
        if pending is None:
            pending = _Pending(customer, expected, dict(customer.__data__), old)
            self._pending[customer.id] = pending
        columns = customer_columns(new)
        for name in _UNIQUE:
            if customer.__data__.get(name) not in (None, columns[name]):
                self._freed.add((name, customer.__data__[name]))
        for name, value in columns.items():
            setattr(customer, name, value)
        customer.version = expected + 1
        pending.record = new
        self._history += [{**row, "version": customer.version} for row in rows]
        if webhooks.subscribed_events():
            changed = [row["field"] for row in rows]
            self._events += update_events(customer.id, old, new, changed)
        return len(rows)

    def takes_freed(self, customer: Customer, new: dict) -> bool:
        """Whether `new` takes a unique value a waiting step gives up: write first."""
        if not self._freed:
            return False
        columns = customer_columns({**new, "password": None})  # no hash needed here
        return any(
            (name, columns[name]) in self._freed and customer.__data__.get(name) != columns[name]
            for name in _UNIQUE
        )

    def write(self) -> None:
        pending = list(self._pending.values())
        if pending:
            _write_customers(pending)
            _write_addresses(pending)
            _write_employers(pending)
            _write_phones(pending)
            history.write_change_rows(self._history)
        if self._events:
            webhooks.record_events(self._events)
        self._pending, self._history, self._events, self._freed = {}, [], [], set()


def _write_customers(pending: list[_Pending]) -> None:
    """One UPDATE per set of changed fields, once every customer is found (and locked)
    at the version its first step expected."""
    versions.check_many({p.customer.id: p.expected for p in pending})
    shapes: dict[tuple, list[tuple]] = defaultdict(list)
    for p in pending:
        now, was = p.customer.__data__, p.stored_fields
        changed = tuple(n for n in now if n not in _ALWAYS_SET and now[n] != was.get(n))
        values = (now[n] for n in (*changed, *_ALWAYS_SET))
        shapes[changed].append((*values, now["id"]))
    for changed, rows in shapes.items():
        update_rows(Customer, [*changed, *_ALWAYS_SET], ["id"], rows)


def _differs(p: _Pending, names) -> bool:
    return any(p.stored.get(name) != p.record.get(name) for name in names)


def _write_addresses(pending: list[_Pending]) -> None:
    """A changed address is written unverified; one left as it was keeps its marks."""
    wanted: dict[tuple[int, str], dict | None] = {}
    for p in pending:
        rows = address_rows(p.record)
        if _differs(p, PRIMARY_ADDRESS_FIELDS):
            wanted[p.customer.id, "primary"] = rows["primary"]
        if _differs(p, MAILING_FIELDS) or (
            uses_primary_as_mailing(p.stored) != uses_primary_as_mailing(p.record)
        ):
            wanted[p.customer.id, "mailing"] = rows.get("mailing")
    existing = {
        (a.customer_id, a.kind): a
        for a in rows_where(Address.select(), Address.customer, {cid for cid, _ in wanted})
    }
    gone, new = [], []
    for (customer_id, kind), row in wanted.items():
        address = existing.get((customer_id, kind))
        if address and row and all(getattr(address, c) == v for c, v in row.items()):
            continue
        if address is not None:
            gone.append(address.id)
        if row is not None:
            new.append({**row, "customer": customer_id, "kind": kind})
    delete_where(Address.id, gone)
    insert_rows(Address, new)


def _write_employers(pending: list[_Pending]) -> None:
    changed = [p for p in pending if _differs(p, EMPLOYER_FIELDS)]
    delete_where(Employer.customer, [p.customer.id for p in changed])
    insert_rows(
        Employer,
        [{**row, "customer": p.customer.id} for p in changed if (row := employer_row(p.record))],
    )


def _write_phones(pending: list[_Pending]) -> None:
    """Rewrite a changed phone list, each kept number keeping its do-not-call and
    verified marks."""
    wanted = {p.customer.id: phone_rows(p.record) for p in pending if _differs(p, PHONE_FIELDS)}
    existing = defaultdict(list)
    for phone in sorted(
        rows_where(Phone.select(), Phone.customer, wanted),
        key=lambda p: (p.customer_id, p.position),
    ):
        existing[phone.customer_id].append(phone)
    rewritten, new = [], []
    for customer_id, rows in wanted.items():
        have = existing[customer_id]
        if [[getattr(p, k) for k in _PHONE_SHAPE] for p in have] == [
            [row[k] for k in _PHONE_SHAPE] for row in rows
        ]:
            continue
        marks = {p.number: (p.do_not_call, p.verified) for p in have}
        rewritten.append(customer_id)
        for row in rows:
            do_not_call, verified = marks.get(row["number"], (False, False))
            new.append(
                {**row, "customer": customer_id, "do_not_call": do_not_call, "verified": verified}
            )
    delete_where(Phone.customer, rewritten)
    insert_rows(Phone, new)
