"""The customer's photo on the Summary: one picture, checked to be an image, replaced by
the next upload."""

from pathlib import Path

from flask import current_app

from webapp.db import db
from webapp.models import Customer, CustomerPhoto
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused
from webapp.services.uploads import read_upload

IMAGE_KINDS = ("png", "jpg", "jpeg", "gif")
PHOTO_MAX_BYTES = 5 * 1024 * 1024


class PhotoRefused(Refused):
    """The upload is not an image we accept."""


def photo_path(customer_id: int) -> Path:
    folder = Path(current_app.instance_path) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / str(customer_id)


def set_photo(customer: Customer, upload, actor: Actor) -> CustomerPhoto:
    checked, problem = read_upload(
        upload,
        IMAGE_KINDS,
        PHOTO_MAX_BYTES,
        noun="picture",
        missing="Choose a picture to upload.",
        not_accepted="A photo is a .png, .jpg or .gif file.",
        too_big="A photo may be up to 5 MB.",
    )
    if problem:
        raise PhotoRefused([FieldError("photo", problem)])
    with db.atomic():
        photo = CustomerPhoto.get_or_none(CustomerPhoto.customer == customer)
        replaced = photo is not None
        if photo is None:
            photo = CustomerPhoto(customer=customer)
        photo.content_type, photo.size = checked.content_type, len(checked.content)
        photo.save()
        photo_path(customer.id).write_bytes(checked.content)
        history.record_section_change(
            customer.id,
            actor,
            "general",
            "Photo",
            "(a photo)" if replaced else "",
            f"{checked.filename} ({photo.size // 1024 or 1} KB)",
        )
    return photo


def remove_photo(customer: Customer, actor: Actor) -> None:
    with db.atomic():
        if CustomerPhoto.delete().where(CustomerPhoto.customer == customer).execute():
            history.record_section_change(customer.id, actor, "general", "Photo", "(a photo)", "")
    photo_path(customer.id).unlink(missing_ok=True)
