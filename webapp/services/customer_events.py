"""What the webhooks say of a customer change: the REST API's names and values, so a
receiver and an API client read one vocabulary; names only for changed fields, since
values may be personal data."""

from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.services import history


def created_event(customer_id: int, record: dict, titles: dict) -> tuple[str, int, dict]:
    return (
        "customer.created",
        customer_id,
        {
            "customId": record.get("importId"),
            "customerType": _api_value("customerType", record.get("customerType")),
            "firstName": record.get("firstName"),
            "lastName": record.get("lastName"),
            "companyName": record.get("companyName"),
            "status": _status(record.get("status"), titles),
        },
    )


def _api_value(name: str, value):
    """A value as the REST API writes it (customer.type.individual), so a webhook
    receiver and an API client read one vocabulary."""
    return None if value in (None, "") else FIELDS_BY_NAME[name].api_prefix + str(value)


def _api_name(name: str) -> str:
    """A field as the REST API names it (priCity -> PrimaryAddress.city)."""
    spec = FIELDS_BY_NAME.get(name)
    return spec.api if spec is not None and spec.api else name


def update_events(customer_id: int, old: dict, new: dict, changed: list[str]) -> list:
    """Which fields changed (names only: values may be personal data), and the status
    change with both statuses when there is one."""
    names = [_api_name(name) for name in changed]
    events = [("customer.updated", customer_id, {"changedFields": names})]
    if "status" in changed:
        titles = history.status_titles()
        events.append(
            (
                "customer.status_changed",
                customer_id,
                {
                    "oldStatus": _status(old.get("status"), titles),
                    "newStatus": _status(new.get("status"), titles),
                },
            )
        )
    return events


def _status(status_id, titles: dict[int, str]) -> dict | None:
    return None if status_id is None else {"id": status_id, "title": titles.get(status_id)}
