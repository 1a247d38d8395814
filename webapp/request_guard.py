"""Text the databases cannot hold is refused before any page sees it: PostgreSQL text
holds no NUL character, so a NUL in a form or a query string is said plainly (422),
never a database error. (The API has its own answers: its bodies go through the field
rules, which refuse control characters, and its $filter refuses NUL.)"""

from flask import Flask, request

from webapp.services.refusal import Refused


class NulRefused(Refused):
    """A form or query value holds a NUL character."""


def init_app(app: Flask) -> None:
    app.before_request(_no_nul)


def _no_nul():
    if request.path.startswith("/api/"):
        return
    for name, value in request.values.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise NulRefused(
                "Nothing was saved: a field holds the NUL character (\\0), which text "
                "cannot. Remove it and send the form again."
            )
