"""What the rules need to know from outside a single value: today's date, the active
customer statuses and the tenant's defaults. Loaded once per form or per import."""

from dataclasses import dataclass, field
from datetime import date


@dataclass
class RuleContext:
    statuses: dict[str, int] = field(default_factory=dict)  # str(id) and folded title -> id
    status_titles: dict[int, str] = field(default_factory=dict)  # active ones, in order
    default_status_id: int | None = None
    default_customer_type: str = "individual"
    today: date = field(default_factory=date.today)

    def status_by_key(self, text: str) -> int | None:
        return self.statuses.get(text.strip().casefold())

    @classmethod
    def load(cls, default_customer_type: str = "individual") -> "RuleContext":
        from webapp.models import CustomerStatus

        statuses, titles, default_id = {}, {}, None
        for status in CustomerStatus.ordered().where(CustomerStatus.active == True):  # noqa: E712
            statuses[str(status.id)] = status.id
            statuses[status.title.casefold()] = status.id
            titles[status.id] = status.title
            if status.is_default:
                default_id = status.id
        return cls(statuses, titles, default_id, default_customer_type)
