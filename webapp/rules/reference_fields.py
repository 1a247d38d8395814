"""The rules of a customer's reference (a person to contact about the customer). Same
kinds and parsers as the customer's own fields."""

from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.rules.record import address_errors, shape_postal_codes
from webapp.rules.spec import FieldError, FieldSpec


def _like(name: str, new_name: str, label: str, column: str, api: str) -> FieldSpec:
    """A reference field read like one of the customer's own (same parser and choices)."""
    spec = FIELDS_BY_NAME[name]
    return FieldSpec(
        new_name,
        label,
        spec.kind,
        "reference",
        spec.description,
        expected=spec.expected,
        choices=spec.choices,
        choice_labels=spec.choice_labels,
        max_length=spec.max_length,
        column=f"reference.{column}",
        api=api,
        api_prefix=spec.api_prefix,
        personal="personal",
    )


REFERENCE_FIELDS = (
    FieldSpec(
        "name",
        "Name",
        "text",
        "reference",
        "The reference's full name.",
        required=True,
        column="reference.name",
        api="name",
        personal="personal",
    ),
    FieldSpec(
        "relationship",
        "Relationship",
        "text",
        "reference",
        "How the reference knows the customer, e.g. sister, employer, landlord.",
        max_length=60,
        column="reference.relationship",
        api="relation",
        personal="personal",
    ),
    _like("priPhone", "primaryPhone", "Phone", "primary_phone", "primaryPhone"),
    _like("secPhone", "secondaryPhone", "Other phone", "secondary_phone", "secondaryPhone"),
    _like("priAddress", "street", "Street address", "street", "address1"),
    _like("priCity", "city", "City", "city", "city"),
    _like("priState", "state", "State / province", "state", "state"),
    _like("priZipcode", "zipcode", "ZIP / postal code", "zipcode", "zipcode"),
    _like("priCountry", "country", "Country", "country", "country"),
)
_GROUPS = (("state", "zipcode", "country"),)


def reference_errors(values: dict, already_wrong=frozenset()) -> list[FieldError]:
    errors = []
    if not values.get("name") and "name" not in already_wrong:
        errors.append(FieldError("name", "Name is required."))
    return errors + address_errors(values, _GROUPS, already_wrong)


def normalise_reference(values: dict) -> dict:
    return shape_postal_codes(values, _GROUPS)
