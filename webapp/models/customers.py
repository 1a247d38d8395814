"""The customer and what hangs directly off it: phones, addresses, employer."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from webapp.models.base import BaseModel, NeverReusedIdField, utcnow
from webapp.models.settings import CustomerStatus
from webapp.rules.customer_fields import FIELDS_BY_NAME, PHONE_TYPES
from webapp.rules.spec import mask_last4

__all__ = ["PHONE_TYPES", "Address", "Customer", "CustomerNameWord", "Employer", "Phone"]


class Customer(BaseModel):
    id = NeverReusedIdField()
    import_id = CharField(null=True, unique=True)
    status = ForeignKeyField(CustomerStatus, backref="customers", on_delete="RESTRICT")
    customer_type = CharField()
    first_name = CharField()
    middle_name = CharField(null=True)
    last_name = CharField()
    do_not_case_format = BooleanField(default=False)
    company_contact = CharField(null=True)
    company_name = CharField(null=True)
    ssn = CharField(null=True, index=True)  # possible duplicates are found by it
    ssn_last4 = CharField(null=True)  # indexed below, in name order
    drivers_license = CharField(null=True)
    id_type = CharField(default=FIELDS_BY_NAME["idType"].initial)
    id_number = CharField(null=True, index=True)
    credit_limit = DecimalField(max_digits=14, decimal_places=2, null=True)
    birth_date = DateField(null=True)
    gender = CharField(null=True)
    generation_code = CharField(default=FIELDS_BY_NAME["gencode"].default)
    sale_transfer_pii = BooleanField(default=FIELDS_BY_NAME["saleTransferPii"].default)
    email = CharField(null=True)
    username = CharField(null=True, unique=True)
    password_hash = CharField(null=True)
    credit_score_experian = SmallIntegerField(null=True)
    credit_score_equifax = SmallIntegerField(null=True)
    credit_score_transunion = SmallIntegerField(null=True)
    mail_same_as_primary = BooleanField(default=True)
    # Advanced by every write; a write made against an older one is refused.
    version = IntegerField(default=1)
    # Case- and accent-folded copies for the Customer Manager's search (indexed below).
    first_name_key = CharField(default="")
    last_name_key = CharField(default="")
    company_name_key = CharField(null=True)
    email_key = CharField(null=True)
    # The folded words of the names but the start of the last name, each after a space
    # (see rules.folding.other_name_words); customer_name_word holds them one per row.
    other_name_words = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        # The Customer Manager lists by name (last, first, ID), alone or within a status
        # or a type; pages go on after the last row shown (keyset), so each reads in one
        # of these indexes' order. The other words of names are in CustomerNameWord.
        indexes = (
            # (other_name_words too: a search that many rows pass tests it on each row
            # as it reads the index in name order, without reading the row itself.)
            (("last_name_key", "first_name_key", "id", "other_name_words"), False),
            (("status", "last_name_key", "first_name_key", "id", "other_name_words"), False),
            (("customer_type", "last_name_key", "first_name_key", "id"), False),
            # The last four of an SSN: a thousand customers share one in ten million.
            (("ssn_last4", "last_name_key", "first_name_key", "id"), False),
            # A listed customer's name-order key, without reading the row.
            (("id", "last_name_key", "first_name_key"), False),
            (("first_name_key",), False),
            (("company_name_key",), False),
            (("email_key",), False),
        )

    @property
    def display_name(self) -> str:
        if self.customer_type != "individual" and self.company_name:
            return self.company_name
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def masked_ssn(self) -> str:
        return mask_last4(self.ssn_last4)

    @property
    def primary_phone(self):
        return next((p for p in self.phones.order_by(Phone.position) if p.is_primary), None)

    def address(self, kind: str):
        return self.addresses.where(Address.kind == kind).first()


class CustomerNameWord(BaseModel):
    """One of the words in a customer's other_name_words, with the customer's name-order
    key and filters beside it, so that a search reads a range of words (a prefix) and
    its first page from this table's index alone, never a customer row.

    Written by the database's own triggers (migrations/0003_name_words.py) from the
    customer row: every write path keeps it, bulk loads and raw SQL included."""

    word = CharField()
    last_name_key = CharField()
    first_name_key = CharField()
    customer_id = IntegerField()
    status_id = IntegerField()
    customer_type = CharField()

    class Meta:
        primary_key = False
        indexes = (
            (
                (
                    "word",
                    "last_name_key",
                    "first_name_key",
                    "customer_id",
                    "status_id",
                    "customer_type",
                ),
                False,
            ),
            (("customer_id",), False),  # the triggers replace a customer's words
        )


class Phone(BaseModel):
    customer = ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    number = CharField()  # 10 digits, no punctuation
    # The digits backwards: a search for a number's last digits is a prefix range on it.
    number_reversed = CharField(null=True)
    phone_type = CharField()
    position = IntegerField(default=0)
    is_primary = BooleanField(default=False)
    is_secondary = BooleanField(default=False)
    do_not_call = BooleanField(default=False)
    verified = BooleanField(default=False)

    class Meta:
        # A search reads whose number it is from the index alone.
        indexes = ((("number", "customer"), False), (("number_reversed", "customer"), False))

    def save(self, *args, **kwargs):
        self.number_reversed = self.number[::-1] if self.number else None
        return super().save(*args, **kwargs)


class Address(BaseModel):
    """A primary or mailing address; the employer's and references' have their own rows."""

    customer = ForeignKeyField(Customer, backref="addresses", on_delete="CASCADE")
    kind = CharField()  # primary | mailing
    street = CharField()
    city = CharField()
    state = CharField()
    zipcode = CharField()
    country = CharField()
    verified = BooleanField(default=False)
    validated = BooleanField(default=False)
    # The street folded for matching (case, spacing, punctuation aside): possible
    # duplicates are found by ZIP code and this, through the index below.
    street_key = CharField(null=True)

    class Meta:
        indexes = ((("customer", "kind"), True), (("zipcode", "street_key"), False))


class Employer(BaseModel):
    customer = ForeignKeyField(Customer, backref="employers", on_delete="CASCADE", unique=True)
    name = CharField(null=True)
    title = CharField(null=True)
    phone = CharField(null=True)
    income = DecimalField(max_digits=14, decimal_places=2, null=True)
    income_frequency = CharField(null=True)
    hire_date = DateField(null=True)
    payday_frequency = CharField(null=True)
    next_payday = DateField(null=True)
    street = CharField(null=True)
    city = CharField(null=True)
    state = CharField(null=True)
    zipcode = CharField(null=True)
    country = CharField(null=True)
