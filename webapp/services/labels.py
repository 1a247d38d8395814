"""Simple tenant-wide label lists managers keep: note categories, document sections."""

from peewee import fn

from webapp.models import DocumentSection, NoteCategory

LISTS = {
    "note-categories": (NoteCategory, "Note categories", "note category",
                        "Agents file each customer note under one of these."),
    "document-sections": (DocumentSection, "Document sections", "document section",
                          "Customer documents are kept in these sections."),
}


class LabelRefused(Exception):
    pass


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
    title = " ".join((title or "").split())
    if not title:
        raise LabelRefused("A name is needed.")
    if len(title) > 60:
        raise LabelRefused("A name fits in 60 characters.")
    clash = model.select().where(fn.LOWER(model.title) == title.lower())
    if label_id is not None:
        clash = clash.where(model.id != label_id)
    if clash.exists():
        raise LabelRefused(f"“{title}” is on the list already.")
    return title
