"""A customer's phones: as many as needed, typed, one primary, at most one secondary,
each with do-not-call and verified marks. Numbers and types follow the same field rules
as the customer form and the import."""

from webapp.db import db
from webapp.models import Customer, Phone
from webapp.rules.context import RuleContext
from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.rules.parsers import parser_for
from webapp.rules.spec import FieldError, RuleError, format_phone
from webapp.services import history
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

NUMBER, KIND = FIELDS_BY_NAME["priPhone"], FIELDS_BY_NAME["priPhoneType"]
MARKS = {"do_not_call": ("Do not call", "Calls allowed"), "verified": ("Verified", "Not verified")}


class PhoneRefused(Refused):
    """A phone number or type was refused."""


def checked(number: str, kind: str) -> tuple[str, str]:
    errors, values = [], {}
    for spec, raw in ((NUMBER, number), (KIND, kind)):
        text = (raw or "").strip()
        if not text:
            errors.append(
                FieldError(spec.name, f"{spec.label.replace('Primary p', 'P')} is required.", text)
            )
            continue
        try:
            values[spec.name] = parser_for(spec, RuleContext())(text)
        except RuleError as problem:
            errors.append(FieldError(spec.name, str(problem), text))
    if errors:
        raise PhoneRefused(errors)
    return values[NUMBER.name], values[KIND.name]


def add_phone(customer: Customer, number: str, kind: str, actor: Actor) -> Phone:
    number, kind = checked(number, kind)
    if Phone.select().where((Phone.customer == customer) & (Phone.number == number)).exists():
        raise PhoneRefused(
            [FieldError(NUMBER.name, "The customer has this number already.", number)]
        )
    with db.atomic():
        position = Phone.select().where(Phone.customer == customer).count()
        phone = Phone.create(
            customer=customer,
            number=number,
            phone_type=kind,
            position=position,
            is_primary=position == 0,
        )
        history.record_section_change(
            customer.id,
            actor,
            "phones",
            "Phone added",
            "",
            f"{format_phone(number)} ({KIND.display(kind)})",
        )
    return phone


def change_type(phone: Phone, kind: str, actor: Actor) -> None:
    _, kind = checked(phone.number, kind)
    if kind != phone.phone_type:
        with db.atomic():
            old = phone.phone_type
            phone.phone_type = kind
            phone.save()
            _record(phone, actor, "Type", KIND.display(old), KIND.display(kind))


def set_mark(phone: Phone, mark: str, on: bool, actor: Actor) -> None:
    """do_not_call or verified."""
    if mark not in MARKS or getattr(phone, mark) == on:
        return
    with db.atomic():
        setattr(phone, mark, on)
        phone.save()
        yes, no = MARKS[mark]
        _record(phone, actor, MARKS[mark][0], yes if not on else no, yes if on else no)


def make_primary(phone: Phone, actor: Actor) -> None:
    _promote(phone, "is_primary", "Primary", actor)


def make_secondary(phone: Phone, actor: Actor) -> None:
    _promote(phone, "is_secondary", "Secondary", actor)


def remove_phone(phone: Phone, actor: Actor) -> None:
    if phone.is_primary:
        raise PhoneRefused(
            [
                FieldError(
                    NUMBER.name, "Make another number primary before removing the primary phone."
                )
            ]
        )
    with db.atomic():
        phone.delete_instance()
        _renumber(phone.customer)
        history.record_section_change(
            phone.customer_id, actor, "phones", "Phone removed", format_phone(phone.number), ""
        )


def _promote(phone: Phone, role: str, name: str, actor: Actor) -> None:
    """Exactly one primary and at most one secondary: the one promoted takes the role
    from whoever had it, and a primary that becomes secondary is replaced."""
    if getattr(phone, role):
        return
    if role == "is_secondary" and phone.is_primary:
        raise PhoneRefused([FieldError(NUMBER.name, "Make another number primary first.")])
    other = "is_secondary" if role == "is_primary" else "is_primary"
    with db.atomic():
        previous = Phone.get_or_none(
            (Phone.customer == phone.customer_id) & (getattr(Phone, role) == True)  # noqa: E712
        )
        if previous:
            setattr(previous, role, False)
            if role == "is_primary" and getattr(phone, other):
                previous.is_secondary = True  # the two swap places
            previous.save()
        setattr(phone, other, False)
        setattr(phone, role, True)
        phone.save()
        _renumber(phone.customer)
        _record(
            phone,
            actor,
            f"{name} phone",
            format_phone(previous.number) if previous else "",
            format_phone(phone.number),
        )


def _renumber(customer: Customer) -> None:
    """Primary first, then secondary, then the rest in their order."""
    phones = sorted(
        customer.phones, key=lambda p: (not p.is_primary, not p.is_secondary, p.position)
    )
    for position, phone in enumerate(phones):
        if phone.position != position:
            Phone.update(position=position).where(Phone.id == phone.id).execute()


def _record(phone: Phone, actor: Actor, what: str, old: str, new: str) -> None:
    history.record_section_change(
        phone.customer_id, actor, "phones", f"{what} · {format_phone(phone.number)}", old, new
    )
