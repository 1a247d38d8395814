"""The rule for names on the tenant's lists (statuses, note categories, document
sections): trimmed, 1 to 60 characters, unique without regard to case."""

from peewee import fn

MAX_TITLE = 60


def checked_title(
    model,
    title: str,
    existing_id: int | None,
    refused: type[Exception],
    missing: str,
    too_long: str,
    clash: str,
) -> str:
    """The cleaned title, or `refused` raised with the matching message (`clash` may
    name the title as {title})."""
    title = " ".join((title or "").split())
    if not title:
        raise refused(missing)
    if len(title) > MAX_TITLE:
        raise refused(too_long)
    # SQLite's LOWER folds ASCII only: the exact title is looked for as well, so a
    # clash the unique index would meet is always refused here first.
    taken = model.select().where((fn.LOWER(model.title) == title.lower()) | (model.title == title))
    if existing_id is not None:
        taken = taken.where(model.id != existing_id)
    if taken.exists():
        raise refused(clash.format(title=title))
    return title
