"""Payment profiles: a card or bank account known to us only by a token, its last four
digits and what a person needs to recognise it. The full number is checked, handed to
the tokenizer and dropped; it never reaches the database, the history or a log."""

import secrets
from datetime import date

from webapp.db import db
from webapp.models import Customer, PaymentProfile
from webapp.rules.spec import FieldError
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.payment_numbers import (
    account_problem,
    card_brand,
    card_problem,
    digits_of,
    expiry_problem,
    routing_problem,
)
from webapp.services.refusal import Refused


class ProfileRefused(Refused):
    """A card or bank account failed its checks."""


def tokenize(kind: str, secret_digits: str) -> str:
    """Stand-in for the processor's vault, which holds the number and answers a token.
    This one keeps nothing: the token is random and the number goes out of scope."""
    del secret_digits
    return f"tok_{kind}_{secrets.token_urlsafe(18)}"


def add_card(
    customer: Customer,
    number: str,
    holder: str,
    expiry: str,
    actor: Actor,
    today: date | None = None,
) -> PaymentProfile:
    digits = digits_of(number)
    errors = []
    if problem := card_problem(digits):
        errors.append(FieldError("number", problem))
    expiry_text, problem = expiry_problem(expiry, today or date.today())
    if problem:
        errors.append(FieldError("expiry", problem, expiry))
    _check_holder(holder, errors)
    if errors:
        raise ProfileRefused(errors)
    return _store(
        customer,
        "card",
        tokenize("card", digits),
        digits[-4:],
        card_brand(digits),
        holder,
        expiry_text,
        actor,
    )


def add_bank_account(
    customer: Customer, routing: str, account: str, account_type: str, holder: str, actor: Actor
) -> PaymentProfile:
    routing, account = digits_of(routing), digits_of(account)
    errors = []
    if problem := routing_problem(routing):
        errors.append(FieldError("routing", problem, routing))
    if problem := account_problem(account):
        errors.append(FieldError("account", problem))
    if account_type not in ("checking", "savings"):
        errors.append(FieldError("account_type", "Choose checking or savings."))
    _check_holder(holder, errors)
    if errors:
        raise ProfileRefused(errors)
    brand = f"{account_type.capitalize()} · routing {routing}"
    return _store(
        customer,
        "bank",
        tokenize("bank", routing + account),
        account[-4:],
        brand,
        holder,
        None,
        actor,
    )


def set_active(profile: PaymentProfile, active: bool, actor: Actor) -> None:
    if profile.active == active:
        return
    with db.atomic():
        profile.active = active
        profile.save()
        history.record_section_change(
            profile.customer_id,
            actor,
            "payment profiles",
            f"State · {describe(profile)}",
            "Inactive" if active else "Active",
            "Active" if active else "Inactive",
        )


def describe(profile: PaymentProfile) -> str:
    what = profile.brand if profile.kind == "card" else f"{profile.brand.split(' · ')[0]} account"
    return f"{what} ending {profile.last4}" + (f", exp {profile.expiry}" if profile.expiry else "")


def _check_holder(holder: str, errors: list) -> None:
    if not (holder or "").strip():
        errors.append(FieldError("holder", "The holder's name is needed."))
    elif len(holder) > 100:
        errors.append(FieldError("holder", "The name fits in 100 characters."))


def _store(customer, kind, token, last4, brand, holder, expiry, actor) -> PaymentProfile:
    with db.atomic():
        profile = PaymentProfile.create(
            customer=customer,
            kind=kind,
            token=token,
            last4=last4,
            brand=brand,
            holder_name=holder.strip(),
            expiry=expiry,
        )
        history.record_section_change(
            customer.id, actor, "payment profiles", "Payment profile added", "", describe(profile)
        )
    return profile
