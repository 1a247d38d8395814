"""Everything else a servicer keeps at customer level (built out by the customer page)."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from webapp.models.base import BaseModel, utcnow
from webapp.models.customers import Customer
from webapp.models.settings import CustomFieldDefinition, DocumentSection, NoteCategory
from webapp.models.users import User


class Reference(BaseModel):
    customer = ForeignKeyField(Customer, backref="references", on_delete="CASCADE")
    name = CharField()
    relationship = CharField(null=True)
    primary_phone = CharField(null=True)
    secondary_phone = CharField(null=True)
    street = CharField(null=True)
    city = CharField(null=True)
    state = CharField(null=True)
    zipcode = CharField(null=True)
    country = CharField(null=True)


class Note(BaseModel):
    customer = ForeignKeyField(Customer, backref="notes", on_delete="CASCADE")
    category = ForeignKeyField(NoteCategory, null=True, on_delete="SET NULL")
    title = CharField()
    body = TextField()
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)


class Document(BaseModel):
    customer = ForeignKeyField(Customer, backref="documents", on_delete="CASCADE")
    section = ForeignKeyField(DocumentSection, null=True, on_delete="SET NULL")
    name = CharField()
    original_filename = CharField()
    content_type = CharField()
    size = IntegerField()
    active = BooleanField(default=True)
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class PaymentProfile(BaseModel):
    """A card or bank account known only by its processor token: never the full number."""

    customer = ForeignKeyField(Customer, backref="payment_profiles", on_delete="CASCADE")
    kind = CharField()  # card | bank
    token = CharField(unique=True)
    last4 = CharField()
    brand = CharField(null=True)
    holder_name = CharField()
    expiry = CharField(null=True)  # MM/YY for cards
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class CustomFieldValue(BaseModel):
    customer = ForeignKeyField(Customer, backref="custom_values", on_delete="CASCADE")
    definition = ForeignKeyField(CustomFieldDefinition, on_delete="CASCADE")
    value = TextField(null=True)

    class Meta:
        indexes = ((("customer", "definition"), True),)


class Communication(BaseModel):
    """A recorded SMS, email or mail piece (sending is another system's job)."""

    customer = ForeignKeyField(Customer, backref="communications", on_delete="CASCADE")
    channel = CharField()  # sms | email | mail
    direction = CharField(default="outbound")
    subject = CharField(null=True)
    body_excerpt = TextField(default="")
    tracking_status = CharField(null=True)
    occurred_at = DateTimeField(default=utcnow, index=True)


class CustomerPhoto(BaseModel):
    """The picture on the Summary; the file lives under the instance folder by customer ID."""

    customer = ForeignKeyField(Customer, backref="photos", on_delete="CASCADE", unique=True)
    content_type = CharField()
    size = IntegerField()
    uploaded_at = DateTimeField(default=utcnow)


SOCIAL_NETWORKS = {
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "x": "X (Twitter)",
    "instagram": "Instagram",
    "other": "Other",
}


class SocialProfile(BaseModel):
    customer = ForeignKeyField(Customer, backref="social_profiles", on_delete="CASCADE")
    network = CharField()
    address = CharField()  # a profile URL or a handle, as the agent found it
    created_at = DateTimeField(default=utcnow)
