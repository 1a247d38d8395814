"""The change history: who changed what, when, through which door, from what to what.

Values are written as people read them, with SSNs cut to their last four digits and
passwords never written at all. Each entry of a write carries the customer version it
produced, so a refused stale write can be told exactly what happened since."""

import json
import time

from webapp.models import ChangeEntry, CustomerStatus
from webapp.models.base import delete_where, insert_rows
from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.rules.record import is_blank
from webapp.services import versions
from webapp.services.actor import Actor

EXTRA_LABELS = {"doNotCaseFormat": "Do not case format"}


def describe(name: str, value, status_titles: dict[int, str]) -> str:
    if is_blank(value):
        return ""
    if name == "status":
        return f"{status_titles.get(value, '?')} (ID {value})"
    spec = FIELDS_BY_NAME.get(name)
    if spec is None:
        return "Yes" if value is True else "No" if value is False else str(value)
    return spec.display(value)


def label(name: str) -> str:
    spec = FIELDS_BY_NAME.get(name)
    return spec.label if spec else EXTRA_LABELS.get(name, name)


def _base(customer_id: int, actor: Actor, action: str) -> dict:
    return {
        "customer_id": customer_id,
        "user": actor.user,
        "actor": actor.name,
        "source": actor.source,
        "action": action,
    }


def record_created(customer_id: int, record: dict, actor: Actor) -> None:
    record_created_many([(customer_id, record)], actor)


def record_created_many(created: list[tuple[int, dict]], actor: Actor) -> None:
    """One entry per new customer: what it was created with, by field name (labels are
    put on when the history is shown), masked as everywhere else."""
    titles = status_titles()
    base = {**_base(0, actor, "create"), "version": 1}
    rows = []
    for customer_id, record in created:
        snapshot = {
            n: v if type(v) is str and n not in _MASKED else _snapshot_value(n, v, titles)
            for n, v in record.items()
            if v is not None and v != "" and v != []
        }
        rows.append(
            {
                **base,
                "customer_id": customer_id,
                "field": None,
                "new_value": json.dumps(snapshot, ensure_ascii=False),
            }
        )
    insert_rows(ChangeEntry, rows)


_MASKED = {s.name for s in FIELDS_BY_NAME.values() if s.mask} | {"status"}


def _snapshot_value(name: str, value, titles) -> str:
    if name in _MASKED:
        return describe(name, value, titles)
    if isinstance(value, list):
        return "; ".join(value)
    return value if isinstance(value, str) else str(value)


def created_fields(entry: ChangeEntry) -> list[tuple[str, str]]:
    """(label, value) pairs of a creation entry, in the field table's order."""
    snapshot = json.loads(entry.new_value or "{}")
    return [(label(n), snapshot[n]) for n in (*FIELDS_BY_NAME, *EXTRA_LABELS) if n in snapshot]


def change_rows(customer_id: int, old: dict, new: dict, actor: Actor) -> list[dict]:
    """One entry per changed field, not yet written (the caller adds the version)."""
    titles = status_titles()
    rows = []
    for name in new:
        if name == "password":
            if new[name]:
                rows.append(
                    {
                        **_base(customer_id, actor, "update"),
                        "section": "web",
                        "field": name,
                        "old_value": "",
                        "new_value": "(changed)",
                    }
                )
            continue
        before, after = old.get(name), new.get(name)
        if (None if is_blank(before) else before) == (None if is_blank(after) else after):
            continue
        spec = FIELDS_BY_NAME.get(name)
        rows.append(
            {
                **_base(customer_id, actor, "update"),
                "section": spec.section if spec else "general",
                "field": name,
                "old_value": describe(name, before, titles),
                "new_value": describe(name, after, titles),
            }
        )
    return rows


def write_change_rows(rows: list[dict]) -> None:
    """Rows of change_rows, each with the version its write produced."""
    insert_rows(ChangeEntry, rows)


def record_section_change(
    customer_id: int, actor: Actor, section: str, field: str, old: str = "", new: str = ""
) -> None:
    """A write outside the customer record itself (a phone's marks, a note, a reference,
    a loan link), with the field named as people read it. It advances the customer's
    version: every section write comes through here."""
    ChangeEntry.create(
        **_base(customer_id, actor, "update"),
        section=section,
        field=field,
        old_value=old,
        new_value=new,
        version=versions.advance(customer_id),
    )


def record_action(customer_id: int, actor: Actor, section: str, what: str, outcome: str) -> None:
    """Something done with the customer that changes none of its data (an OFAC check, a
    privacy export): recorded, but the version stays."""
    ChangeEntry.create(
        **_base(customer_id, actor, "update"),
        section=section,
        field=what,
        old_value="",
        new_value=outcome,
    )


def record_deleted(removed: dict[int, dict], actor: Actor) -> None:
    """Drop each removed customer's history (it holds personal data) and leave a
    tombstone that says only who removed which ID, when, and how many rows went with it.
    `removed`: customer ID -> those counts."""
    delete_where(ChangeEntry.customer_id, list(removed))
    insert_rows(
        ChangeEntry,
        [
            {
                **_base(customer_id, actor, "delete"),
                "field": None,
                "new_value": json.dumps({"removed": counts}),
            }
            for customer_id, counts in removed.items()
        ],
    )


def entries_for(customer_id: int, section: str | None = None):
    """The customer's history, newest first; one section's slice when `section` is given."""
    query = ChangeEntry.select().where(ChangeEntry.customer_id == customer_id)
    if section is not None:
        query = query.where(ChangeEntry.section == section)
    return query.order_by(ChangeEntry.at.desc(), ChangeEntry.id.desc())


_TITLES_TTL = 2.0  # seconds; every change made in this process clears it at once
_titles_cache: tuple[float, dict[int, str]] = (-_TITLES_TTL, {})


def status_titles() -> dict[int, str]:
    """Status titles by ID, read at most every two seconds: an import asks once a row."""
    global _titles_cache
    fetched_at, titles = _titles_cache
    if time.monotonic() - fetched_at > _TITLES_TTL:
        titles = {
            s.id: s.title for s in CustomerStatus.select(CustomerStatus.id, CustomerStatus.title)
        }
        _titles_cache = (time.monotonic(), titles)
    return titles


def forget_status_titles() -> None:
    global _titles_cache
    _titles_cache = (-_TITLES_TTL, {})
