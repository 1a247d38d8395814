"""The customers as the file's earlier rows leave them.

Rows apply in file order as if each were its own request, so a row is judged against the
database with every earlier row of the file applied: an update after an update merges,
an update after a remove finds no customer, an import ID a removed customer held is free
again. Verify writes nothing, so it keeps those effects here (a scratch SQLite file, not
memory: a million-row file costs no more memory than a small one); the import writes
them as it goes and keeps here only the effects of the chunk in hand. Both judge every
row through this one view, which is why verify foresees the import row by row.

A customer is a ref: its system ID, or ("new", line) for one this file adds (verify
never learns its ID). Lookups go to the database once per chunk for what the chunk's
rows name (`prefetch`), and on demand for anything else."""

import pickle
import sqlite3
import tempfile
from collections import defaultdict

from peewee import SqliteDatabase

from webapp.db import db
from webapp.models import Customer
from webapp.models.base import in_list
from webapp.rules.spec import is_digits
from webapp.services.customer_record import read_records
from webapp.services.directory import (
    holder_order,
    record_keys,
    stored_holders,
    stored_usernames_starting,
)

_UNTOUCHED = object()
_NOBODY: frozenset = frozenset()  # who holds a value nobody holds (never changed in place)


class Scratch:
    """The effects of earlier chunks, for verify: each touched customer's record (None
    once removed) and the keys it holds."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="import-view-")
        self._db = sqlite3.connect(f"{self._dir.name}/view.db", isolation_level=None)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE state (ref TEXT PRIMARY KEY, record BLOB) WITHOUT ROWID;"
            "CREATE TABLE held (kind TEXT, value TEXT, ref TEXT, PRIMARY KEY (kind, value, ref))"
            " WITHOUT ROWID;"
        )

    def states(self, refs) -> dict:
        """ref -> record (None once removed) for the refs earlier chunks touched."""
        codes = [_code(ref) for ref in refs]
        found = {}
        for start in range(0, len(codes), 900):
            part = codes[start : start + 900]
            found.update(
                (_ref(code), pickle.loads(record))
                for code, record in self._db.execute(
                    f"SELECT ref, record FROM state WHERE ref IN ({','.join('?' * len(part))})",
                    part,
                )
            )
        return found

    def holders(self, kind: str, values) -> dict[str, set]:
        values = list(values)
        found = defaultdict(set)
        for start in range(0, len(values), 900):
            part = values[start : start + 900]
            for value, code in self._db.execute(
                f"SELECT value, ref FROM held WHERE kind = ? AND value IN "
                f"({','.join('?' * len(part))})",
                [kind, *part],
            ):
                found[value].add(_ref(code))
        return found

    def usernames_starting(self, stem: str) -> dict[str, set]:
        found = defaultdict(set)
        for value, ref in self._db.execute(
            "SELECT value, ref FROM held WHERE kind = 'username' AND value >= ? AND value < ?",
            (stem, stem + "\U0010ffff"),
        ):
            found[value].add(_ref(ref))
        return found

    def store(self, states: dict, keys: dict, replaced: dict) -> None:
        """The chunk's effects: each ref's record and (from `keys`) what it holds now;
        `replaced`: what the refs stored by earlier chunks held then."""
        self._db.execute("BEGIN")
        self._db.executemany(
            "DELETE FROM held WHERE kind = ? AND value = ? AND ref = ?",
            [
                (kind, value, _code(ref))
                for ref, held in replaced.items()
                for kind, values in held.items()
                for value in values
            ],
        )
        # A password plays no part in judging later rows: it never reaches the disk.
        self._db.executemany(
            "INSERT OR REPLACE INTO state VALUES (?, ?)",
            [
                (
                    _code(ref),
                    pickle.dumps(record and {**record, "password": None}, pickle.HIGHEST_PROTOCOL),
                )
                for ref, record in states.items()
            ],
        )
        self._db.executemany(
            "INSERT INTO held VALUES (?, ?, ?)",
            [
                (kind, value, _code(ref))
                for ref, record in states.items()
                if record
                for kind, values in keys[ref].items()
                for value in values
            ],
        )
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


def _written(ref, keys: dict):
    """The keys a row's outcome writes: its customer, the values it holds now, and the
    stems its username extends with a number (davidhicks2 is what usernames_starting
    finds for davidhicks)."""
    yield f"ref\x1f{_code(ref)}"
    for kind, values in keys.items():
        for value in values:
            yield f"{kind}\x1f{value}"
            if kind == "username":
                end = len(value)
                while end > 0 and value[end - 1].isdigit():
                    end -= 1
                    yield f"stem\x1f{value[:end]}"


def _code(ref) -> str:
    return f"n{ref[1]}" if isinstance(ref, tuple) else str(ref)


def _ref(code: str):
    return ("new", int(code[1:])) if code[0] == "n" else int(code)


class FileView:
    def __init__(self, id_ceiling: int, scratch: Scratch | None, lock: bool = False):
        self.id_ceiling = id_ceiling  # system IDs name customers up to this one
        self.scratch = scratch
        self.lock = lock  # the import locks the rows it reads until its chunk commits
        self.touch = None  # a conflicts.Touch: what the row being judged reads and writes
        # Kinds whose reads and writes link no rows (only warned about: the last step
        # names them across chunks, cross_duplicates.py); touch.outcome keeps them instead.
        self.untracked: frozenset = frozenset()
        self._begin_chunk()

    def _begin_chunk(self) -> None:
        self._states: dict = {}  # ref -> record, or None once removed: this chunk's effects
        self._keys: dict = {}  # ref -> record_keys of its record in self._states
        self._held: dict = defaultdict(set)  # (kind, value) -> refs, per self._states
        self._stored_holders: dict = {}  # (kind, value) -> IDs, as the database has it
        # What earlier chunks did (verify), read once per chunk: it holds still meanwhile.
        self._earlier_states: dict = {}
        self._earlier_holders: dict = {}
        self.customers: dict[int, Customer] = {}  # rows read for this chunk
        self._records: dict[int, dict] = {}

    # ---- reading ------------------------------------------------------------------

    def prefetch(self, keys: list[str], pairs: dict[str, set[str]]) -> None:
        """Read in a few queries what the chunk's rows name: the customers their
        customerId cells may mean, and who holds the values they bring."""
        numbers = [
            int(k) for k in keys if is_digits(k) and len(k) < 12 and int(k) <= self.id_ceiling
        ]
        pairs = {kind: set(values) for kind, values in pairs.items()}
        pairs.setdefault("importId", set()).update(keys)
        for kind, values in pairs.items():
            self._look_up(kind, values)
        wanted = set(numbers) | {i for k in keys for i in self._stored_holders[("importId", k)]}
        self._read_customers(wanted)
        self._recall(
            set(numbers) | {ref for found in self._stored_holders.values() for ref in found}
        )

    def _look_up(self, kind: str, values) -> None:
        """Who held these values when the chunk began: stored, and after earlier chunks."""
        stored_before, earlier_before = self._stored_holders, self._earlier_holders
        values = [v for v in values if (kind, v) not in stored_before]
        found = stored_holders(kind, values)
        earlier = self.scratch.holders(kind, values) if self.scratch else {}
        for value in values:  # most values are nobody's: they share one empty set
            stored_before[(kind, value)] = found.get(value, _NOBODY)
            earlier_before[(kind, value)] = earlier.get(value, _NOBODY)
        self._recall({ref for value in values for ref in found.get(value, ())})

    def _recall(self, refs) -> None:
        """Read what earlier chunks did to these customers."""
        refs = [ref for ref in refs if ref not in self._earlier_states]
        if self.scratch and refs:
            found = self.scratch.states(refs)
            self._earlier_states.update((ref, found.get(ref, _UNTOUCHED)) for ref in refs)
        else:
            self._earlier_states.update(dict.fromkeys(refs, _UNTOUCHED))

    def _read_customers(self, ids) -> None:
        ids = sorted(set(ids) - set(self.customers))
        for start in range(0, len(ids), 500):
            query = Customer.select().where(in_list(Customer.id, ids[start : start + 500]))
            if self.lock and not isinstance(db.obj, SqliteDatabase):
                query = query.order_by(Customer.id).for_update()  # SQLite: BEGIN IMMEDIATE
            rows = list(query)
            self.customers.update((c.id, c) for c in rows)
            self._records.update(read_records(rows))

    def state(self, ref):
        """This file's record of the customer: a dict, None once removed, or _UNTOUCHED."""
        if self.touch is not None:
            self.touch.read.add(f"ref\x1f{_code(ref)}")
        if ref in self._states:
            return self._states[ref]
        if ref not in self._earlier_states:
            self._recall([ref])
        return self._earlier_states[ref]

    def exists(self, ref) -> bool:
        state = self.state(ref)
        if state is not _UNTOUCHED:
            return state is not None
        self._read_customers([ref])
        return ref in self.customers

    def record(self, ref) -> dict:
        state = self.state(ref)
        if state is not _UNTOUCHED:
            return state
        self._read_customers([ref])
        return self._records[ref]

    def holders(self, kind: str, value: str) -> set:
        """The customers holding `value` of this kind now."""
        if kind in self.untracked:
            touch, self.touch = self.touch, None
            try:
                return self._holders(kind, value)
            finally:
                self.touch = touch
        if self.touch is not None:
            self.touch.read.add(f"{kind}\x1f{value}")
        return self._holders(kind, value)

    def stored_holders(self, kind: str, value: str) -> set:
        """Who held `value` before the file, as holders() found it."""
        return self._stored_holders[(kind, value)]

    def _holders(self, kind: str, value: str) -> set:
        key = (kind, value)
        stored = self._stored_holders.get(key)
        if stored is None:
            self._look_up(kind, [value])
            stored = self._stored_holders[key]
        earlier, held = self._earlier_holders[key], self._held.get(key, ())
        if not stored and not earlier:  # most values of a file: nobody else has them
            return set(held)
        found = {ref for ref in stored if self.state(ref) is _UNTOUCHED}
        found.update(ref for ref in earlier if ref not in self._states)
        return found.union(held)

    def usernames_starting(self, stem: str) -> set[str]:
        if self.touch is not None:
            self.touch.read.add(f"stem\x1f{stem}")
        names = {
            name for ref, name in stored_usernames_starting(stem) if self.state(ref) is _UNTOUCHED
        }
        if self.scratch:
            names |= {
                name
                for name, refs in self.scratch.usernames_starting(stem).items()
                if any(ref not in self._states for ref in refs)
            }
        return names | {
            value
            for (kind, value), refs in self._held.items()
            if kind == "username" and refs and value.startswith(stem)
        }

    @staticmethod
    def describe(ref) -> str:
        if isinstance(ref, tuple):
            return f"the customer line {ref[1]} of this file adds"
        return f"customer #{ref}"

    def resolve(self, key: str) -> tuple[object | None, str | None]:
        """The customer an update or remove row names, by import ID or system ID; (None,
        why) when it names none, or two different ones."""
        by_import = sorted(self.holders("importId", key), key=holder_order)
        by_id = None
        if is_digits(key) and len(key) < 12:
            number = int(key)
            if number <= self.id_ceiling and self.exists(number):
                by_id = number
        found = set(by_import) | ({by_id} if by_id is not None else set())
        if len(found) == 1:
            return found.pop(), None
        if not found:
            return None, (
                f"No customer has the ID or import ID {key!r}"
                + (
                    " (customers this file adds are named by their importId)."
                    if by_id is None and is_digits(key) and int(key) > self.id_ceiling
                    else "."
                )
            )
        other = by_import[0]
        return None, (
            f"{key!r} is ambiguous: it is the system ID of customer #{by_id} and "
            f"the import ID of {self.describe(other)}. Nothing was changed; to mean "
            f"customer #{by_id}, change that other customer's import ID first, or "
            f"name the other by its own system ID."
        )

    # ---- what a row does ---------------------------------------------------------

    def add(self, line: int, record: dict, keys: dict):
        ref = ("new", line)
        self._set(ref, record, keys)
        return ref

    def update(self, ref, record: dict, keys: dict) -> None:
        self._set(ref, record, keys)

    def remove(self, ref) -> None:
        self._set(ref, None, {})

    def _set(self, ref, record, keys: dict) -> None:
        """`keys`: record_keys(record), which the caller has at hand already."""
        if self.touch is not None:
            tracked = {k: v for k, v in keys.items() if k not in self.untracked}
            self.touch.wrote.update(_written(ref, tracked))
            if self.untracked:
                held = [(k, v) for k in self.untracked for v in sorted(keys.get(k, ()))]
                self.touch.outcome = (ref, held)
        for kind, values in self._keys.get(ref, {}).items():
            for value in values:
                self._held[(kind, value)].discard(ref)  # there since _set put it there
        self._states[ref], self._keys[ref] = record, keys
        for kind, values in keys.items():
            for value in values:
                self._held[(kind, value)].add(ref)

    def end_chunk(self) -> None:
        """Verify keeps the chunk's effects for the rows to come; the import has written
        them to the database, where the next chunk reads them."""
        if self.scratch and self._states:
            replaced = {
                ref: record_keys(earlier)
                for ref in self._states
                if (earlier := self._earlier_states.get(ref)) and earlier is not _UNTOUCHED
            }
            self.scratch.store(self._states, self._keys, replaced)
        self._begin_chunk()
