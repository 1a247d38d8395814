"""Applying a chunk of staged rows (importing/staging.py) as verify judged them.

Nothing is parsed or judged again: only what can change between verify and the import
is checked. A customer a row updates or removes must still be at the version verify saw
(or, for the file's later rows about it, the version the row before left); one changed
by someone else since is left alone and reported with who changed it. A unique value a
row brings (import ID, username, SSN with birth date) must not have been taken by
someone else since. A row after one that was not applied, about the same customer, is
not applied either: verify judged it on that row's effect."""

from dataclasses import dataclass, field

from peewee import SqliteDatabase, fn

from webapp.db import db
from webapp.importing import staging
from webapp.models import Customer, ImportRow
from webapp.models.base import in_list
from webapp.services import versions
from webapp.services.actor import Actor
from webapp.services.customer_record import read_records
from webapp.services.customer_updates import CustomerUpdates
from webapp.services.customers import create_customers, delete_customers
from webapp.services.directory import record_keys, stored_holders
from webapp.services.passwords import HashedPassword

# Kinds no two customers may share; a value of these someone took since verify refuses the
# row. (Possible duplicates are warnings verify gave already.)
RECHECKED = {
    "importId": "import ID",
    "username": "web username",
    "ssnBirth": "SSN and date of birth",
}
COUNTED = {"add": "added", "update": "updated", "remove": "removed"}


@dataclass
class Refusal:
    """A row not applied, as a problem of the import pass (like a rules.spec.FieldError)."""

    line: int
    field: str
    value: str
    message: str


@dataclass
class _Customer:
    """A customer as this chunk knows it: its ID, the version it must be at, its record;
    `blocked`: why rows about it are not applied (an earlier one was not)."""

    id: int | None = None
    version: int | None = None
    record: dict | None = None
    model: Customer | None = None
    blocked: str | None = None


@dataclass
class Applied:
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTED.values(), 0))
    refusals: list[Refusal] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # the staged rows with their outcomes


class ChunkApplier:
    def __init__(self, job_id: int, actor: Actor):
        self.job_id, self.actor = job_id, actor

    def apply(self, chunk: list[ImportRow]) -> Applied:
        """Judge the chunk's good rows in file order; the writes wait and go together
        (delete_customers, customer_updates.py, create_customers) until a row needs them
        done: one about a customer a waiting add creates, a removal of one a waiting
        update changes, an update taking a unique value a waiting one gives up."""
        done = Applied()
        customers = self._customers(chunk)
        records = {row.line: staging.decode(row.record) for row in chunk if row.ok}
        taken = self._taken(chunk, customers, records)
        adds: list[tuple[ImportRow, dict]] = []
        updates = CustomerUpdates(self.actor)
        removals: dict[int, int] = {}  # customer ID -> its version

        def write_waiting():
            # Removals, then updates, then adds: each may take a value one before gave up.
            if removals:
                delete_customers(removals, self.actor)
                removals.clear()
            updates.write()
            if not adds:
                return
            ids = create_customers([record for _, record in adds], self.actor)
            for (row, _), new_id in zip(adds, ids, strict=True):
                customers[row.ref].id, customers[row.ref].version = new_id, 1
                self._done(done, row, "applied", customer_id=new_id, version_after=1)
            adds.clear()

        for row in chunk:
            if not row.ok:
                done.rows.append(_as_dict(row))
                continue
            about = customers.setdefault(row.ref, _Customer())  # an add's is new
            if about.blocked:
                self._refuse(done, row, "skipped", "customerId", about.blocked, about)
                continue
            if row.line in taken:
                column, value, message = taken[row.line]
                self._refuse(done, row, "taken", column, message, about, value)
                continue
            record = records[row.line]
            if row.action == "add":
                adds.append((row, record))
                continue
            if about.id is None or (
                about.id in updates
                if row.action == "remove"
                else about.model and updates.takes_freed(about.model, record)
            ):
                write_waiting()
            self._write(done, row, record, about, updates, removals)
        write_waiting()
        return done

    # ---- one row --------------------------------------------------------------------

    def _write(self, done, row, record, about: _Customer, updates: CustomerUpdates, removals):
        if about.model is None and about.record is None:  # added by this chunk
            about.model = locked([about.id]).get(about.id)
            about.record = read_records([about.model])[about.id] if about.model else None
        current = about.model.version if about.model is not None else None
        if current != about.version:
            self._refuse(done, row, "changed", "customerId", _changed(about, current), about)
            return
        if row.action == "remove":
            removals[about.id] = about.version
            about.model, about.blocked = None, f"Line {row.line} of this file removed it."
            self._done(done, row, "applied", customer_id=about.id)
            return
        before = about.record
        image = _before_image(before, record, about.model)  # read before the step
        updates.add(about.model, before, record, about.version)
        about.version, about.record = about.model.version, record
        self._done(
            done,
            row,
            "applied",
            customer_id=about.id,
            version_after=about.version,
            before=staging.encode(image),
        )

    def _done(self, done: Applied, row: ImportRow, outcome: str, **changes) -> None:
        if outcome == "applied":
            done.counts[COUNTED[row.action]] += 1
        done.rows.append({**_as_dict(row), "outcome": outcome, **changes})

    def _refuse(self, done, row, outcome, column, message, about, value=None) -> None:
        about.blocked = about.blocked or (
            f"Line {row.line}, an earlier row about this customer, was not applied."
        )
        if value is None:
            value = str(about.id) if about.id and column == "customerId" else ""
        done.refusals.append(Refusal(row.line, column, value, message))
        self._done(done, row, outcome, customer_id=about.id)

    # ---- what the chunk reads first ------------------------------------------------

    def _customers(self, chunk: list[ImportRow]) -> dict[str, _Customer]:
        """The customers the chunk's rows are about, as the file has left them so far:
        locked and read once, their version as the rows expect it."""
        refs = {row.ref for row in chunk if row.ok and row.ref and row.action != "add"}
        customers: dict[str, _Customer] = {}
        for before in _rows_before(self.job_id, refs, chunk[0].line):
            if before.outcome != "applied":
                customers[before.ref] = _Customer(
                    id=before.customer_id,
                    blocked=f"Line {before.line}, an earlier row about this customer, "
                    "was not applied.",
                )
            elif before.action == "remove":
                customers[before.ref] = _Customer(
                    blocked=f"Line {before.line} of this file removed it."
                )
            else:
                customers[before.ref] = _Customer(
                    id=before.customer_id, version=before.version_after
                )
        for row in chunk:  # the file's first row about a stored customer
            if row.ref in refs and row.ref not in customers and not row.ref.startswith("n"):
                customers[row.ref] = _Customer(id=int(row.ref), version=row.expected_version)
        models = locked([c.id for c in customers.values() if c.id and not c.blocked])
        records = read_records(list(models.values()))
        for about in customers.values():
            about.model, about.record = models.get(about.id), records.get(about.id)
        return customers

    def _taken(self, chunk: list[ImportRow], customers, records) -> dict[int, tuple]:
        """line -> (column, value, message) for rows bringing a unique value that a
        customer the file does not expect to hold it holds now; `records`: line -> the
        row's staged record."""
        wanted: dict[str, set] = {}
        keyed = []
        for row in chunk:
            if row.ok:
                keys = {} if row.action == "remove" else record_keys(records[row.line])
                keyed.append((row, keys))
                for kind in RECHECKED:
                    wanted.setdefault(kind, set()).update(keys.get(kind, ()))
        holders = {kind: stored_holders(kind, values) for kind, values in wanted.items()}
        found = {}
        # Customers earlier rows of the chunk change (or remove) first: what the database
        # says they hold is not what they will hold when the row comes.
        expected: set[int] = set()
        for row, keys in keyed:
            # (a customer this chunk adds holds nothing yet: it has no ID to leave out)
            own = customers[row.ref].id if row.ref in customers else None
            for kind, what in RECHECKED.items():
                for value in keys.get(kind, ()):
                    others = holders[kind].get(value, set()) - {own} - expected
                    if others and row.line not in found:
                        found[row.line] = (
                            "ssn" if kind == "ssnBirth" else kind,
                            "" if kind == "ssnBirth" else value,
                            f"Customer #{min(others)} has had this {what} since the file "
                            "was verified, so this row was not applied; verify the file "
                            "again (or fix the row) to apply it.",
                        )
            if own is not None:
                expected.add(own)
        return found


def _rows_before(job_id: int, refs: set[str], first_line: int) -> list[ImportRow]:
    """The last good row before `first_line` about each of these customers."""
    found = []
    refs = sorted(refs)
    for start in range(0, len(refs), 500):
        part = refs[start : start + 500]
        last = (
            ImportRow.select(ImportRow.ref, fn.MAX(ImportRow.line).alias("last"))
            .where(
                (ImportRow.job == job_id)
                & in_list(ImportRow.ref, part)
                & (ImportRow.line < first_line)
                & ImportRow.ok
            )
            .group_by(ImportRow.ref)
        )
        lines = [row.last for row in last]
        if lines:
            found += list(
                ImportRow.select().where((ImportRow.job == job_id) & in_list(ImportRow.line, lines))
            )
    return found


def locked(ids: list[int]) -> dict[int, Customer]:
    """The customers, locked until the chunk commits (SQLite: BEGIN IMMEDIATE did)."""
    found = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), 500):
        query = Customer.select().where(in_list(Customer.id, ids[start : start + 500]))
        if not isinstance(db.obj, SqliteDatabase):
            query = query.order_by(Customer.id).for_update()
        found.update((c.id, c) for c in query)
    return found


def _changed(about: _Customer, current: int | None) -> str:
    if current is None:
        return (
            f"Customer #{about.id} was removed after the file was verified; this row was "
            "not applied."
        )
    return (
        f"Customer #{about.id} was changed{versions.changed_by(about.id, about.version)} "
        "after the file was verified, so this row was not applied and that change was "
        "kept; verify the file again to apply it."
    )


def _before_image(before: dict, record: dict, model: Customer) -> dict:
    """What an undo puts back. A record reads its password as None (never readable); a
    row that sets one keeps the old hash beside the record, so the undo can restore it."""
    if not record.get("password") or not model.password_hash:
        return before
    return {**before, "password": HashedPassword(model.password_hash)}


def _as_dict(row: ImportRow) -> dict:
    """The staged row as it goes back with its outcome, without its record: once the row
    is decided nothing reads that again (the customer's history keeps what was written;
    a new verify stages the file afresh). The record is most of the row's size, so the
    import's rewrite of its staged rows costs a fraction, and the staging table holds
    no full SSNs or other personal data of rows already imported."""
    return {**row.__data__, "record": None}
