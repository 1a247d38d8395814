"""ETag and If-Match: the customer's version as an entity tag, so an API client gets the
same protection as a person at a form. GET Customers(ID) sends the tag; a PUT or DELETE
with If-Match is refused (412) when the customer has changed since."""

from flask import request

from webapp.api import ApiError
from webapp.models import Customer
from webapp.services.versions import StaleVersion


def etag(customer: Customer) -> str:
    return f'"{customer.version}"'


def if_match_version(customer: Customer) -> int | None:
    """The version If-Match names (None without the header); 412 when it is not the
    customer's current one."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")]
    if "*" in tags or str(customer.version) in tags:
        return customer.version
    named = next((int(t) for t in tags if t.isascii() and t.isdigit() and len(t) < 12), None)
    if named is None or named > customer.version:
        raise ApiError(
            412,
            f"If-Match {header} names no version of customer {customer.id}; "
            f"its ETag is {etag(customer)}.",
        )
    raise refused(StaleVersion(customer.id, named, customer.version))


def refused(stale: StaleVersion) -> ApiError:
    """The 412 for a stale write: what changed since the client's version, by whom."""
    if stale.removed:
        return ApiError(412, f"Customer {stale.customer_id} was removed.")
    return ApiError(
        412,
        f"Nothing was saved: customer {stale.customer_id} changed after "
        f'version {stale.expected}; it is at "{stale.current}" now. GET '
        "it again, apply your change to what is there, and send that "
        "version in If-Match.",
        [
            {
                "field": e.field or e.action,
                "message": f"{e.at.isoformat(timespec='seconds')}Z {e.actor} ({e.source}): "
                f"{e.old_value or '(empty)'} → {e.new_value or '(empty)'}",
            }
            for e in stale.changes()
        ],
    )
