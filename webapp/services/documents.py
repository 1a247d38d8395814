"""Customer documents: uploaded files kept under the instance folder by ID, named by the
user, filed in a section, active or inactive (inactive: downloadable, not editable)."""

from pathlib import Path

from flask import current_app

from webapp.db import db
from webapp.lookups import find_by_text
from webapp.models import Customer, Document, DocumentSection
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused
from webapp.services.uploads import KINDS, read_upload


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
    limit_mb = current_app.config["DOCUMENT_MAX_MB"]
    checked, problem = read_upload(
        upload,
        KINDS,
        limit_mb * 1024 * 1024,
        noun="file",
        missing="Choose a file to upload.",
        not_accepted="Accepted files: " + ", ".join(sorted(KINDS)) + ".",
        too_big=f"A document may be up to {limit_mb} MB.",
    )
    if problem:
        errors.append(FieldError("file", problem))
    if errors:
        raise DocumentRefused(errors)
    with db.atomic():
        document = Document.create(
            customer=customer,
            section=int(section_id),
            name=name,
            original_filename=checked.filename[:255],
            content_type=checked.content_type,
            size=len(checked.content),
            uploaded_by=actor.user,
        )
        file_path(document).write_bytes(checked.content)
        history.record_section_change(
            customer.id, actor, "documents", "Document added", "", f"{name} ({checked.filename})"
        )
    return document


def edit_document(document: Document, name: str, section_id, actor: Actor) -> None:
    if not document.active:
        raise DocumentRefused(
            [FieldError("name", "Inactive documents cannot be edited; make it active first.")]
        )
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
            _record(
                document,
                actor,
                "State",
                "Inactive" if active else "Active",
                "Active" if active else "Inactive",
            )


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
    if find_by_text(DocumentSection, section_id, DocumentSection.active == True) is None:  # noqa: E712
        errors.append(FieldError("section", "Choose a section."))
    return errors


def _record(document: Document, actor: Actor, what: str, old: str, new: str) -> None:
    history.record_section_change(
        document.customer_id, actor, "documents", f"{what} · {document.name}", old, new
    )
