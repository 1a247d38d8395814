"""Keys already met earlier in a file (import IDs, usernames), kept in a scratch SQLite
file rather than in memory, so a million-row file costs no more memory than a small one."""

import sqlite3
import tempfile


class SeenKeys:
    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="import-keys-")
        self._db = sqlite3.connect(f"{self._dir.name}/seen.db", isolation_level=None)
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                               "CREATE TABLE seen (kind TEXT, key TEXT, line INTEGER, "
                               "PRIMARY KEY (kind, key)) WITHOUT ROWID;")

    def first_lines(self, kind: str, keys: list[str]) -> dict[str, int]:
        """For the keys seen before: the line each was first seen on."""
        found = {}
        for start in range(0, len(keys), 900):
            part = keys[start:start + 900]
            marks = ",".join("?" * len(part))
            found.update(self._db.execute(
                f"SELECT key, line FROM seen WHERE kind = ? AND key IN ({marks})",
                [kind, *part]))
        return found

    def add(self, kind: str, pairs: list[tuple[str, int]]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)",
                             [(kind, key, line) for key, line in pairs])

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()
