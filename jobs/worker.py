"""Start an RQ worker on the app's queues: python -m jobs.worker [--burst].

The worker outlives a Redis outage: when RQ's work loop gives up on a lost connection
(it does, mid-job), the worker waits for Redis with growing pauses and starts a new
work loop. It stops only when asked (SIGTERM, Ctrl-C) or, with --burst, when the queues
are empty."""

import logging
import sys
import time

from redis.exceptions import RedisError
from rq import Worker
from rq.job_lifecycle import call_exception_handlers

from jobs.app_context import app
from webapp.logs import LoggedFailure, configure_logging
from webapp.queueing import QUEUE_NAMES, redis_connection


class QuietWorker(Worker):
    """RQ's worker, logging the way the web app does: a job is named by its ID (RQ's
    descriptions may carry call arguments), and an expected failure the job has
    already logged as one warning line (LoggedFailure) gets no traceback from RQ."""

    def heartbeat(self, timeout=None, pipeline=None):
        """RQ's heartbeat; when Redis has come back empty (restarted: it keeps nothing
        on disk), the worker first registers again, so the Queue page lists it."""
        if pipeline is None and not self.connection.exists(self.key):
            self.register_birth()
        super().heartbeat(timeout, pipeline)

    def handle_exception(self, job, *exc_info):
        if isinstance(exc_info[1], LoggedFailure):
            call_exception_handlers(self._exc_handlers, job, *exc_info)
        else:
            super().handle_exception(job, *exc_info)


FIRST_PAUSE, LONGEST_PAUSE = 1.0, 30.0  # seconds between tries to reach Redis again
log = logging.getLogger("jobs.worker")


def main(argv: list[str]) -> None:
    flask_app = app()
    level = configure_logging(flask_app)
    burst = "--burst" in argv
    with flask_app.app_context():
        while True:
            worker = QuietWorker(
                list(QUEUE_NAMES), connection=redis_connection(), log_job_description=False
            )
            try:
                worker.work(burst=burst, with_scheduler=True, logging_level=level)
            except RedisError as lost:
                log.warning("Worker %s lost Redis (%s).", worker.name, lost)
            if burst or worker._stop_requested:
                return
            # RQ's loop ended without being asked to: Redis went away under it.
            time.sleep(FIRST_PAUSE)
            _wait_for_redis()
            log.warning("Redis answers again: starting a new work loop.")


def _wait_for_redis() -> None:
    pause = FIRST_PAUSE
    while True:
        try:
            redis_connection().ping()
            return
        except RedisError:
            log.warning("Redis does not answer; trying again in %.0f s.", pause)
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)


if __name__ == "__main__":
    main(sys.argv[1:])
