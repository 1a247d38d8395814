"""Each customer's version. Every write advances it; a write made against an older version
than the one stored is refused, so what someone else saved in between is never silently
overwritten (optimistic concurrency: nothing is locked while a person edits)."""

from peewee import SqliteDatabase

from webapp.db import db
from webapp.models import ChangeEntry, Customer
from webapp.models.base import in_list, rows_where, slices, utcnow


class StaleVersion(Exception):
    """The customer changed after the writer read it (or the writer could not say which
    version it read: `expected` None)."""

    def __init__(self, customer_id: int, expected: int | None, current: int | None):
        self.customer_id, self.expected, self.current = customer_id, expected, current
        super().__init__(
            f"Customer #{customer_id} was removed."
            if current is None
            else f"Customer #{customer_id} is at version {current}; the write was "
            f"made against {expected or 'no version'}."
        )

    @property
    def removed(self) -> bool:
        return self.current is None

    @property
    def unknown(self) -> bool:
        """The form came without the version it was opened at (opened before an upgrade,
        or not by our pages): what changed since cannot be told."""
        return self.expected is None

    def changes(self) -> list[ChangeEntry]:
        """What happened since the writer's version, oldest first: who, what, when."""
        return [] if self.expected is None else changes_since(self.customer_id, self.expected)


def posted(customer_id: int, text: str | None) -> int:
    """The version a form says it was opened at; a form that says none is refused like a
    stale one, since what it would overwrite cannot be told."""
    if text is not None and text.isascii() and text.isdigit() and len(text) < 12:
        return int(text)
    raise StaleVersion(customer_id, None, current(customer_id))


def current(customer_id: int) -> int | None:
    return Customer.select(Customer.version).where(Customer.id == customer_id).scalar()


def advance(customer_id: int, expected: int | None = None) -> int:
    """Move the version on by one (and the last-update time); with `expected`, only if the
    stored version is still that one. Inside the writer's transaction, so the compare and
    the set are one step. Returns the new version."""
    query = Customer.update(version=Customer.version + 1, updated_at=utcnow()).where(
        Customer.id == customer_id
    )
    if expected is not None:
        query = query.where(Customer.version == expected)
    if not query.execute():
        raise StaleVersion(customer_id, expected, current(customer_id))
    return current(customer_id)


def check_many(expected: dict[int, int | None]) -> None:
    """check() for many customers (ID -> version; None: any, as long as it is there) at
    once, each locked until the caller's transaction ends."""
    query = Customer.select(Customer.id, Customer.version)
    if not isinstance(db.obj, SqliteDatabase):  # SQLite: BEGIN IMMEDIATE
        query = query.order_by(Customer.id).for_update()
    stored = dict(rows_where(query.tuples(), Customer.id, expected))
    for customer_id in sorted(expected):
        wanted, found = expected[customer_id], stored.get(customer_id)
        if found is None or wanted not in (None, found):
            raise StaleVersion(customer_id, wanted, found)


def advance_many(expected: dict[int, int | None]) -> None:
    """advance() for many customers: checked (check_many), then each moved on by one."""
    check_many(expected)
    for part in slices(expected):
        Customer.update(version=Customer.version + 1, updated_at=utcnow()).where(
            in_list(Customer.id, part)
        ).execute()


def check(customer_id: int, expected: int, lock: bool = False) -> None:
    """Refuse a writer whose version is out of date, without writing anything. `lock`:
    hold the customer's row until the caller's transaction ends (its writes follow)."""
    query = Customer.select(Customer.version).where(Customer.id == customer_id)
    if lock and not isinstance(db.obj, SqliteDatabase):  # SQLite: BEGIN IMMEDIATE
        query = query.for_update()
    stored = query.scalar()
    if stored != expected:
        raise StaleVersion(customer_id, expected, stored)


def changed_by(customer_id: int, version: int) -> str:
    """ " by agent desk (ui) at 2026-12-05 10:00 UTC": who first changed the customer after
    `version`, for a message; "" when the history cannot tell."""
    since = changes_since(customer_id, version)
    if not since:
        return ""
    first = since[0]
    door = f" ({first.source})" if first.source != first.actor else ""
    return f" by {first.actor}{door} at {first.at:%Y-%m-%d %H:%M} UTC"


def changes_since(customer_id: int, version: int) -> list[ChangeEntry]:
    return list(
        ChangeEntry.select()
        .where((ChangeEntry.customer_id == customer_id) & (ChangeEntry.version > version))
        .order_by(ChangeEntry.id)
    )
