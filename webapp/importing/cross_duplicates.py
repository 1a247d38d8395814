"""Possible-duplicate warnings across the chunks of a file verified in parts.

Unless the admin chose to refuse them, possible duplicates (services/duplicates.py) only
warn: they change nothing a row does. So no row is judged again in file order for them
(conflicts.py would: a value many rows share, an address above all, would link most of a
big file). Each chunk keeps instead, per row, the values it was judged for and the values
its customer holds after it (Facts); the last step replays those facts in file order,
value by value, to name who held each value when its row came, and replaces the warnings
a chunk, seeing only itself, got wrong.

Only values seen in two or more chunks, or held before the file, are replayed: any other
was judged right by the one chunk that saw it."""

import heapq
import io
from collections import defaultdict
from dataclasses import dataclass, fields
from itertools import repeat

import numpy as np

from webapp.importing.conflicts import Touch, key_hash
from webapp.importing.view import FileView
from webapp.models import ImportProblem
from webapp.models.base import in_list, insert_rows
from webapp.services import duplicates

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
    # and the row's own customer (0: an add's, which holds nothing yet)
    j_line: np.ndarray
    j_key: np.ndarray
    j_kind: np.ndarray
    j_field: np.ndarray
    j_shown: np.ndarray
    j_own: np.ndarray
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

    @classmethod
    def of(cls, touches: dict[int, Touch]) -> "Facts":
        found = defaultdict(list)
        for line, touch in touches.items():
            if touch is None:
                continue
            if touch.same_person:
                found["p_line"].append(line)
            for kind, value, field, shown, stored, own in touch.judged:
                key = key_hash(f"{kind}\x1f{value}")
                found["j_line"].append(line)
                found["j_key"].append(key)
                found["j_kind"].append(kind)
                found["j_field"].append(field)
                found["j_shown"].append(shown)
                found["j_own"].append(0 if own is None else _ref_code(own))
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
    def load(cls, data: bytes | None) -> "Facts":
        kept = np.load(io.BytesIO(data)) if data else {}
        return cls(
            **{
                f.name: kept[PREFIX + f.name] if PREFIX + f.name in kept else _array(f.name, [])
                for f in fields(cls)
            }
        )

    def without(self, lines) -> "Facts":
        """These facts less those of `lines` (judged again: their new facts replace them)."""
        lines = np.array(sorted(lines), dtype=np.int64)
        kept = {}
        for group in ("j", "p", "o", "h"):
            keep = ~np.isin(getattr(self, f"{group}_line"), lines)
            for f in fields(self):
                if f.name.startswith(group + "_"):
                    kept[f.name] = getattr(self, f.name)[keep]
        return Facts(s_key=self.s_key, s_ref=self.s_ref, **kept)

    def plus(self, other: "Facts") -> "Facts":
        return Facts(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(self)
            }
        )


def _array(name: str, values: list) -> np.ndarray:
    if name.endswith("_key"):
        return np.array(values, dtype=np.uint64)
    if name in ("j_kind", "j_field", "j_shown"):
        return np.array(values, dtype=str) if values else np.array([], dtype="<U1")
    return np.array(values, dtype=np.int64)


def replay(job_id: int, chunks) -> int:
    """Name, in file order, who held each value a row was judged for; replace the
    warnings that differ. `chunks`: a callable giving (chunk, Facts) for each chunk in
    file order, read once per slice of the values. Returns how many rows changed."""
    shared = _shared_keys(chunks)
    if not len(shared):
        return 0
    bits = max(0, int(np.ceil(np.log2(len(shared) / SHARED_KEYS_BUDGET))))
    shift = np.uint64(64 - bits)
    named = defaultdict(dict)  # chunk number -> {judged index: (count, first refs)}
    for part in range(2**bits):
        keys = shared[(shared >> shift) == np.uint64(part)] if bits else shared
        _replay_slice(keys, chunks, named)
    return sum(
        _replace(job_id, chunk, facts, np.isin(facts.j_key, shared), named[chunk.number])
        for chunk, facts in chunks()
    )


SHARED_KEYS_BUDGET = 250_000  # values replayed at once: memory stays flat in file size


def _shared_keys(chunks) -> np.ndarray:
    """The values judged or held in two or more chunks, or held before the file."""
    keys, stored = [], []
    for _, facts in chunks():
        keys.append(np.unique(np.concatenate([facts.j_key, facts.h_key])))
        stored.append(facts.s_key)
    if not keys:
        return np.array([], dtype=np.uint64)
    distinct, chunk_count = np.unique(np.concatenate(keys), return_counts=True)
    return np.union1d(distinct[chunk_count >= 2], np.concatenate(stored))


def _replay_slice(keys: np.ndarray, chunks, named: dict) -> None:
    """Replay the facts about `keys` in file order: at each row judged for one of them,
    who (other than its own customer) holds it."""
    events = []  # (line, step, chunk, index, ref, key): step 0 judged, 1 changed, 2 holds
    holders, values = defaultdict(set), defaultdict(set)
    outcomes = []
    for chunk, facts in chunks():
        inside = np.isin(facts.s_key, keys)
        for key, ref in zip(
            facts.s_key[inside].tolist(), facts.s_ref[inside].tolist(), strict=True
        ):
            holders[key].add(ref)
            values[ref].add(key)
        inside = np.isin(facts.j_key, keys)
        events += zip(
            facts.j_line[inside].tolist(),
            repeat(0),
            repeat(chunk.number),
            np.flatnonzero(inside).tolist(),
            facts.j_own[inside].tolist(),
            facts.j_key[inside].tolist(),
        )
        inside = np.isin(facts.h_key, keys)
        events += zip(
            facts.h_line[inside].tolist(),
            repeat(2),
            repeat(0),
            repeat(0),
            facts.h_ref[inside].tolist(),
            facts.h_key[inside].tolist(),
        )
        outcomes.append((facts.o_line, facts.o_ref))
    # A change to a customer who held none of these values plays no part here.
    concerned = np.array(sorted(set(values) | {e[4] for e in events if e[1] == 2}), np.int64)
    for lines, refs in outcomes:
        inside = np.isin(refs, concerned)
        events += zip(
            lines[inside].tolist(),
            repeat(1),
            repeat(0),
            repeat(0),
            refs[inside].tolist(),
            repeat(0),
        )
    events.sort()
    for _line, step, number, index, ref, key in events:
        if step == 0:
            others = holders.get(key, set()) - {ref}
            if others:
                first = heapq.nsmallest(duplicates.MATCHES_NAMED, map(_ref, others), key=str)
                named[number][index] = (len(others), first)
        elif step == 1:
            for held in values.pop(ref, ()):
                holders[held].discard(ref)
        else:
            holders[key].add(ref)
            values[ref].add(key)


def _replace(job_id: int, chunk, facts: Facts, replayed: np.ndarray, named: dict) -> int:
    """Put right the chunk's warnings about the values replayed (`replayed`: a mask of
    its judged values); how many rows changed."""
    same_person = set(facts.p_line.tolist())
    wanted = set()
    for index, (count, first) in named.items():
        line, kind = int(facts.j_line[index]), str(facts.j_kind[index])
        if kind == "ssn" and line in same_person:
            continue
        found = duplicates.warning(
            kind,
            str(facts.j_field[index]),
            str(facts.j_shown[index]),
            first,
            count,
            FileView.describe,
        )
        wanted.add((line, found.field, found.value[:500], found.message))
    judged = set(
        zip(
            facts.j_line[replayed].tolist(),
            facts.j_field[replayed].tolist(),
            facts.j_shown[replayed].tolist(),
            strict=True,
        )
    )
    warned = (
        (ImportProblem.job == job_id)
        & (ImportProblem.phase == "verify")
        & (ImportProblem.severity == "warning")
        & ImportProblem.message.startswith(duplicates.POSSIBLE)
    )
    kept = set(
        ImportProblem.select(
            ImportProblem.line, ImportProblem.column, ImportProblem.value, ImportProblem.message
        )
        .where(warned & ImportProblem.line.between(chunk.first_line, chunk.last_line))
        .tuples()
    )
    changed = {row[0] for row in {k for k in kept if k[:3] in judged} ^ wanted}
    if not changed:
        return 0
    lines = sorted(changed)
    for start in range(0, len(lines), 500):
        part = lines[start : start + 500]
        ImportProblem.delete().where(warned & in_list(ImportProblem.line, part)).execute()
    rows = {k for k in kept if k[0] in changed and k[:3] not in judged} | {
        w for w in wanted if w[0] in changed
    }
    insert_rows(
        ImportProblem,
        [
            {
                "job": job_id,
                "phase": "verify",
                "severity": "warning",
                "line": line,
                "column": column,
                "value": value,
                "message": message,
            }
            for line, column, value, message in sorted(rows)
        ],
    )
    return len(changed)
