"""LoanPro's customer fields and values, translated to and from our import columns.

A request body becomes import cells, which then pass the very rules the form and the
importer use; a stored record becomes a LoanPro-shaped entity. Bodies may also use our
import column names and plain values ("male" for "customer.gender.male")."""

import datetime as dt
import re
from decimal import Decimal

from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.rules.spec import FieldError, mask_last4

# LoanPro name -> (import column, the enum prefix LoanPro puts before the value)
TOP_FIELDS = {
    "customId": ("importId", ""),
    "firstName": ("firstName", ""),
    "middleName": ("middleName", ""),
    "lastName": ("lastName", ""),
    "birthDate": ("birthday", ""),
    "gender": ("gender", "customer.gender."),
    "generationCode": ("gencode", "customer.generationCode."),
    "customerType": ("customerType", "customer.type."),
    "customerIdType": ("idType", "customer.idType."),
    "companyName": ("companyName", ""),
    "contactName": ("companyContact", ""),
    "creditLimit": ("creditLimit", ""),
    "email": ("email", ""),
    "ssn": ("ssn", ""),
    "driverLicense": ("driversLicense", ""),
    "accessUserName": ("username", ""),
    "accessPassword": ("password", ""),
    "status": ("status", ""),
    "idNumber": ("idNumber", ""),
    "saleTransferPii": ("saleTransferPii", ""),
    "creditScoreExperian": ("creditScoreExperian", ""),
    "creditScoreEquifax": ("creditScoreEquifax", ""),
    "creditScoreTransunion": ("creditScoreTransunion", ""),
}
ADDRESS_PARTS = {
    "address1": ("Address", ""),
    "city": ("City", ""),
    "state": ("State", "geo.state."),
    "zipcode": ("Zipcode", ""),
    "country": ("Country", "company.country."),
}
ADDRESS_PREFIXES = {"PrimaryAddress": "pri", "MailAddress": "mail"}
EMPLOYER_FIELDS = {
    "companyName": ("employerName", ""),
    "title": ("employerTitle", ""),
    "phone": ("employerPhone", ""),
    "income": ("employerIncome", ""),
    "incomeFrequency": ("employerIncomeFreq", "customer.incomeFrequency."),
    "hireDate": ("employerHireDate", ""),
    "payDateFrequency": ("employerPaydayFreq", "customer.payDateFrequency."),
    "nextPayDate": ("employerNextPayday", ""),
    "address1": ("employerAddress", ""),
    "city": ("employerCity", ""),
    "state": ("employerState", "geo.state."),
    "zipcode": ("employerZipcode", ""),
    "country": ("employerCountry", "company.country."),
}
PHONE_PREFIX = "customer.phoneType."
ENUM_PREFIXES = {"state": "geo.state.", "country": "company.country."}
# Import column -> LoanPro name, for error details and $select.
LOANPRO_NAME = {column: name for name, (column, _) in TOP_FIELDS.items()}
for _entity, _prefix in ADDRESS_PREFIXES.items():
    for _part, (_suffix, _) in ADDRESS_PARTS.items():
        LOANPRO_NAME[f"{_prefix}{_suffix}"] = f"{_entity}.{_part}"
for _name, (_column, _) in EMPLOYER_FIELDS.items():
    LOANPRO_NAME[_column] = f"Employer.{_name}"
LOANPRO_NAME.update(
    priPhone="Phones.phone",
    priPhoneType="Phones.type",
    secPhone="Phones.phone",
    secPhoneType="Phones.type",
    additionalPhone="Phones.phone",
    additionalPhoneType="Phones.type",
)

_DATE = re.compile(r"^/Date\((-?\d+)\)/$")


class BodyRefused(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def request_cells(body: dict) -> tuple[dict, set[str]]:
    """Import cells from a request body, and the columns it sets to null (cleared)."""
    if not isinstance(body, dict):
        raise BodyRefused([FieldError("", "The body must be a JSON object.")])
    cells, cleared = {}, set()

    def put(column: str, value, prefix: str = "") -> None:
        if value is None:
            cleared.add(column)
        else:
            cells[column] = cell(value, prefix)

    for key, value in body.items():
        if key in TOP_FIELDS:
            column, prefix = TOP_FIELDS[key]
            put(column, value, prefix)
        elif key in FIELDS_BY_NAME:  # an import column name, plain value
            put(key, value)
        elif key in ADDRESS_PREFIXES and isinstance(value, dict):
            prefix = ADDRESS_PREFIXES[key]
            for part, (suffix, strip) in ADDRESS_PARTS.items():
                if part in value:
                    put(f"{prefix}{suffix}", value[part], strip)
        elif key == "Employer" and isinstance(value, dict):
            for part, (column, strip) in EMPLOYER_FIELDS.items():
                if part in value:
                    put(column, value[part], strip)
        elif key == "Phones":
            cells.update(_phone_cells(value))
    return cells, cleared


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


def _out(value, prefix: str = ""):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return odata_date(value)
    return f"{prefix}{value}" if prefix else value


def customer_fields(customer, record: dict, status_titles: dict[int, str]) -> dict:
    fields = {"id": customer.id}
    for name, (column, prefix) in TOP_FIELDS.items():
        if column == "password":
            continue
        fields[name] = _out(record.get(column), prefix)
    fields["ssn"] = mask_last4(customer.ssn_last4) if customer.ssn_last4 else None
    fields["status"] = status_titles.get(customer.status_id)
    fields["statusId"] = customer.status_id
    fields["created"] = odata_date(customer.created_at)
    fields["lastUpdate"] = odata_date(customer.updated_at)
    return fields


def address_entity(record: dict, prefix: str, address) -> dict | None:
    if address is None:
        return None
    values = {
        part: _out(record.get(f"{prefix}{suffix}"), strip)
        for part, (suffix, strip) in ADDRESS_PARTS.items()
    }
    return {
        "id": address.id,
        **values,
        "verified": address.verified,
        "validated": address.validated,
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
    }


def employer_entity(record: dict) -> dict | None:
    if not any(record.get(column) for column, _ in EMPLOYER_FIELDS.values()):
        return None
    return {
        name: _out(record.get(column), prefix) for name, (column, prefix) in EMPLOYER_FIELDS.items()
    }


def reference_entity(reference) -> dict:
    return {
        "id": reference.id,
        "name": reference.name,
        "relation": reference.relationship,
        "primaryPhone": reference.primary_phone,
        "secondaryPhone": reference.secondary_phone,
        "address1": reference.street,
        "city": reference.city,
        "state": _out(reference.state, "geo.state."),
        "zipcode": reference.zipcode,
        "country": _out(reference.country, "company.country."),
    }
