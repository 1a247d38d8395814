"""Start an RQ worker on the app's queues: python -m jobs.worker [--burst]."""

import sys

from rq import Worker
from rq.job_lifecycle import call_exception_handlers

from jobs.app_context import app
from webapp.logs import LoggedFailure, configure_logging
from webapp.queueing import QUEUE_NAMES, redis_connection


class QuietWorker(Worker):
    """RQ's worker, logging the way the web app does: a job is named by its ID (RQ's
    descriptions may carry call arguments), and an expected failure the job has
    already logged as one warning line (LoggedFailure) gets no traceback from RQ."""

    def handle_exception(self, job, *exc_info):
        if isinstance(exc_info[1], LoggedFailure):
            call_exception_handlers(self._exc_handlers, job, *exc_info)
        else:
            super().handle_exception(job, *exc_info)


def main(argv: list[str]) -> None:
    flask_app = app()
    level = configure_logging(flask_app)
    with flask_app.app_context():
        worker = QuietWorker(
            list(QUEUE_NAMES), connection=redis_connection(), log_job_description=False
        )
        worker.work(
            burst="--burst" in argv,
            with_scheduler=True,
            logging_level=level,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
