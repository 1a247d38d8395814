"""Each customer's version. Every write advances it; a write made against an older version
than the one stored is refused, so what someone else saved in between is never silently
overwritten (optimistic concurrency: nothing is locked while a person edits)."""

from peewee import SqliteDatabase

from webapp.db import db
from webapp.models import ChangeEntry, Customer
from webapp.models.base import utcnow


class StaleVersion(Exception):
    """The customer changed after the writer read it."""

    def __init__(self, customer_id: int, expected: int, current: int | None):
        self.customer_id, self.expected, self.current = customer_id, expected, current
        super().__init__(f"Customer #{customer_id} was changed by someone else (version "
                         f"{current}, not {expected}) or removed." if current is not None else
                         f"Customer #{customer_id} was removed.")

    @property
    def removed(self) -> bool:
        return self.current is None

    def changes(self) -> list[ChangeEntry]:
        """What happened since the writer's version, oldest first: who, what, when."""
        return changes_since(self.customer_id, self.expected)


def current(customer_id: int) -> int | None:
    return Customer.select(Customer.version).where(Customer.id == customer_id).scalar()


def advance(customer_id: int, expected: int | None = None) -> int:
    """Move the version on by one (and the last-update time); with `expected`, only if the
    stored version is still that one. Inside the writer's transaction, so the compare and
    the set are one step. Returns the new version."""
    query = Customer.update(version=Customer.version + 1, updated_at=utcnow()).where(
        Customer.id == customer_id)
    if expected is not None:
        query = query.where(Customer.version == expected)
    if not query.execute():
        raise StaleVersion(customer_id, expected, current(customer_id))
    return current(customer_id)


def check(customer_id: int, expected: int, lock: bool = False) -> None:
    """Refuse a writer whose version is out of date, without writing anything. `lock`:
    hold the customer's row until the caller's transaction ends (its writes follow)."""
    query = Customer.select(Customer.version).where(Customer.id == customer_id)
    if lock and not isinstance(db.obj, SqliteDatabase):  # SQLite: BEGIN IMMEDIATE
        query = query.for_update()
    stored = query.scalar()
    if stored != expected:
        raise StaleVersion(customer_id, expected, stored)


def changes_since(customer_id: int, version: int) -> list[ChangeEntry]:
    return list(ChangeEntry.select().where((ChangeEntry.customer_id == customer_id)
                                           & (ChangeEntry.version > version))
                .order_by(ChangeEntry.id))
