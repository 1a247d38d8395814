"""What the rules need to know from outside a single value: today's date, the active
customer statuses and the tenant's defaults. Loaded once per form or per import."""

from dataclasses import dataclass, field
from datetime import date

from webapp.rules.customer_fields import FIELDS_BY_NAME


@dataclass
class RuleContext:
    statuses: dict[str, int] = field(default_factory=dict)  # str(id) and folded title -> id
    status_titles: dict[int, str] = field(default_factory=dict)  # active ones, in order
    default_status_id: int | None = None
    default_customer_type: str = FIELDS_BY_NAME["customerType"].default
    today: date = field(default_factory=date.today)

    def status_by_key(self, text: str) -> int | None:
        return self.statuses.get(text.strip().casefold())

    @classmethod
    def for_app(cls) -> "RuleContext":
        """Loaded with the app's settings (the DEFAULT_CUSTOMER_TYPE a new customer gets)."""
        from flask import current_app

        return cls.load(current_app.config["DEFAULT_CUSTOMER_TYPE"])

    @classmethod
    def load(cls, default_customer_type: str | None = None) -> "RuleContext":
        from webapp.models import CustomerStatus

        statuses, titles, default_id = {}, {}, None
        for status in CustomerStatus.ordered().where(CustomerStatus.active == True):  # noqa: E712
            statuses[str(status.id)] = status.id
            statuses[status.title.casefold()] = status.id
            titles[status.id] = status.title
            if status.is_default:
                default_id = status.id
        return cls(
            statuses,
            titles,
            default_id,
            default_customer_type or FIELDS_BY_NAME["customerType"].default,
        )
