from peewee import BooleanField, CharField, DateField, DecimalField, ForeignKeyField, IntegerField

from webapp.models.base import BaseModel
from webapp.models.customers import Customer

LOAN_ROLES = ("primary", "secondary", "other", "authorizedUser", "unassigned")


class Loan(BaseModel):
    """Just enough of a loan account to link customers to it; loans outlive customers."""

    display_id = CharField(unique=True)
    status = CharField(default="Open")
    payoff = DecimalField(max_digits=14, decimal_places=2, default=0)
    principal_balance = DecimalField(max_digits=14, decimal_places=2, default=0)
    next_due_date = DateField(null=True)
    next_due_amount = DecimalField(max_digits=14, decimal_places=2, default=0)
    days_past_due = IntegerField(default=0)
    amount_past_due = DecimalField(max_digits=14, decimal_places=2, default=0)


class CustomerLoan(BaseModel):
    customer = ForeignKeyField(Customer, backref="loan_links", on_delete="CASCADE")
    loan = ForeignKeyField(Loan, backref="customer_links", on_delete="CASCADE")
    role = CharField(default="primary")
    email_access = BooleanField(default=True)
    web_access = BooleanField(default=True)
    sms_access = BooleanField(default=False)

    class Meta:
        indexes = ((("customer", "loan"), True),)
