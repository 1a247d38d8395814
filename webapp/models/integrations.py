"""What connects other systems to ours: API tokens and webhooks with their deliveries."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from webapp.models.base import BaseModel, utcnow
from webapp.models.users import ROLES, User


class ApiToken(BaseModel):
    """A bearer token for the REST API. Only its SHA-256 is stored; the token itself is
    shown once, when it is created."""

    name = CharField()
    token_hash = CharField(unique=True)
    prefix = CharField()  # the first characters, so people can tell tokens apart
    role = CharField(choices=[(r, r) for r in ROLES])
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    # Whether API answers show full SSNs and tax ID numbers; masked (last four) otherwise.
    reads_full_tax_ids = BooleanField(default=False)

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


WEBHOOK_EVENTS = {
    "customer.created": "A customer was added",
    "customer.updated": "A customer's record was changed",
    "customer.deleted": "A customer was deleted",
    "customer.status_changed": "A customer's status changed (old and new status)",
}


class Webhook(BaseModel):
    url = CharField()
    secret = CharField()
    events = CharField()  # space-separated names from WEBHOOK_EVENTS
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    @property
    def event_names(self) -> list[str]:
        return self.events.split()


class WebhookDelivery(BaseModel):
    """One attempt to deliver one event to one webhook."""

    webhook = ForeignKeyField(Webhook, backref="deliveries", on_delete="CASCADE")
    event_id = CharField(index=True)
    event = CharField()
    payload = TextField()
    attempt = IntegerField(default=1)
    status_code = IntegerField(null=True)
    duration_ms = IntegerField(null=True)
    response_excerpt = TextField(default="")
    error = TextField(null=True)
    delivered_at = DateTimeField(default=utcnow, index=True)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class OutboundEvent(BaseModel):
    """An event written in the same transaction as the change it reports (an outbox): a
    change that rolls back leaves no event, and none is lost once it commits. A dispatch
    job turns new rows into one delivery job per subscribed webhook."""

    event_id = CharField(unique=True)
    event = CharField()
    customer_id = IntegerField(index=True)
    payload = TextField()  # the JSON body, as sent
    created_at = DateTimeField(default=utcnow)
    claimed_by = CharField(null=True, index=True)  # the dispatch run that sent it on
