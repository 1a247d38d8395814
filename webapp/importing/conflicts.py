"""Which rows of a file verified in separate chunks must be judged again together.

Each chunk is judged against the database alone, as if no other chunk's rows came before
it. That is right for a row unless a row of another chunk touches what it touched: the
same customer, import ID, username, SSN, email, phone, address or username stem (see
Touch). Keys are compared as 64-bit hashes; two keys sharing a hash only cost a row judged
again, never a wrong verdict.

A key some row writes and rows of two or more chunks touch is contested. The rows to
judge again in file order are those touching a contested key, together with every row
linked to them through a key one of the two writes (a row that saw a rejudged row's
effect may see another now). Rows linked to none of them were judged on what they would
see in the full file, so their verdicts stand."""

import hashlib
import io
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

ROW_KEYS_BUDGET = 1_000_000  # keys sorted at once when looking for contested ones


@dataclass
class Touch:
    """The keys one row's judging read and the keys its outcome wrote; and, for the
    possible duplicates the last step names across chunks (cross_duplicates.py), the values
    it was judged for and those its customer holds after it."""

    read: set = field(default_factory=set)
    wrote: set = field(default_factory=set)
    # (kind, value, field, shown, stored IDs, own, how many others held it, the first)
    judged: list = field(default_factory=list)
    same_person: bool = False  # refused as the same person: its SSN is not warned about
    outcome: tuple | None = None  # (ref, [(kind, value) its customer holds now])


def key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


@dataclass
class ChunkKeys:
    """A chunk's rows' keys: one entry per (row, key), with whether the row wrote it."""

    lines: np.ndarray  # int64
    keys: np.ndarray  # uint64
    wrote: np.ndarray  # bool

    @classmethod
    def of(cls, touches: dict[int, Touch]) -> "ChunkKeys":
        lines, keys, wrote = [], [], []
        for line, touch in touches.items():
            for key in touch.read | touch.wrote:
                lines.append(line)
                keys.append(key_hash(key))
                wrote.append(key in touch.wrote)
        return cls(
            np.array(lines, dtype=np.int64),
            np.array(keys, dtype=np.uint64),
            np.array(wrote, dtype=bool),
        )

    def dump(self, **more: np.ndarray) -> bytes:
        """Kept with the chunk, and `more` with them (cross_duplicates.Facts): an .npz
        as savez_compressed writes it, each array compressed on its own (the last step
        reads a few at a time), at deflate's fastest level: a third of the time of its
        default for a fifth more bytes (the hashes hardly compress at all)."""
        buffer = io.BytesIO()
        arrays = {"lines": self.lines, "keys": self.keys, "wrote": self.wrote, **more}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as kept:
            for name, array in arrays.items():
                with kept.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
        return buffer.getvalue()

    @classmethod
    def load(cls, data: bytes) -> "ChunkKeys":
        found = np.load(io.BytesIO(data))
        return cls(found["lines"], found["keys"], found["wrote"])

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """The chunk's keys once each, and whether any of its rows wrote it."""
        if not len(self.keys):
            return self.keys, self.wrote
        order = np.argsort(self.keys, kind="stable")
        keys, wrote = self.keys[order], self.wrote[order]
        starts = run_starts(keys)
        return keys[starts], np.logical_or.reduceat(wrote, starts)


def contested(chunks) -> np.ndarray:
    """The keys written by some row and touched by rows of two or more chunks. `chunks`:
    a callable giving an iterable of ChunkKeys. They are read once: each chunk's keys,
    once each, go to a file, which is then sorted a slice of the key space at a time, so
    memory stays flat however many rows the file has. (Read from the database again for
    each slice, the last step of a 200k-row file in four slices took 2.8 s, not 0.6 s.)"""
    with tempfile.TemporaryFile() as key_file, tempfile.TemporaryFile() as wrote_file:
        total = 0
        for chunk in chunks():
            distinct, written = chunk.distinct()
            distinct.tofile(key_file)
            written.tofile(wrote_file)
            total += len(distinct)
        if not total:
            return np.array([], dtype=np.uint64)
        all_keys = np.memmap(key_file, dtype=np.uint64, mode="r", shape=(total,))
        all_wrote = np.memmap(wrote_file, dtype=bool, mode="r", shape=(total,))
        bits = max(0, int(np.ceil(np.log2(total / ROW_KEYS_BUDGET))))
        shift = np.uint64(64 - bits)
        found = []
        for part in range(2**bits):
            keys, wrote = [], []
            for start in range(0, total, ROW_KEYS_BUDGET):
                block = all_keys[start : start + ROW_KEYS_BUDGET]
                inside = (block >> shift) == np.uint64(part) if bits else slice(None)
                keys.append(np.asarray(block[inside]))
                wrote.append(np.asarray(all_wrote[start : start + ROW_KEYS_BUDGET][inside]))
            keys, wrote = np.concatenate(keys), np.concatenate(wrote)
            if not len(keys):
                continue
            order = np.argsort(keys, kind="stable")
            keys, wrote = keys[order], wrote[order]
            starts = run_starts(keys)
            sizes = np.diff(np.r_[starts, len(keys)])  # how many chunks touch the key
            written = np.logical_or.reduceat(wrote, starts)
            found.append(keys[starts][(sizes >= 2) & written])
        del all_keys, all_wrote  # (the maps close before their files do)
    return np.concatenate(found) if found else np.array([], dtype=np.uint64)


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts."""
    return np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])


def among(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Which of `values` are in `known` (sorted, each once, of the same dtype). np.isin
    sorts both on every call: the last step paid that once per chunk and slice, a third
    of its time at a million rows."""
    if not len(known):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(known, values)
    at[at == len(known)] = 0
    return known[at] == values


def linked_lines(
    chunk: ChunkKeys, touching: np.ndarray, writing: np.ndarray, seeds: set[int]
) -> set[int]:
    """The chunk's rows that touch a key of `touching`, write a key of `writing`, or are
    among `seeds`; and every row of the chunk linked to those through a key one of the
    two writes."""
    hit = among(chunk.keys, touching) | (among(chunk.keys, writing) & chunk.wrote)
    lines = chunk.lines.tolist()
    start = set(chunk.lines[hit].tolist()) | (seeds & set(lines))
    if not start:
        return set()
    rows_of = defaultdict(list)  # key -> [(line, wrote)]
    keys_of = defaultdict(list)  # line -> [(key, wrote)]
    for line, key, wrote in zip(lines, chunk.keys.tolist(), chunk.wrote.tolist(), strict=True):
        rows_of[key].append((line, wrote))
        keys_of[line].append((key, wrote))
    found, waiting = set(start), list(start)
    # A key is followed to all its rows once (from a row that wrote it), and to its
    # writers once: a key many rows share costs its rows, not their square.
    to_all, to_writers = set(), set()
    while waiting:
        line = waiting.pop()
        for key, wrote in keys_of[line]:
            if key in to_all or (not wrote and key in to_writers):
                continue
            (to_all if wrote else to_writers).add(key)
            for other, other_wrote in rows_of[key]:
                if other not in found and (wrote or other_wrote):
                    found.add(other)
                    waiting.append(other)
    return found


def hashes(keys) -> np.ndarray:
    """The keys' hashes, sorted, each once."""
    return np.unique(np.array([key_hash(k) for k in keys], dtype=np.uint64))
