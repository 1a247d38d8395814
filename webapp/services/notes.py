"""Customer notes: a title, a category from the managers' list, and the text."""

from webapp.db import db
from webapp.lookups import find_by_text
from webapp.models import Customer, Note, NoteCategory
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

TITLE_MAX, BODY_MAX = 200, 20_000


class NoteRefused(Refused):
    """A note was refused: missing title, text or category."""


def add_note(
    customer: Customer, title: str, category_id: str | int | None, body: str, actor: Actor
) -> Note:
    title, body = " ".join((title or "").split()), (body or "").strip()
    errors = []
    if not title:
        errors.append(FieldError("title", "A note needs a title."))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", f"A title fits in {TITLE_MAX} characters."))
    if not body:
        errors.append(FieldError("body", "Write the note itself."))
    elif len(body) > BODY_MAX:
        errors.append(FieldError("body", f"A note fits in {BODY_MAX:,} characters."))
    category = find_by_text(NoteCategory, category_id, NoteCategory.active == True)  # noqa: E712
    if category is None:
        errors.append(FieldError("category", "Choose a category."))
    if errors:
        raise NoteRefused(errors)
    with db.atomic():
        note = Note.create(
            customer=customer, category=category, title=title, body=body, author=actor.user
        )
        history.record_section_change(
            customer.id, actor, "notes", "Note added", "", f"{title} ({category.title})"
        )
    return note


def notes_for(customer: Customer, category_id: int | None = None):
    query = (
        Note.select(Note, NoteCategory)
        .join(NoteCategory, on=(Note.category == NoteCategory.id))
        .where(Note.customer == customer)
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    if category_id:
        query = query.where(Note.category == category_id)
    return query
