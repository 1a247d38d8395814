"""Argon2 password hashing for staff and customers' web access alike."""

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


class HashedPassword(str):
    """A password hashed already (an import hashes it at verify, so the staged row never
    holds it readable): stored as it is, not hashed again."""


def hash_password(password: str) -> str:
    if isinstance(password, HashedPassword):
        return str(password)
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:  # a damaged or foreign stored hash: no password matches it
        logging.getLogger(__name__).warning("A stored password hash is not an Argon2 hash.")
        return False
