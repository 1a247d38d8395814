"""LoanPro's customer fields and values, translated to and from our import columns.

A request body becomes import cells, which then pass the very rules the form and the
importer use; a stored record becomes a LoanPro-shaped entity. Bodies may also use our
import column names and plain values ("male" for "customer.gender.male")."""

import datetime as dt
import re
from decimal import Decimal

from webapp.rules.customer_fields import CUSTOMER_FIELDS, FIELDS_BY_NAME, LANDLINE_TYPES
from webapp.rules.reference_fields import REFERENCE_FIELDS
from webapp.rules.spec import FieldError, mask_last4, sent_back_masked
from webapp.services.refusal import Refused

# All from the field table. LoanPro name -> (import column, the enum prefix LoanPro puts
# before the value), for the customer's own fields and for each nested entity's.
TOP_FIELDS = {s.api: (s.name, s.api_prefix) for s in CUSTOMER_FIELDS if "." not in s.api}
ADDRESS_FIELDS = {
    entity: {
        s.api.split(".")[1]: (s.name, s.api_prefix)
        for s in CUSTOMER_FIELDS
        if s.api.startswith(entity + ".")
    }
    for entity in ("PrimaryAddress", "MailAddress")
}
EMPLOYER_FIELDS = {
    s.api.split(".")[1]: (s.name, s.api_prefix)
    for s in CUSTOMER_FIELDS
    if s.api.startswith("Employer.")
}
EMPLOYER_ADDRESS_PARTS = ("address1", "city", "state", "zipcode", "country")
PHONE_PREFIX = FIELDS_BY_NAME["priPhoneType"].api_prefix
# A reference in a body: LoanPro name -> (our field, enum prefix).
REFERENCE_API = {s.api: (s.name, s.api_prefix) for s in REFERENCE_FIELDS}
# Import column -> LoanPro name, for error details and $select.
LOANPRO_NAME = {s.name: s.api for s in CUSTOMER_FIELDS}

_DATE = re.compile(r"^/Date\((-?\d+)\)/$")


class BodyRefused(Refused):
    """A request body that cannot be read."""


def request_cells(body: dict) -> tuple[dict, set[str]]:
    """Import cells from a request body, and the columns it sets to null (cleared)."""
    if not isinstance(body, dict):
        raise BodyRefused([FieldError("", "The body must be a JSON object.")])
    cells, cleared, shapeless = {}, set(), []

    def put(column: str, value, prefix: str = "") -> None:
        if value is None:
            cleared.add(column)
        elif isinstance(value, (list, dict)):
            shapeless.append(
                FieldError(
                    column,
                    "Send one value here (text, a number or true/false), not a list or an object.",
                )
            )
        else:
            cells[column] = cell(value, prefix)

    for key, value in body.items():
        spec = FIELDS_BY_NAME.get(TOP_FIELDS[key][0] if key in TOP_FIELDS else key)
        if spec and sent_back_masked(spec, value):
            continue  # the masked value we answered, sent back: left as it is
        if key in TOP_FIELDS:
            column, prefix = TOP_FIELDS[key]
            put(column, value, prefix)
        elif key in FIELDS_BY_NAME:  # an import column name, plain value
            put(key, value)
        elif key == "statusId":  # the status column takes an ID as well as a name
            put("status", value)
        elif key in ADDRESS_FIELDS and isinstance(value, dict):
            for part, (column, strip) in ADDRESS_FIELDS[key].items():
                if part in value:
                    put(column, value[part], strip)
        elif key == "Employer" and isinstance(value, dict):
            # (LoanPro nests the employer's address in "Address"; we also take it flat)
            nested = value.get("Address") if isinstance(value.get("Address"), dict) else {}
            for part, (column, strip) in EMPLOYER_FIELDS.items():
                for source in (value, nested):
                    if part in source:
                        put(column, source[part], strip)
        elif key == "Phones":
            cells.update(_phone_cells(value))
    if shapeless:
        raise BodyRefused(shapeless)
    return cells, cleared


def reference_cells(item: dict) -> dict:
    """A reference from a body as cells for the reference rules (our names accepted too)."""
    cells = {}
    for key, value in item.items():
        if value is not None and not key.startswith("__"):
            name, prefix = REFERENCE_API.get(key, (key, ""))
            cells[name] = cell(value, prefix)
    return cells


def _phone_cells(value) -> dict:
    phones = value.get("results", []) if isinstance(value, dict) else value
    if not isinstance(phones, list):
        raise BodyRefused([FieldError("Phones", 'Phones is a list (or {"results": [...]}).')])
    primary = [p for p in phones if isinstance(p, dict) and _truthy(p.get("isPrimary"))]
    secondary = [p for p in phones if isinstance(p, dict) and _truthy(p.get("isSecondary"))]
    others = [p for p in phones if isinstance(p, dict) and p not in primary + secondary]
    if not primary and others:
        primary, others = others[:1], others[1:]
    cells = {}
    for column, chosen in (("priPhone", primary[:1]), ("secPhone", secondary[:1])):
        for phone in chosen:
            cells[column] = cell(phone.get("phone", ""))
            cells[column + "Type"] = cell(phone.get("type", "") or "", PHONE_PREFIX)
    if others:
        cells["additionalPhone"] = ";".join(cell(p.get("phone", "")) for p in others)
        cells["additionalPhoneType"] = ";".join(
            cell(p.get("type", "") or "", PHONE_PREFIX) for p in others
        )
    return cells


def _truthy(value) -> bool:
    return value in (True, 1, "1", "true", "yes")


def cell(value, prefix: str = "") -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value).strip()
    match = _DATE.match(text)
    if match:
        try:
            return dt.datetime.fromtimestamp(int(match.group(1)), dt.UTC).date().isoformat()
        except (OverflowError, ValueError, OSError):
            return text  # left for the date rule to refuse in its own words
    if prefix and text.startswith(prefix):
        return text[len(prefix) :]
    return text


def loanpro_field(column: str) -> str:
    return LOANPRO_NAME.get(column, column)


# ---- stored record -> entity ----------------------------------------------------------


def odata_date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        stamp = value.replace(tzinfo=dt.UTC).timestamp()
    else:
        stamp = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return f"/Date({int(stamp)})/"


def _api_out(column: str, value, prefix: str = ""):
    """A stored value of a field as LoanPro writes it."""
    spellings = FIELDS_BY_NAME[column].api_values
    return _out(spellings.get(value, value) if isinstance(value, str) else value, prefix)


def _out(value, prefix: str = ""):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return odata_date(value)
    return f"{prefix}{value}" if prefix else value


def customer_fields(
    customer, record: dict, status_titles: dict[int, str], full_tax_ids: bool = False
) -> dict:
    """The customer's own fields; SSN and tax ID numbers masked to their last four unless
    the token may read them (`full_tax_ids`), and secrets never."""
    fields = {"id": customer.id}
    for name, (column, prefix) in TOP_FIELDS.items():
        mask = FIELDS_BY_NAME[column].mask
        if mask == "secret":
            continue
        value = record.get(column)
        if mask == "last4" and value and not full_tax_ids:
            value = mask_last4(str(value))
        fields[name] = _api_out(column, value, prefix)
    fields["status"] = status_titles.get(customer.status_id)
    fields["statusId"] = customer.status_id
    fields["created"] = odata_date(customer.created_at)
    fields["lastUpdate"] = odata_date(customer.updated_at)
    return fields


def address_entity(record: dict, entity: str, address) -> dict | None:
    if address is None:
        return None
    values = {
        part: _api_out(column, record.get(column), prefix)
        for part, (column, prefix) in ADDRESS_FIELDS[entity].items()
    }
    return {
        "id": address.id,
        **values,
        "verified": address.verified,
        "validated": address.validated,
        # LoanPro's names for the same facts, and what we do not keep
        "isVerified": int(address.verified),
        "isStandardized": int(address.validated),
        "address2": None,
        "geoLat": None,
        "geoLon": None,
        "active": 1,
    }


def phone_entity(phone) -> dict:
    return {
        "id": phone.id,
        "phone": phone.number,
        "type": PHONE_PREFIX + phone.phone_type,
        "isPrimary": int(phone.is_primary),
        "isSecondary": int(phone.is_secondary),
        "dndEnabled": int(phone.do_not_call),
        "isVerified": int(phone.verified),
        "carrierVerified": int(phone.verified),
        "isLandLine": int(phone.phone_type in LANDLINE_TYPES),
        "entityId": phone.customer_id,
        "entityType": "Entity.Customer",
        "active": 1,
    }


def employer_entity(record: dict) -> dict | None:
    if not any(record.get(column) for column, _ in EMPLOYER_FIELDS.values()):
        return None
    fields = {
        name: _api_out(column, record.get(column), prefix)
        for name, (column, prefix) in EMPLOYER_FIELDS.items()
    }
    address = {part: fields[part] for part in EMPLOYER_ADDRESS_PARTS if part in fields}
    return {**fields, "Address": {"__metadata": {"type": "Entity.Address"}, **address}}


def reference_entity(reference) -> dict:
    return {
        "id": reference.id,
        **{
            spec.api: _out(getattr(reference, spec.column_name), spec.api_prefix)
            for spec in REFERENCE_FIELDS
        },
    }
