"""All tables of the customer side, importable from one place."""

from webapp.models.compliance import SdnEntry
from webapp.models.customers import (
    PHONE_TYPES,
    Address,
    Customer,
    CustomerNameWord,
    Employer,
    Phone,
)
from webapp.models.history import ChangeEntry
from webapp.models.imports import (
    IMPORT_STATES,
    ImportChunk,
    ImportJob,
    ImportProblem,
    ImportRow,
)
from webapp.models.integrations import (
    WEBHOOK_EVENTS,
    ApiToken,
    OutboundEvent,
    Webhook,
    WebhookDelivery,
)
from webapp.models.loans import LOAN_ROLES, CustomerLoan, Loan
from webapp.models.records import (
    SOCIAL_NETWORKS,
    Communication,
    CustomerPhoto,
    CustomFieldValue,
    Document,
    Note,
    PaymentProfile,
    Reference,
    SocialProfile,
)
from webapp.models.settings import (
    STATUS_COLOURS,
    CustomerStatus,
    CustomFieldDefinition,
    DocumentSection,
    NoteCategory,
)
from webapp.models.users import ROLES, User

ALL_MODELS = [
    User,
    CustomerStatus,
    NoteCategory,
    DocumentSection,
    CustomFieldDefinition,
    Customer,
    CustomerNameWord,
    Phone,
    Address,
    Employer,
    Reference,
    Note,
    Document,
    PaymentProfile,
    CustomFieldValue,
    Communication,
    CustomerPhoto,
    SocialProfile,
    SdnEntry,
    Loan,
    CustomerLoan,
    ChangeEntry,
    ImportJob,
    ImportProblem,
    ImportChunk,
    ImportRow,
    ApiToken,
    Webhook,
    WebhookDelivery,
    OutboundEvent,
]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS",
    "IMPORT_STATES",
    "LOAN_ROLES",
    "STATUS_COLOURS",
    "PHONE_TYPES",
    "ROLES",
    "SOCIAL_NETWORKS",
    "WEBHOOK_EVENTS",
]
