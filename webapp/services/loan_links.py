"""A customer's links to loan accounts: role on the loan and communication access.
Every loan keeps exactly one primary customer."""

from webapp.db import db
from webapp.models import LOAN_ROLES, CustomerLoan, Loan
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

ROLE_LABELS = {
    "primary": "Primary",
    "secondary": "Secondary",
    "other": "Other",
    "authorizedUser": "Authorized user",
    "unassigned": "Unassigned",
}
CHANNELS = {"email_access": "Email access", "web_access": "Web access", "sms_access": "SMS access"}


class LinkRefused(Refused):
    """A change to a customer's loan links that would break a rule."""


def loans_losing_their_primary(customer_id: int) -> list[str]:
    """The loans this customer is primary on: removing the customer leaves each of them
    without a primary customer (the loans themselves stay)."""
    query = (
        Loan.select(Loan.display_id)
        .join(CustomerLoan)
        .where((CustomerLoan.customer == customer_id) & (CustomerLoan.role == "primary"))
        .order_by(Loan.display_id)
    )
    return [loan.display_id for loan in query]


def without_primary_note(loans: list[str]) -> str:
    names = ", ".join(loans)
    return (
        f"Loan{'s' if len(loans) > 1 else ''} {names} will have no primary customer; "
        "make another customer on "
        f"{'them' if len(loans) > 1 else 'it'} primary (Links & Access)."
    )


def set_role(link: CustomerLoan, role: str, actor: Actor) -> None:
    if role not in LOAN_ROLES:
        raise LinkRefused(f"Choose one of: {', '.join(ROLE_LABELS.values())}.")
    if role == link.role:
        return
    if link.role == "primary":
        raise LinkRefused(
            f"Loan {link.loan.display_id} needs a primary customer: make "
            "another customer on it primary instead."
        )
    with db.atomic():
        if role == "primary":
            current = CustomerLoan.get_or_none(
                (CustomerLoan.loan == link.loan_id) & (CustomerLoan.role == "primary")
            )
            if current:  # the one who was primary steps down to secondary
                _change_role(current, "secondary", actor)
        _change_role(link, role, actor)


def set_access(link: CustomerLoan, channel: str, on: bool, actor: Actor) -> None:
    if channel not in CHANNELS or getattr(link, channel) == on:
        return
    with db.atomic():
        setattr(link, channel, on)
        link.save()
        history.record_section_change(
            link.customer_id,
            actor,
            "links",
            f"{CHANNELS[channel]} · {link.loan.display_id}",
            "Off" if on else "On",
            "On" if on else "Off",
        )


def _change_role(link: CustomerLoan, role: str, actor: Actor) -> None:
    old = link.role
    link.role = role
    link.save()
    history.record_section_change(
        link.customer_id,
        actor,
        "links",
        f"Role · {link.loan.display_id}",
        ROLE_LABELS[old],
        ROLE_LABELS[role],
    )


def link_customer(loan, customer, role: str, actor: Actor) -> CustomerLoan:
    """Link a customer to a loan with a role (or change the role of an existing link);
    a new primary takes over from the old one, who becomes secondary."""
    if role not in LOAN_ROLES:
        raise LinkRefused(f"Choose one of: {', '.join(ROLE_LABELS.values())}.")
    with db.atomic():
        link = CustomerLoan.get_or_none(
            (CustomerLoan.loan == loan) & (CustomerLoan.customer == customer)
        )
        if link is None:
            link = CustomerLoan.create(
                loan=loan, customer=customer, role="secondary" if role == "primary" else role
            )
            history.record_section_change(
                customer.id,
                actor,
                "links",
                f"Linked to loan {loan.display_id}",
                "",
                ROLE_LABELS[link.role],
            )
        set_role(link, role, actor)
    return link


def unlink_customer(loan, customer, actor: Actor) -> None:
    """Take a customer off a loan. The primary stays until another customer is made
    primary: a loan always has one."""
    link = CustomerLoan.get_or_none(
        (CustomerLoan.loan == loan) & (CustomerLoan.customer == customer)
    )
    if link is None:
        return
    if link.role == "primary":
        raise LinkRefused(
            f"Customer {customer.id} is the primary customer of loan {loan.display_id}: make "
            "another customer primary first, then unlink."
        )
    with db.atomic():
        link.delete_instance()
        history.record_section_change(
            customer.id,
            actor,
            "links",
            f"Unlinked from loan {loan.display_id}",
            ROLE_LABELS[link.role],
            "",
        )
