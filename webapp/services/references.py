"""A customer's references: add, change, remove, each recorded in the history."""

from webapp.db import db
from webapp.models import Customer, Reference
from webapp.rules.reference_fields import REFERENCE_FIELDS
from webapp.services import history
from webapp.services.actor import Actor

COLUMNS = {
    "name": "name",
    "relationship": "relationship",
    "primaryPhone": "primary_phone",
    "secondaryPhone": "secondary_phone",
    "street": "street",
    "city": "city",
    "state": "state",
    "zipcode": "zipcode",
    "country": "country",
}
SPECS = {spec.name: spec for spec in REFERENCE_FIELDS}


def read_reference(reference: Reference) -> dict:
    return {name: getattr(reference, column) for name, column in COLUMNS.items()}


def add_reference(customer: Customer, record: dict, actor: Actor) -> Reference:
    with db.atomic():
        reference = Reference.create(customer=customer, **_columns(record))
        history.record_section_change(
            customer.id, actor, "references", "Reference added", "", _describe(record)
        )
    return reference


def update_reference(reference: Reference, record: dict, actor: Actor) -> int:
    old = read_reference(reference)
    changed = [name for name in COLUMNS if (old[name] or None) != (record.get(name) or None)]
    with db.atomic():
        for column, value in _columns(record).items():
            setattr(reference, column, value)
        reference.save()
        for name in changed:
            spec = SPECS[name]
            history.record_section_change(
                reference.customer_id,
                actor,
                "references",
                f"{spec.label} · {record.get('name') or old['name']}",
                spec.display(old[name]),
                spec.display(record.get(name)),
            )
    return len(changed)


def delete_reference(reference: Reference, actor: Actor) -> None:
    with db.atomic():
        reference.delete_instance()
        history.record_section_change(
            reference.customer_id,
            actor,
            "references",
            "Reference removed",
            _describe(read_reference(reference)),
            "",
        )


def _columns(record: dict) -> dict:
    return {column: record.get(name) for name, column in COLUMNS.items()}


def _describe(record: dict) -> str:
    return record["name"] + (f" ({record['relationship']})" if record.get("relationship") else "")
