"""Possible-duplicate warnings of a file verified in chunks.

Unless the admin chose to refuse them, possible duplicates (services/duplicates.py) only
warn: they change nothing a row does. So no row is judged again in file order for them
(conflicts.py would: a value many rows share, an address above all, would link most of a
big file). Each chunk keeps instead, per row, the values it was judged for, who held each
as the chunk saw it, and the values its customer holds after it (Facts); the last step
replays those facts in file order, value by value, for the values a chunk alone could
not judge, and writes every possible-duplicate warning of the file once.

A value is replayed when rows of two or more chunks judged or held it, a customer held it
before the file, or a row judged again in file order (conflicts.py) judged it: for any
other, the one chunk that saw it saw everyone who held it.

Values are independent of each other here, so a big file's values are cut into parts by
their top bits, each replayed and written by its own job (`replay(…, part, parts)`):
the workers share what would otherwise be one worker's serial last step."""

import heapq
import io
from bisect import insort
from collections import defaultdict
from dataclasses import dataclass, fields

import numpy as np

from webapp.db import db
from webapp.importing import staging
from webapp.importing.conflicts import Touch, among, key_hash, run_starts
from webapp.importing.view import FileView
from webapp.models import ImportProblem
from webapp.models.base import insert_rows
from webapp.services import duplicates
from webapp.services.directory import holder_order

NAMED = duplicates.MATCHES_NAMED
PREFIX = "dup_"  # the arrays' names among the chunk's kept keys (conflicts.ChunkKeys.dump)


def _ref_code(ref) -> int:
    """A view ref as a number: a customer's ID, or minus the line that adds it."""
    return -ref[1] if isinstance(ref, tuple) else ref


def _ref(code: int):
    return ("new", -code) if code < 0 else code


@dataclass
class Facts:
    """One chunk's rows as the replay needs them (numpy arrays, one entry each)."""

    # per (row, value judged): the row, the value's key, its kind, where and how shown,
    # the row's own customer (0: an add's, which holds nothing yet), and how many others
    # held it as the chunk saw it, the first of them (3 ref codes, 0 for none)
    j_line: np.ndarray
    j_key: np.ndarray
    j_kind: np.ndarray
    j_field: np.ndarray
    j_shown: np.ndarray
    j_own: np.ndarray
    j_count: np.ndarray
    j_first: np.ndarray
    # who held a judged value before the file
    s_key: np.ndarray
    s_ref: np.ndarray
    # rows refused as the same person: their SSN is not warned about besides
    p_line: np.ndarray
    # per row that added, updated or removed a customer; and per value it holds after
    o_line: np.ndarray
    o_ref: np.ndarray
    h_line: np.ndarray
    h_ref: np.ndarray
    h_key: np.ndarray
    # rows judged again in file order (sorted): every value they judged is replayed
    r_line: np.ndarray

    @classmethod
    def of(cls, touches: dict[int, Touch]) -> "Facts":
        found = defaultdict(list)
        for line, touch in touches.items():
            if touch is None:
                continue
            if touch.same_person:
                found["p_line"].append(line)
            for kind, value, field, shown, stored, own, count, first in touch.judged:
                key = key_hash(f"{kind}\x1f{value}")
                found["j_line"].append(line)
                found["j_key"].append(key)
                found["j_kind"].append(kind)
                found["j_field"].append(field)
                found["j_shown"].append(shown)
                found["j_own"].append(0 if own is None else _ref_code(own))
                found["j_count"].append(count)
                found["j_first"].append(_first_codes(first))
                for ref in stored:
                    found["s_key"].append(key)
                    found["s_ref"].append(ref)
            if touch.outcome:
                ref, held = touch.outcome
                found["o_line"].append(line)
                found["o_ref"].append(_ref_code(ref))
                for kind, value in held:
                    found["h_line"].append(line)
                    found["h_ref"].append(_ref_code(ref))
                    found["h_key"].append(key_hash(f"{kind}\x1f{value}"))
        return cls(**{f.name: _array(f.name, found[f.name]) for f in fields(cls)})

    def arrays(self) -> dict[str, np.ndarray]:
        return {PREFIX + f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def load(cls, data: bytes | None, only: tuple[str, ...] | None = None) -> "Facts":
        """The facts kept with a chunk; with `only`, just those arrays are read (each is
        compressed on its own) and the others left empty."""
        kept = np.load(io.BytesIO(data)) if data else {}
        return cls(
            **{
                f.name: kept[PREFIX + f.name]
                if PREFIX + f.name in kept and (only is None or f.name in only)
                else _array(f.name, [])
                for f in fields(cls)
            }
        )

    def about(self, part: "_Part") -> "Facts":
        """Only the facts about the part's values; every row's outcome stays (it may
        end a customer's hold on one). Arrays not loaded stay empty."""
        if part.count == 1:
            return self
        kept = {}
        for f in fields(self):
            values, group = getattr(self, f.name), f.name[0]
            if group in "jhs" and len(values):
                values = values[part.holds(getattr(self, f"{group}_key"))]
            kept[f.name] = values
        return Facts(**kept)

    def judged_again(self, lines, new: "Facts") -> "Facts":
        """These facts with those of `lines` replaced by `new`, the facts of judging them
        again in file order; `lines` are marked as judged again."""
        lines = np.array(sorted(lines), dtype=np.int64)
        kept = {}
        for f in fields(self):
            mine, group = getattr(self, f.name), f.name[0]
            if group in "jpoh":
                mine = mine[~np.isin(getattr(self, f"{group}_line"), lines)]
            kept[f.name] = np.concatenate([mine, getattr(new, f.name)])
        kept["r_line"] = np.union1d(self.r_line, lines)
        return Facts(**kept)


def _first_codes(refs: list) -> list[int]:
    codes = [_ref_code(ref) for ref in refs[:NAMED]]
    return codes + [0] * (NAMED - len(codes))


def _array(name: str, values: list) -> np.ndarray:
    if name == "j_first":
        return np.array(values, dtype=np.int64).reshape(-1, NAMED)
    if name.endswith("_key"):
        return np.array(values, dtype=np.uint64)
    if name in ("j_kind", "j_field", "j_shown"):
        return np.array(values, dtype=str) if values else np.array([], dtype="<U1")
    return np.array(values, dtype=np.int64)


def replay(job_id: int, chunks, mark, part: int = 0, parts: int = 1) -> int | None:
    """Write the possible-duplicate warnings about the values of `part` (of `parts`, a
    power of two: values go by their top bits): as each chunk saw them, or, for the
    values a chunk alone could not judge, as a replay in file order finds them.
    `chunks(only)`: a callable giving (chunk, Facts.load(…, only)) for each chunk in
    file order, read once per slice of those values (holding a part's facts in memory
    instead took a 1M-row file's last step from 209 to 401 MiB, for a few seconds a
    part). The warnings are written in one transaction with `mark()`, which records
    the part as done; if it says another run of the part did so first, none are.
    Returns how many warnings, or None then."""
    ours = _Part(part, parts)
    shared = _shared_keys(((chunk, facts.about(ours)) for chunk, facts in chunks(SHARING)), ours)
    found = [  # per slice: (chunk number, judged index, count, first codes) arrays
        _replay_slice(shared[start : start + SHARED_KEYS_BUDGET], chunks(REPLAYED))
        for start in range(0, len(shared), SHARED_KEYS_BUDGET)
    ]
    with db.atomic() as transaction:
        written = sum(
            _write(job_id, facts, found, chunk.number, ours.holds(facts.j_key))
            for chunk, facts in chunks(WRITTEN)
        )
        if mark():
            return written
        transaction.rollback()
        return None


@dataclass(frozen=True)
class _Part:
    """The values whose top bits are `number`, of `count` parts (a power of two)."""

    number: int
    count: int

    def holds(self, keys: np.ndarray) -> np.ndarray:
        if self.count == 1:
            return np.ones(len(keys), dtype=bool)
        return (keys >> np.uint64(64 - self.bits)) == np.uint64(self.number)

    @property
    def bits(self) -> int:
        return self.count.bit_length() - 1


SHARED_KEYS_BUDGET = 50_000  # values replayed at once: memory stays flat in file size
# The facts each pass over the chunks reads (Facts.load's `only`).
SHARING = ("j_key", "j_line", "h_key", "s_key", "r_line")
REPLAYED = (
    "s_key",
    "s_ref",
    "j_line",
    "j_key",
    "j_own",
    "h_line",
    "h_ref",
    "h_key",
    "o_line",
    "o_ref",
)
WRITTEN = ("j_line", "j_key", "j_kind", "j_field", "j_shown", "j_count", "j_first", "p_line")


def _shared_keys(chunks, part: _Part) -> np.ndarray:
    """The part's values to replay, sorted (see the module's docstring); `chunks`: each
    chunk with its facts about the part, in file order. Each chunk's values, once each,
    are put in buckets by their next top bits and counted a bucket at a time: memory
    holds the part's values once, not the four copies one sort of them all takes."""
    buckets = [[] for _ in range(2**BUCKET_BITS)]
    shift = np.uint64(64 - part.bits - BUCKET_BITS)
    low = np.uint64(part.number) << np.uint64(64 - part.bits) if part.bits else np.uint64(0)
    bounds = low + (np.arange(1, len(buckets), dtype=np.uint64) << shift)
    found = []
    for _, facts in chunks:
        distinct = np.unique(np.concatenate([facts.j_key, facts.h_key]))
        pieces = np.split(distinct, np.searchsorted(distinct, bounds))
        for bucket, piece in zip(buckets, pieces, strict=True):
            bucket.append(piece.copy())  # not a view: each bucket's memory goes with it
        found += [facts.s_key, facts.j_key[among(facts.j_line, facts.r_line)]]
    for number in range(len(buckets)):
        values = np.concatenate(buckets[number] or [np.array([], np.uint64)])
        buckets[number] = None
        values.sort()
        starts = run_starts(values)
        chunk_count = np.diff(np.r_[starts, len(values)])
        found.append(values[starts[chunk_count >= 2]])
    return np.unique(np.concatenate(found))


BUCKET_BITS = 4


def _replay_slice(keys: np.ndarray, chunks) -> tuple[np.ndarray, ...]:
    """Replay the facts about `keys` (sorted) in file order: at each row judged for one
    of them, who (besides its own customer) holds it. `chunks`: each chunk with its
    facts, in file order. Returns (chunk number, judged index, count, first codes) for
    each such judged value, in line order."""
    holders = _Holders()
    judged, held, outcomes = [], [], []
    for chunk, facts in chunks:
        inside = among(facts.s_key, keys)
        for key, ref in zip(
            facts.s_key[inside].tolist(), facts.s_ref[inside].tolist(), strict=True
        ):
            holders.hold(ref, key)
        inside = among(facts.j_key, keys)
        index = np.flatnonzero(inside)
        judged.append(
            (facts.j_line[index], chunk.number, index, facts.j_own[index], facts.j_key[index])
        )
        inside = among(facts.h_key, keys)
        held.append((facts.h_line[inside], facts.h_ref[inside], facts.h_key[inside]))
        outcomes.append((facts.o_line, facts.o_ref))
    # A change to a customer who held none of these values plays no part here.
    concerned = np.union1d(
        np.fromiter(holders.values, np.int64, len(holders.values)),
        np.concatenate([refs for _, refs, _ in held] or [np.array([], np.int64)]),
    )
    changed = []
    for lines, refs in outcomes:
        inside = among(refs, concerned)
        changed.append((lines[inside], refs[inside]))
    step, number, index, ref, key = _events(judged, held, changed)
    del judged, held, changed
    judging = step == 0
    counts = np.zeros(np.count_nonzero(judging), np.int64)
    firsts = np.zeros((len(counts), NAMED), np.int64)
    at = 0
    for start in range(0, len(step), 65_536):  # as Python ints a block at a time
        block = slice(start, start + 65_536)
        for kind, who, value in zip(
            step[block].tolist(), ref[block].tolist(), key[block].tolist(), strict=True
        ):
            if kind == 0:
                counts[at], first = holders.others(value, who)
                firsts[at] = _first_codes(first)
                at += 1
            elif kind == 1:
                holders.change(who)
            else:
                holders.hold(who, value)
    return number[judging], index[judging], counts, firsts


def _events(judged: list, held: list, changed: list) -> list[np.ndarray]:
    """The replay's events in file order, as columns [step, chunk, index, ref, key].
    Step 0: a row judged a value (its chunk, the value's index there); 1: a row changed
    its customer; 2: its customer holds a value after it. A slice has about a million:
    each column has the narrowest type and is put in order on its own."""
    j, h, c = (sum(len(group[0]) for group in groups) for groups in (judged, held, changed))
    lines = [g[0] for g in judged] + [g[0] for g in held] + [g[0] for g in changed]
    columns = [
        _column([np.zeros(j), np.full(h, 2), np.ones(c)], np.int8),
        _column([np.full(len(g[0]), g[1]) for g in judged] + [np.zeros(h + c)], np.int32),
        _column([g[2] for g in judged] + [np.zeros(h + c)], np.int32),
        _column([g[3] for g in judged] + [g[1] for g in held] + [g[1] for g in changed], np.int64),
        _column([g[4] for g in judged] + [g[2] for g in held] + [np.zeros(c)], np.uint64),
    ]
    order = np.lexsort((columns[2], columns[1], columns[0], _column(lines, np.int32)))
    for at, column in enumerate(columns):
        columns[at] = column[order]  # the unordered one goes as its ordered one comes
    return columns


def _column(pieces: list, dtype) -> np.ndarray:
    return np.concatenate([np.asarray(p, dtype=dtype) for p in pieces] or [np.array([], dtype)])


class _Holders:
    """Who holds each value as the replay goes (ref codes), with the first of them as a
    warning names them (in holder_order) kept at hand: a value thousands of rows share (a
    placeholder email) costs each row a look, not a sort."""

    KEPT = duplicates.MATCHES_NAMED + 1  # one more: the row's own customer is left out

    def __init__(self):
        self.refs = defaultdict(set)  # key -> who holds it
        self.values = defaultdict(set)  # ref -> the keys it holds
        self._first = {}  # key -> its KEPT first holders (refs), when known

    def hold(self, ref: int, key: int) -> None:
        if ref in self.refs[key]:
            return
        self.refs[key].add(ref)
        self.values[ref].add(key)
        if (first := self._first.get(key)) is not None:
            insort(first, _ref(ref), key=holder_order)
            del first[self.KEPT :]

    def change(self, ref: int) -> None:
        """A row changed (or removed) the customer: it holds nothing until told again."""
        for key in self.values.pop(ref, ()):
            self.refs[key].discard(ref)
            if _ref(ref) in self._first.get(key, ()):
                del self._first[key]

    def others(self, key: int, own: int) -> tuple[int, list]:
        """How many besides `own` hold the value, and the first of them."""
        refs = self.refs.get(key)
        if not refs:
            return 0, []
        first = self._first.get(key)
        if first is None:
            first = self._first[key] = heapq.nsmallest(self.KEPT, map(_ref, refs), key=holder_order)
        named = [ref for ref in first if ref != _ref(own)][: duplicates.MATCHES_NAMED]
        return len(refs) - (own in refs), named


def _write(job_id: int, facts: Facts, replayed: list[tuple], number: int, ours) -> int:
    """Insert the chunk's possible-duplicate warnings about the values judged where
    `ours` is true; how many. `replayed`: each slice's results, in line order, so by
    chunk number too."""
    counts, firsts = np.where(ours, facts.j_count, 0), facts.j_first.copy()
    for numbers, indexes, replayed_counts, replayed_firsts in replayed:
        mine = slice(*np.searchsorted(numbers, [number, number + 1]))
        counts[indexes[mine]] = replayed_counts[mine]
        firsts[indexes[mine]] = replayed_firsts[mine]
    same_person = set(facts.p_line.tolist())
    rows = []
    for index in np.flatnonzero(counts).tolist():
        line, kind = int(facts.j_line[index]), str(facts.j_kind[index])
        if kind == "ssn" and line in same_person:
            continue  # refused as the same person: its SSN is not warned about besides
        first = [_ref(code) for code in firsts[index].tolist() if code]
        found = duplicates.warning(
            kind,
            str(facts.j_field[index]),
            str(facts.j_shown[index]),
            first,
            int(counts[index]),
            FileView.describe,
        )
        rows.append(staging.problem_row(job_id, "verify", line, found, "warning"))
    insert_rows(ImportProblem, rows)
    return len(rows)
