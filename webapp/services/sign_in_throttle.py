"""Failed sign-ins slow down whoever keeps failing: per account (a password guessed from
many addresses) and per address (many accounts tried from one; an IPv6 client by its
/64, which one machine commonly has whole). The first FREE_FAILURES cost nothing; each
attempt after them locks that account or address for twice as long as the one before,
up to MAX_LOCK_SECONDS. Counted in Redis so every web worker shares them.

An attempt is counted before its password is checked, each by its own increment, so
attempts racing each other cannot all slip past a lock; a right password then gives it
back (the account starts over, the address regains the try).

With Redis down, sign-in is not throttled (it is logged): locking every user out would
be worse, and each guess still costs an Argon2 verification."""

import contextlib
import ipaddress
import logging

from redis.exceptions import RedisError

from webapp.queueing import redis_connection

FREE_FAILURES = 5
FIRST_LOCK_SECONDS = 2
MAX_LOCK_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 60 * 60  # a count with no attempt for this long starts over
log = logging.getLogger(__name__)


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"sign-in:account:{username.strip().lower()}", f"sign-in:address:{_place(address)}"


def _place(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def attempt(username: str, address: str) -> int:
    """Count an attempt to sign in as `username` from `address`; the seconds it must
    wait instead (0: go on and check the password)."""
    try:
        redis = redis_connection()
        keys = _keys(username, address)
        wait = max(0, *(redis.ttl(f"{key}:locked") for key in keys))
        if wait:
            return wait
        for key in keys:
            attempts = redis.incr(key)
            redis.expire(key, FORGET_AFTER_SECONDS)
            if attempts > FREE_FAILURES:
                lock = FIRST_LOCK_SECONDS * 2 ** min(attempts - FREE_FAILURES - 1, 20)
                # One attempt takes each lock; one racing it finds the lock taken.
                if not redis.set(f"{key}:locked", 1, ex=min(lock, MAX_LOCK_SECONDS), nx=True):
                    return max(1, redis.ttl(f"{key}:locked"))
    except RedisError as failure:
        log.warning("Sign-in throttle unavailable (%s); not throttled.", type(failure).__name__)
    return 0


def succeeded(username: str, address: str) -> None:
    """The password was right: the account starts over, the address gets its try back."""
    account, place = _keys(username, address)
    with contextlib.suppress(RedisError):  # else the counts expire on their own
        redis = redis_connection()
        redis.delete(account, f"{account}:locked")
        if redis.decr(place) <= FREE_FAILURES:
            redis.delete(f"{place}:locked")
