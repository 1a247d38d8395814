"""Custom fields: definitions managers keep, and each customer's values. A definition
becomes a FieldSpec, so its values follow the same parsers as every other field."""

import re

from peewee import fn

from webapp.db import db
from webapp.models import Customer, CustomFieldDefinition, CustomFieldValue
from webapp.rules.spec import FieldSpec
from webapp.services import history, versions
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

KINDS = {
    "text": ("text", "Text"),
    "number": ("number", "Number"),
    "date": ("date", "Date"),
    "yesno": ("flag", "Yes / no"),
    "choice": ("choice", "Choice from a list"),
}


class DefinitionRefused(Refused):
    """A custom field that cannot be defined; the message says why."""


def define(label: str, kind: str, choices_text: str = "") -> CustomFieldDefinition:
    label = " ".join((label or "").split())
    choices = [c.strip() for c in (choices_text or "").splitlines() if c.strip()]
    if not label or len(label) > 60:
        raise DefinitionRefused("A field needs a name of up to 60 characters.")
    if kind not in KINDS:
        raise DefinitionRefused("Choose what kind of value the field holds.")
    if kind == "choice" and len(choices) < 2:
        raise DefinitionRefused("A choice field needs at least two choices, one a line.")
    name = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_") or "field"
    if (
        CustomFieldDefinition.select()
        .where(
            (CustomFieldDefinition.name == name)
            | (fn.LOWER(CustomFieldDefinition.label) == label.lower())
        )
        .exists()
    ):
        raise DefinitionRefused(f"There is already a field called “{label}”.")
    position = CustomFieldDefinition.select().count()
    return CustomFieldDefinition.create(
        name=name, label=label, kind=kind, choices="\n".join(choices), position=position
    )


def set_active(definition: CustomFieldDefinition, active: bool) -> None:
    definition.active = active
    definition.save()


def active_definitions() -> list[CustomFieldDefinition]:
    return list(
        CustomFieldDefinition.select()
        .where(CustomFieldDefinition.active == True)  # noqa: E712
        .order_by(CustomFieldDefinition.position, CustomFieldDefinition.id)
    )


def spec_for(definition: CustomFieldDefinition) -> FieldSpec:
    choices = tuple(definition.choices.splitlines()) if definition.kind == "choice" else ()
    return FieldSpec(
        f"cf_{definition.id}",
        definition.label,
        KINDS[definition.kind][0],
        "custom",
        "",
        choices=choices,
        max_length=500,
        column="custom_field_value.value",
        api=f"CustomFieldValues({definition.id})",
        personal="personal",
        choice_labels={c: c for c in choices},
    )


def values_for(customer: Customer) -> dict[int, str | None]:
    return {v.definition_id: v.value for v in customer.custom_values}


def save_values(
    customer: Customer, values: dict[int, object], actor: Actor, expected_version: int | None = None
) -> int:
    """values: definition id -> parsed value (None clears). Returns how many changed.
    With `expected_version` (the form's), refused (versions.StaleVersion) when someone
    changed the customer since."""
    definitions = {d.id: d for d in active_definitions()}
    changed = 0
    with db.atomic():
        if expected_version is not None:  # first: the compare, and the row lock
            versions.check(customer.id, expected_version, lock=True)
        stored = values_for(customer)
        for definition_id, value in values.items():
            text = _as_text(value)
            old = stored.get(definition_id)
            if (old or None) == (text or None):
                continue
            CustomFieldValue.delete().where(
                (CustomFieldValue.customer == customer)
                & (CustomFieldValue.definition == definition_id)
            ).execute()
            if text:
                CustomFieldValue.create(customer=customer, definition=definition_id, value=text)
            spec = spec_for(definitions[definition_id])
            history.record_section_change(
                customer.id,
                actor,
                "custom fields",
                spec.label,
                display(definitions[definition_id], old),
                display(definitions[definition_id], text),
            )
            changed += 1
    return changed


def display(definition: CustomFieldDefinition, text: str | None) -> str:
    if text is None or text == "":
        return ""
    if definition.kind == "yesno":
        return "Yes" if text == "1" else "No"
    return text


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
