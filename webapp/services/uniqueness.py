"""Keys no two customers share (import ID, web username), and the username a customer
gets when none is given. Judged against a directory (services/directory.py): the
database for a form or an API call, the database as the file's earlier rows would leave
it for an import, so both say the same of the same record."""

import re
import unicodedata

from webapp.rules.spec import FieldError
from webapp.services.directory import holder_order

UNIQUE = (("importId", "import ID"), ("username", "web username"))


def unique_problems(
    record: dict, directory, own=None, stored: dict | None = None
) -> list[FieldError]:
    """A value the customer already had is theirs: only new ones are looked up."""
    errors = []
    for name, what in UNIQUE:
        value = record.get(name)
        if not value or (stored is not None and stored.get(name) == value):
            continue
        others = sorted((h for h in directory.holders(name, value) if h != own), key=holder_order)
        if others:
            holder = directory.describe(others[0])
            errors.append(
                FieldError(
                    name,
                    f"{holder[0].upper()}{holder[1:]} already has the "
                    f"{what} {value!r}; it must be unique.",
                    str(value),
                )
            )
    return errors


def with_username(record: dict, directory, own=None) -> dict:
    """Blank means the email, else first and last name as one word, made unique with a
    number (davidhicks2, davidhicks3, ...)."""
    if record.get("username"):
        return record
    candidates = username_candidates(record)

    def free(name: str) -> bool:
        return not (directory.holders("username", name) - {own})

    chosen = next((c for c in candidates if free(c)), None)
    if chosen is None:
        stem = candidates[-1]
        taken = directory.usernames_starting(stem)
        number = 2
        while f"{stem}{number}" in taken:
            number += 1
        chosen = f"{stem}{number}"
    return {**record, "username": chosen}


def username_candidates(record: dict) -> list[str]:
    """The email, else first and last name as one word, folded to what the username rule
    takes (Renée's email gives renee...), so a generated name never blocks a later save."""
    first = re.sub(r"[^a-z0-9]", "", _ascii((record.get("firstName") or "").casefold()))
    last = re.sub(r"[^a-z0-9]", "", _ascii((record.get("lastName") or "").casefold()))
    email = re.sub(r"[^a-z0-9_.@+\-]", "", _ascii((record.get("email") or "").lower()))
    return [c for c in (email, first + last) if len(c) >= 3] or ["customer"]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
