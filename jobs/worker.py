"""Start an RQ worker on the app's queues: python -m jobs.worker [--burst]."""

import sys

from rq import Worker

from jobs.app_context import app
from webapp.queueing import QUEUE_NAMES, redis_connection


def main(argv: list[str]) -> None:
    with app().app_context():
        worker = Worker(list(QUEUE_NAMES), connection=redis_connection())
        worker.work(burst="--burst" in argv, with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:])
