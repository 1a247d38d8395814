"""Rules that look at more than one field of a customer record, and the defaults and
normalisations that depend on other fields. A record is a dict keyed by field name."""

import re

from webapp.rules.customer_fields import CUSTOMER_FIELDS, MAILING_FIELDS, defaults
from webapp.rules.geo import COUNTRY_NAMES, REGIONS
from webapp.rules.spec import FieldError, is_digits

BLANK = (None, "", [])
ADDRESS_GROUPS = (
    # (state field, zip field, country field)
    ("priState", "priZipcode", "priCountry"),
    ("mailState", "mailZipcode", "mailCountry"),
    ("employerState", "employerZipcode", "employerCountry"),
)
_US_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_CA_POSTAL = re.compile(r"([A-Z]\d[A-Z]) ?(\d[A-Z]\d)")
MAILING_COPIED = "No mailing address was given, so mail goes to the primary address."
NO_DEFAULT_STATUS = (
    "No status was given, and no default customer status is set. Give a "
    "status here, or have a manager choose the default status under "
    "Settings › Customer statuses."
)
# Built once: the record rules run on every row of an import.
_ALWAYS_REQUIRED = tuple(s for s in CUSTOMER_FIELDS if s.required)
_SOMETIMES_REQUIRED = tuple(
    s for s in CUSTOMER_FIELDS if s.required_when and s.name not in MAILING_FIELDS
)
_DEFAULTS = tuple(defaults().items())  # the customer type's comes from the context
_ORDER = {s.name: i for i, s in enumerate(CUSTOMER_FIELDS)}


def is_blank(value) -> bool:
    return value in BLANK


def apply_defaults(values: dict, ctx) -> dict:
    """Fill what a new customer gets when a value is left out."""
    filled = dict(values)
    if is_blank(filled.get("status")) and ctx.default_status_id is not None:
        filled["status"] = ctx.default_status_id
    for name, default in _DEFAULTS:
        if filled.get(name) in BLANK:
            filled[name] = ctx.default_customer_type if name == "customerType" else default
    return filled


def record_errors(values: dict, already_wrong: set[str] = frozenset()) -> list[FieldError]:
    """Every rule between fields, checked on the whole (merged) record.

    Fields in already_wrong had a value that failed its own rule; they are not reported
    again as missing.
    """
    get = values.get
    errors = [
        FieldError(spec.name, _required_message(spec))
        for spec in _ALWAYS_REQUIRED
        if get(spec.name) in BLANK and spec.name not in already_wrong
    ]
    errors += [
        FieldError(spec.name, _required_message(spec))
        for spec in _SOMETIMES_REQUIRED
        if get(spec.name) in BLANK and spec.name not in already_wrong and spec.required_when(values)
    ]
    if get("status") in BLANK and "status" not in already_wrong:
        errors.append(FieldError("status", NO_DEFAULT_STATUS))  # every customer has one
    errors.sort(key=lambda e: _ORDER[e.field])
    errors += _mailing_errors(values, already_wrong)
    errors += _list_length_errors(values, already_wrong)
    errors += _orphan_type_errors(values, already_wrong)
    errors += address_errors(values, ADDRESS_GROUPS, already_wrong)
    return errors


STORED_NOTE = (
    "The stored value was kept, though today's rules would refuse it: {problem} "
    "Correct it when you can; it did not stop the other changes."
)


def unchanged_value_problems(
    stored: dict, record: dict, errors: list[FieldError], rules=None
) -> tuple[list[FieldError], list[FieldError]]:
    """Rules judge what changes. Of a changed record's rule errors, those about a field
    left as stored that the stored record broke already (old data, a rule tightened
    since) do not block the save: they come back apart, as values needing attention.
    Returns (blocking, needing attention)."""
    if not errors:
        return errors, []
    before = {(e.field, e.message) for e in (rules or record_errors)(stored)}
    blocking, attention = [], []
    for error in errors:
        kept = (error.field, error.message) in before and (
            stored.get(error.field) == record.get(error.field)
            or (is_blank(stored.get(error.field)) and is_blank(record.get(error.field)))
        )
        (attention if kept else blocking).append(error)
    return blocking, [stored_note(e) for e in attention]


def stored_note(error: FieldError) -> FieldError:
    return FieldError(error.field, STORED_NOTE.format(problem=error.message), error.value)


def normalise_record(values: dict) -> dict:
    """The normalisations that need other fields, applied once the record is valid."""
    record = shape_postal_codes(values, ADDRESS_GROUPS)
    if not record.get("doNotCaseFormat") and record.get("lastName"):
        record["lastName"] = format_last_name(record["lastName"])
    return record


def shape_postal_codes(values: dict, groups) -> dict:
    """ZIP+4 with its dash, Canadian codes as A1A 1A1."""
    record = dict(values)
    for _state, zip_field, country_field in groups:
        if not is_blank(record.get(zip_field)):
            shaped = _shape_postal_code(record[zip_field], record.get(country_field))
            record[zip_field] = shaped or record[zip_field]
    return record


def merge_record(existing: dict, incoming: dict, mode: str = "overwrite") -> dict:
    """An update: blank incoming values leave what is there. In "fill-empty" mode only
    fields that are empty now take the incoming value."""
    merged = dict(existing)
    for name, value in incoming.items():
        if is_blank(value):
            continue
        if mode == "fill-empty" and not is_blank(existing.get(name)):
            continue
        merged[name] = value
    return merged


def format_last_name(name: str) -> str:
    """Capital first letter, the rest lower-case; a name typed in mixed case (McDonald,
    DeVries) is taken as deliberate and kept. Each part of a double-barrelled or
    apostrophe name (Smith-Jones, O'Brien) gets its own capital."""
    if name != name.lower() and name != name.upper():
        return name
    return re.sub(r"(^|[\s\-'’])(\w)", lambda m: m.group(1) + m.group(2).upper(), name.lower())


def uses_primary_as_mailing(values: dict) -> bool:
    return all(is_blank(values.get(name)) for name in MAILING_FIELDS)


def _required_message(spec) -> str:
    if spec.required or not spec.required_text.startswith("Required"):
        return f"{spec.label} is required."
    # "Required for company and flooringCustomer" -> "... is required for company and ..."
    return f"{spec.label} is r{spec.required_text[1:]}."


def _mailing_errors(values, already_wrong) -> list[FieldError]:
    if uses_primary_as_mailing(values):
        return []
    missing = [n for n in MAILING_FIELDS if is_blank(values.get(n)) and n not in already_wrong]
    return [
        FieldError(
            n,
            "A mailing address needs all of street, city, state, ZIP and "
            "country; leave every mailing column blank to use the primary "
            "address.",
        )
        for n in missing
    ]


def _list_length_errors(values, already_wrong) -> list[FieldError]:
    phones, types = values.get("additionalPhone") or [], values.get("additionalPhoneType") or []
    if {"additionalPhone", "additionalPhoneType"} & already_wrong or not phones or not types:
        return []
    if len(phones) != len(types):
        return [
            FieldError(
                "additionalPhoneType",
                f"There are {len(phones)} additional phones "
                f"but {len(types)} phone types; give one "
                "type for each phone, in the same order.",
            )
        ]
    return []


def _orphan_type_errors(values, already_wrong) -> list[FieldError]:
    pairs = (("secPhone", "secPhoneType"), ("additionalPhone", "additionalPhoneType"))
    return [
        FieldError(type_field, "A phone type was given without a phone number.")
        for number_field, type_field in pairs
        if is_blank(values.get(number_field))
        and not is_blank(values.get(type_field))
        and number_field not in already_wrong
    ]


def address_errors(values, groups, already_wrong) -> list[FieldError]:
    """State and postal code must belong to the country, for each (state, zip, country)
    group of field names."""
    errors = []
    for state_field, zip_field, country_field in groups:
        country = values.get(country_field)
        if is_blank(country) or country_field in already_wrong:
            continue
        state = values.get(state_field)
        if not is_blank(state) and state not in REGIONS[country]:
            errors.append(
                FieldError(
                    state_field, f"{state} is not a state or province of {COUNTRY_NAMES[country]}."
                )
            )
        code = values.get(zip_field)
        if (
            not is_blank(code)
            and zip_field not in already_wrong
            and _shape_postal_code(code, country) is None
        ):
            errors.append(FieldError(zip_field, _postal_code_message(code, country)))
    return errors


def _postal_code_message(code: str, country: str) -> str:
    if country == "can":
        return "Not a postal code of Canada: expected the shape A1A 1A1, e.g. K1A 0B1."
    hint = (
        " If a spreadsheet dropped a leading zero, format the column as text."
        if is_digits(code) and len(code) < 5
        else ""
    )
    return f"Not a postal code of United States: expected 5 digits or ZIP+4 (12345-6789).{hint}"


def _shape_postal_code(code: str, country: str | None) -> str | None:
    if country == "usa":
        match = _US_ZIP.fullmatch(code)
        return match and (match[1] + (f"-{match[2]}" if match[2] else ""))
    if country == "can":
        match = _CA_POSTAL.fullmatch(code)
        return match and f"{match[1]} {match[2]}"
    return code
