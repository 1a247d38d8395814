"""Start an RQ worker on the app's queues: python -m jobs.worker [--burst].

The worker outlives a Redis outage: when RQ's work loop gives up on a lost connection
(it does, mid-job), the worker waits for Redis with growing pauses and starts a new
work loop. It stops only when asked (SIGTERM, Ctrl-C) or, with --burst, when the queues
are empty."""

import logging
import os
import signal
import sys
import threading

from redis.exceptions import RedisError
from rq import Worker
from rq.job_lifecycle import call_exception_handlers

from jobs.app_context import app
from webapp.importing import collector
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

    def subscribe(self):
        """RQ's subscription to the worker's command channel, listening in one-second
        waits instead of RQ's sixty: its unsubscribe closes the connection only once the
        listening thread's wait is over, so a worker stopping (a burst worker done, two
        side by side) otherwise lingers up to a minute after its last job."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

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
    collector.for_passes()
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
            if burst or worker._stop_requested or worker._shutdown_requested_date:
                return
            # RQ's loop ended without being asked to: Redis went away under it. From here
            # until a new loop starts, a SIGTERM or Ctrl-C stops the worker.
            stopping = _stopped_by_signals()
            _see_horse_through(worker, stopping)
            stopping.wait(FIRST_PAUSE)  # (a loop that fails at once does not spin)
            if not _wait_for_redis(stopping):
                return
            log.warning("Redis answers again: starting a new work loop.")


def _stopped_by_signals() -> threading.Event:
    """An event SIGTERM and Ctrl-C set (RQ's own handlers are in place only while its
    loop runs)."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    return stopping


def _see_horse_through(worker: Worker, stopping: threading.Event) -> None:
    """The job its work horse was running when the loop ended goes on there: wait for it
    (keeping its heartbeats whenever Redis answers, so RQ never takes it for abandoned
    and starts it a second time beside it) before taking new work."""
    pid = worker.horse_pid
    while pid and not stopping.is_set():
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already reaped, or not ours
            return
        if finished:
            return
        try:
            job = worker.get_current_job()
            if job is not None and worker.execution is not None:
                worker.maintain_heartbeats(job, worker.execution)
        except RedisError:
            pass  # Redis still away: nothing to keep up to date
        stopping.wait(FIRST_PAUSE)


def _wait_for_redis(stopping: threading.Event) -> bool:
    """Until Redis answers (True) or the worker is asked to stop (False)."""
    pause = FIRST_PAUSE
    while not stopping.is_set():
        try:
            redis_connection().ping()
            return True
        except RedisError:
            log.warning("Redis does not answer; trying again in %.0f s.", pause)
            stopping.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
    return False


if __name__ == "__main__":
    main(sys.argv[1:])
