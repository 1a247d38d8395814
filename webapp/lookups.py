"""Finding a row by the ID in a URL: one way for every blueprint. A missing row is a 404
(the web pages render errors.html; the API answers its own JSON error shape), never a
database error, whatever number the URL carries."""

from flask import abort, request

MAX_ID = 2**63  # IDs are 64-bit; a bigger number names nothing (and SQLite cannot bind it)


def find(model, row_id: int, *where):
    """The row of `model` with this ID (and matching `where`, e.g. its owner), or None."""
    if not isinstance(row_id, int) or not 0 < row_id < MAX_ID:
        return None
    return model.get_or_none(model.id == row_id, *where)


def find_by_text(model, text, *where):
    """The row whose ID a form sent as text (a category or section chosen from a list), or
    None for anything that is not the ID of such a row, however large the number."""
    text = str(text or "")
    return find(model, int(text), *where) if text.isascii() and text.isdigit() else None


def get_or_404(model, row_id: int, *where):
    """The row of `model` with this ID (and matching `where`), or a 404."""
    row = find(model, row_id, *where)
    if row is None:
        abort(404)
    return row


def id_arg(name: str) -> int | None:
    """A row ID from the query string (a filter's status or category): None when absent
    or not a number; out of range, an ID no row has (0), so the filter finds nothing
    rather than failing."""
    value = request.args.get(name, type=int)
    if value is None:
        return None
    return value if 0 < value < MAX_ID else 0
