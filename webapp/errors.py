from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError

from webapp.services.versions import StaleVersion

PAGES = {
    403: (
        "Not for your role",
        "Your role does not open this page. Ask a manager or an admin if you need it.",
    ),
    404: ("Not found", "There is nothing at this address; the customer may have been deleted."),
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


def _handler(code: int, title: str, text: str):
    def handle(_error):
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return render_template(
            "errors.html", code=code, title=title, text=text.format(limit=limit)
        ), code

    return handle
