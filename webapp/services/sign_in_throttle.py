"""Failed sign-ins slow down whoever keeps failing: per account (a password guessed from
many addresses) and per address (many accounts tried from one). The first FREE_FAILURES
cost nothing; each failure after them locks that account or address for twice as long
as the one before, up to MAX_LOCK_SECONDS. Counted in Redis so every web worker shares
them; a success clears the account's count.

With Redis down, sign-in is not throttled (it is logged): locking every user out would
be worse, and each guess still costs an Argon2 verification."""

import contextlib
import logging

from redis.exceptions import RedisError

from webapp.queueing import redis_connection

FREE_FAILURES = 5
FIRST_LOCK_SECONDS = 2
MAX_LOCK_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 60 * 60  # a count with no failure for this long starts over
log = logging.getLogger(__name__)


def _keys(username: str, address: str) -> list[str]:
    return [f"sign-in:account:{username.strip().lower()}", f"sign-in:address:{address}"]


def seconds_locked(username: str, address: str) -> int:
    """How long this account or address must still wait before trying again (0: now)."""
    try:
        redis = redis_connection()
        waits = [redis.ttl(f"{key}:locked") for key in _keys(username, address)]
    except RedisError as failure:
        log.warning("Sign-in throttle unavailable (%s); not throttled.", type(failure).__name__)
        return 0
    return max([0, *waits])


def record_failure(username: str, address: str) -> None:
    try:
        redis = redis_connection()
        for key in _keys(username, address):
            failures = redis.incr(key)
            redis.expire(key, FORGET_AFTER_SECONDS)
            if failures > FREE_FAILURES:
                lock = FIRST_LOCK_SECONDS * 2 ** min(failures - FREE_FAILURES - 1, 20)
                redis.set(f"{key}:locked", 1, ex=min(lock, MAX_LOCK_SECONDS))
    except RedisError as failure:
        log.warning(
            "Sign-in throttle unavailable (%s); failure not counted.", type(failure).__name__
        )


def record_success(username: str) -> None:
    account = _keys(username, "")[0]
    with contextlib.suppress(RedisError):  # else the count expires on its own
        redis_connection().delete(account, f"{account}:locked")
