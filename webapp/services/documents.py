"""Customer documents: uploaded files kept under the instance folder by ID, named by the
user, filed in a section, active or inactive (inactive: downloadable, not editable)."""

from pathlib import Path

from flask import current_app

from webapp.db import db
from webapp.models import Customer, Document, DocumentSection
from webapp.rules.spec import FieldError, is_digits
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

# What a file's first bytes must be for each kind we accept: the name proves nothing.
KINDS = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "txt": ("text/plain", lambda head: b"\x00" not in head),
    "csv": ("text/csv", lambda head: b"\x00" not in head),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda head: head.startswith(b"PK\x03\x04")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda head: head.startswith(b"PK\x03\x04")),
}


class DocumentRefused(Refused):
    """An upload or edit was refused (name, section or file)."""


def storage_dir() -> Path:
    folder = Path(current_app.instance_path) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_path(document: Document | int) -> Path:
    return storage_dir() / str(getattr(document, "id", document))


def add_document(customer: Customer, name: str, section_id, upload, actor: Actor) -> Document:
    """`upload` is a werkzeug FileStorage (or anything with .filename and .stream)."""
    name = " ".join((name or "").split())
    errors = _checked_fields(name, section_id)
    original = (getattr(upload, "filename", "") or "").rsplit("/", 1)[-1]
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    limit = current_app.config["DOCUMENT_MAX_MB"] * 1024 * 1024
    content = upload.stream.read(limit + 1) if upload else b""
    if not original or not content:
        errors.append(FieldError("file", "Choose a file to upload."))
    elif extension not in KINDS:
        errors.append(FieldError("file", "Accepted files: " + ", ".join(sorted(KINDS)) + "."))
    elif len(content) > limit:
        errors.append(FieldError("file", f"A document may be up to "
                                         f"{current_app.config['DOCUMENT_MAX_MB']} MB."))
    elif not KINDS[extension][1](content[:8192]):
        errors.append(FieldError("file", f"This file is not really a .{extension} file."))
    if errors:
        raise DocumentRefused(errors)
    with db.atomic():
        document = Document.create(customer=customer, section=int(section_id), name=name,
                                   original_filename=original[:255],
                                   content_type=KINDS[extension][0], size=len(content),
                                   uploaded_by=actor.user)
        file_path(document).write_bytes(content)
        history.record_section_change(customer.id, actor, "documents", "Document added", "",
                                      f"{name} ({original})")
    return document


def edit_document(document: Document, name: str, section_id, actor: Actor) -> None:
    if not document.active:
        raise DocumentRefused([FieldError("name", "Inactive documents cannot be edited; "
                                                  "make it active first.")])
    name = " ".join((name or "").split())
    errors = _checked_fields(name, section_id)
    if errors:
        raise DocumentRefused(errors)
    with db.atomic():
        old_name, old_section = document.name, document.section
        document.name, document.section = name, int(section_id)
        document.save()
        if old_name != name:
            _record(document, actor, "Name", old_name, name)
        if old_section.id != int(section_id):
            _record(document, actor, "Section", old_section.title, document.section.title)


def set_active(document: Document, active: bool, actor: Actor) -> None:
    if document.active != active:
        with db.atomic():
            document.active = active
            document.save()
            _record(document, actor, "State", "Inactive" if active else "Active",
                    "Active" if active else "Inactive")


def remove_files(document_ids: list[int]) -> None:
    """After a customer is deleted: their files go too."""
    for document_id in document_ids:
        file_path(document_id).unlink(missing_ok=True)


def _checked_fields(name: str, section_id) -> list[FieldError]:
    errors = []
    if not name:
        errors.append(FieldError("name", "Give the document a name."))
    elif len(name) > 200:
        errors.append(FieldError("name", "A name fits in 200 characters."))
    if not (is_digits(str(section_id or "")) and DocumentSection.get_or_none(
            (DocumentSection.id == int(section_id)) & (DocumentSection.active == True))):  # noqa: E712
        errors.append(FieldError("section", "Choose a section."))
    return errors


def _record(document: Document, actor: Actor, what: str, old: str, new: str) -> None:
    history.record_section_change(document.customer_id, actor, "documents",
                                  f"{what} · {document.name}", old, new)
