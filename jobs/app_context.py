"""One Flask app per worker process, pushed around each job."""

from functools import wraps

from webapp import create_app
from webapp.db import db

_app = None


def app():
    global _app
    if _app is None:
        _app = create_app()
    return _app


def in_app_context(job):
    """Run the job with the app context pushed and a database connection open."""

    @wraps(job)
    def run(*args, **kwargs):
        with app().app_context(), db.connection_context():
            return job(*args, **kwargs)

    return run
