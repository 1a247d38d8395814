"""Simple tenant-wide label lists managers keep: note categories, document sections."""

from webapp.models import DocumentSection, NoteCategory
from webapp.services.refusal import Refused
from webapp.services.titles import checked_title

LISTS = {
    "note-categories": (
        NoteCategory,
        "Note categories",
        "note category",
        "Agents file each customer note under one of these.",
    ),
    "document-sections": (
        DocumentSection,
        "Document sections",
        "document section",
        "Customer documents are kept in these sections.",
    ),
}


class LabelRefused(Refused):
    """A name that cannot go on the list; the message says why."""


def add_label(model, title: str):
    return model.create(title=_checked(model, title, None))


def rename_label(label, title: str) -> None:
    label.title = _checked(type(label), title, label.id)
    label.save()


def set_active(label, active: bool) -> None:
    label.active = active
    label.save()


def active_labels(model):
    return model.select().where(model.active == True).order_by(model.title)  # noqa: E712


def _checked(model, title: str, label_id: int | None) -> str:
    return checked_title(
        model,
        title,
        label_id,
        LabelRefused,
        "A name is needed.",
        "A name fits in 60 characters.",
        "“{title}” is on the list already.",
    )
