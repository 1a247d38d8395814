from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from peewee import DoesNotExist
from redis.exceptions import RedisError

from webapp.services.refusal import Refused
from webapp.services.versions import StaleVersion

PAGES = {
    403: (
        "Not for your role",
        "Your role does not open this page. Ask a manager or an admin if you need it.",
    ),
    404: ("Not found", "There is nothing at this address; the customer may have been deleted."),
    405: ("Not allowed here", "This address does not take that kind of request."),
    413: (
        "File too large",
        "The file is larger than the {limit} MB this site accepts. Split "
        "it into smaller files and upload them one after another.",
    ),
}


def init_app(app: Flask) -> None:
    for code, (title, text) in PAGES.items():
        app.register_error_handler(code, _handler(code, title, text))
    app.register_error_handler(
        CSRFError,
        _handler(
            400,
            "Please try again",
            "The form had expired or did not come from this site, so "
            "nothing was saved. Go back, reload the page and send it again.",
        ),
    )
    # The record forms show a stale save beside the typed values; any other write that
    # meets one (two saves in the same instant) lands here rather than overwriting.
    app.register_error_handler(
        StaleVersion,
        _handler(
            409,
            "Changed by someone else",
            "Someone else saved this customer while your change "
            "was being saved, so yours was not. Go back, reload the page to see their change, "
            "and make yours again.",
        ),
    )
    # Rows are looked up with webapp.lookups.get_or_404; one found another way that is
    # missing answers the same 404, not a 500. (The API answers both in its own shape.)
    app.register_error_handler(DoesNotExist, _handler(404, *PAGES[404]))
    # A service's refusal that no route turned into its own answer: said, not a 500.
    app.register_error_handler(Refused, _refused)
    # Queues, progress and the API's rate limit live in Redis: without it, say so.
    app.register_error_handler(
        RedisError,
        _handler(
            503,
            "The job queue is not answering",
            "This needs the job queue (Redis), which is not answering right now, so nothing "
            "was done. Try again in a minute; if it goes on, tell whoever runs this system.",
        ),
    )


def _refused(refused: Refused):
    return render_template("errors.html", code=422, title="Not done", text=str(refused)), 422


def _handler(code: int, title: str, text: str):
    def handle(_error):
        if request.path.startswith("/api/"):  # no API endpoint matched: its shape still
            from webapp.api import ApiError, error_body

            allowed = sorted(getattr(_error, "valid_methods", None) or [])
            takes = f": this address takes {', '.join(allowed)}" if allowed else ""
            response = error_body(ApiError(code, f"{title}{takes}."))
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
            return response
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return render_template(
            "errors.html", code=code, title=title, text=text.format(limit=limit)
        ), code

    return handle
