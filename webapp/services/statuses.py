"""Customer statuses: one tenant-wide list, exactly one default, none deleted in use."""

from peewee import fn

from webapp.db import db
from webapp.models import STATUS_COLOURS, Customer, CustomerStatus
from webapp.services import history
from webapp.services.refusal import Refused
from webapp.services.titles import checked_title

# What a new tenant starts with, in its colours; managers rename, recolour, add and retire
# them under Settings.
STANDARD_STATUSES = {
    "Active": "green",
    "Inactive": "grey",
    "Bankruptcy": "red",
    "SCRA": "blue",
    "Deceased": "purple",
    "Attorney retained": "amber",
}
DEFAULT_STATUS = "Active"


class StatusRefused(Refused):
    """What the manager asked for would break a rule of the list; the message says which."""


def create_status(title: str, make_default: bool = False, colour: str = "grey") -> CustomerStatus:
    title = _checked_title(title, None)
    colour = _checked_colour(colour)
    with db.atomic():
        first = not CustomerStatus.select().exists()
        status = CustomerStatus.create(title=title, colour=colour)
        if make_default or first:
            set_default(status)
    history.forget_status_titles()
    return status


def ensure_standard_statuses() -> int:
    """A database without any status gets the standard list (Active the default);
    returns how many were created. A list a manager has made is left as it is."""
    if CustomerStatus.select().exists():
        return 0
    for title, colour in STANDARD_STATUSES.items():
        create_status(title, make_default=title == DEFAULT_STATUS, colour=colour)
    return len(STANDARD_STATUSES)


def rename_status(status: CustomerStatus, title: str) -> CustomerStatus:
    status.title = _checked_title(title, status.id)
    status.save()
    history.forget_status_titles()
    return status


def set_colour(status: CustomerStatus, colour: str) -> CustomerStatus:
    status.colour = _checked_colour(colour)
    status.save()
    return status


def _checked_colour(colour: str) -> str:
    if colour not in STATUS_COLOURS:
        raise StatusRefused(f"Choose one of the colours: {', '.join(STATUS_COLOURS.values())}.")
    return colour


def set_default(status: CustomerStatus) -> None:
    if not status.active:
        raise StatusRefused(
            f"“{status.title}” is inactive; reactivate it before making it the default."
        )
    with db.atomic():
        CustomerStatus.update(is_default=False).where(CustomerStatus.id != status.id).execute()
        CustomerStatus.update(is_default=True).where(CustomerStatus.id == status.id).execute()
    status.is_default = True


def set_active(status: CustomerStatus, active: bool) -> None:
    if not active and status.is_default:
        raise StatusRefused(
            f"“{status.title}” is the default status; make another status the "
            "default before deactivating it."
        )
    status.active = active
    status.save()


def delete_status(status: CustomerStatus) -> None:
    in_use = customers_with(status)
    if in_use:
        raise StatusRefused(
            f"“{status.title}” is held by {in_use:,} customer"
            f"{'s' if in_use != 1 else ''}; deactivate it instead, so no one "
            "new gets it."
        )
    if status.is_default:
        raise StatusRefused(
            f"“{status.title}” is the default status; make another status the default first."
        )
    status.delete_instance()


def customers_with(status: CustomerStatus) -> int:
    return Customer.select().where(Customer.status == status).count()


def usage_counts() -> dict[int, int]:
    query = Customer.select(Customer.status, fn.COUNT(Customer.id).alias("n")).group_by(
        Customer.status
    )
    return {row.status_id: row.n for row in query}


def _checked_title(title: str, status_id: int | None) -> str:
    return checked_title(
        CustomerStatus,
        title,
        status_id,
        StatusRefused,
        "A status needs a name.",
        "A status name fits in 60 characters.",
        "There is already a status called “{title}”.",
    )
