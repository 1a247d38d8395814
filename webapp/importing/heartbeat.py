"""A running import's sign of life. While a pass runs, a thread of the worker refreshes
a short-lived Redis key every BEAT_SECONDS; a worker killed outright (kill -9, a machine
gone) stops refreshing it, and within LIFETIME_SECONDS the job page says the worker was
lost: RQ starts the job again once its own heartbeat runs out, and the pass resumes
after what was committed."""

import contextlib
import threading

from redis.exceptions import RedisError

from webapp.models import ImportJob
from webapp.models.imports import WORKING_STATES
from webapp.queueing import queue, redis_connection

BEAT_SECONDS = 5
LIFETIME_SECONDS = 15


def _key(job_id: int) -> str:
    return f"imports:{job_id}:alive"


@contextlib.contextmanager
def beating(job_id: int, linger: bool = False):
    """`linger`: leave the last beat to run out rather than end it (a verify chunk: the
    next chunk's job goes on beating for the same import)."""
    redis = redis_connection()  # the thread has no app context of its own
    stop = threading.Event()

    def beat():
        while True:
            with contextlib.suppress(RedisError):  # an outage: the page cannot tell then
                redis.set(_key(job_id), 1, ex=LIFETIME_SECONDS)
            if stop.wait(BEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name=f"import-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if not linger:
            with contextlib.suppress(RedisError):
                redis.delete(_key(job_id))


def worker_lost(job: ImportJob) -> bool:
    """Running, by its state, with no beat for LIFETIME_SECONDS (False when Redis cannot
    tell)."""
    if job.state not in WORKING_STATES:
        return False
    try:
        # Verify's chunks are queued while the file is cut, so they may wait for a free
        # worker; an import's pieces are queued at once, ahead of later work, and one
        # left waiting with no beat means no worker is taking them.
        if job.state == "verifying" and queue("imports").count:
            return False  # its next chunks wait for a free worker
        return not redis_connection().exists(_key(job.id))
    except RedisError:
        return False
