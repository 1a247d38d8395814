"""The customer's photo on the Summary: one picture, checked to be an image, replaced by
the next upload."""

from pathlib import Path

from flask import current_app

from webapp.db import db
from webapp.models import Customer, CustomerPhoto
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.documents import KINDS
from webapp.services.refusal import Refused

IMAGE_KINDS = ("png", "jpg", "jpeg", "gif")
PHOTO_MAX_BYTES = 5 * 1024 * 1024


class PhotoRefused(Refused):
    """The upload is not an image we accept."""


def photo_path(customer_id: int) -> Path:
    folder = Path(current_app.instance_path) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / str(customer_id)


def set_photo(customer: Customer, upload, actor: Actor) -> CustomerPhoto:
    original = (getattr(upload, "filename", "") or "").rsplit("/", 1)[-1]
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    content = upload.stream.read(PHOTO_MAX_BYTES + 1) if upload else b""
    if not content:
        problem = "Choose a picture to upload."
    elif extension not in IMAGE_KINDS:
        problem = "A photo is a .png, .jpg or .gif file."
    elif len(content) > PHOTO_MAX_BYTES:
        problem = "A photo may be up to 5 MB."
    elif not KINDS[extension][1](content[:16]):
        problem = f"This file is not really a .{extension} picture."
    else:
        problem = None
    if problem:
        raise PhotoRefused([FieldError("photo", problem)])
    with db.atomic():
        photo = CustomerPhoto.get_or_none(CustomerPhoto.customer == customer)
        replaced = photo is not None
        if photo is None:
            photo = CustomerPhoto(customer=customer)
        photo.content_type, photo.size = KINDS[extension][0], len(content)
        photo.save()
        photo_path(customer.id).write_bytes(content)
        history.record_section_change(customer.id, actor, "general", "Photo",
                                      "(a photo)" if replaced else "",
                                      f"{original} ({len(content) // 1024 or 1} KB)")
    return photo


def remove_photo(customer: Customer, actor: Actor) -> None:
    with db.atomic():
        if CustomerPhoto.delete().where(CustomerPhoto.customer == customer).execute():
            history.record_section_change(customer.id, actor, "general", "Photo",
                                          "(a photo)", "")
    photo_path(customer.id).unlink(missing_ok=True)
