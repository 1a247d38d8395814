"""Between a customer record (the flat dict keyed by field name that the rules check)
and the tables it is stored in: customer, phones, addresses, employer.

The row builders are shared by the one-customer writer (UI, API) and the batch writer
(the importer), so both store a record the same way."""

from collections import defaultdict

from webapp.models import Address, Customer, Employer, Phone
from webapp.models.base import in_list, insert_rows, utcnow
from webapp.rules.customer_fields import (
    CUSTOMER_FIELDS,
    EMPLOYER_FIELDS,
    FIELDS_BY_NAME,
    MAILING_FIELDS,
    PRIMARY_ADDRESS_FIELDS,
)
from webapp.rules.folding import fold, other_name_words
from webapp.rules.record import is_blank, uses_primary_as_mailing
from webapp.services.directory import street_key
from webapp.services.passwords import hash_password

# Written by their own code below: the status (a foreign key) and the password (hashed).
_WRITTEN_APART = ("status", "password")
# record key -> customer column, from the field table (and the form's case-format choice).
CUSTOMER_COLUMNS = {
    **{
        s.name: s.column_name
        for s in CUSTOMER_FIELDS
        if s.table == "customer" and s.name not in _WRITTEN_APART
    },
    "doNotCaseFormat": "do_not_case_format",
}
ADDRESS_COLUMNS = tuple(FIELDS_BY_NAME[name].column_name for name in PRIMARY_ADDRESS_FIELDS)
EMPLOYER_COLUMNS = {name: FIELDS_BY_NAME[name].column_name for name in EMPLOYER_FIELDS}
# What a required column holds when the record leaves it blank.
_DEFAULTS = {
    **{
        s.column_name: s.default if s.default is not None else s.initial
        for s in CUSTOMER_FIELDS
        if s.table == "customer"
        and (s.default is not None or s.initial is not None)
        and s.name != "customerType"
    },
    "do_not_case_format": False,
}


# ---- record -> rows ------------------------------------------------------------------


def customer_columns(record: dict) -> dict:
    """The customer table's columns for a record (the password hashed, search keys set)."""
    columns = {column: record.get(name) for name, column in CUSTOMER_COLUMNS.items()}
    for column, default in _DEFAULTS.items():
        if columns[column] is None:
            columns[column] = default
    columns["status"] = record["status"]
    if record.get("password"):
        columns["password_hash"] = hash_password(record["password"])
    ssn, email, company = columns["ssn"], columns["email"], columns["company_name"]
    columns.update(
        ssn_last4=ssn[-4:] if ssn else None,
        first_name_key=fold(columns["first_name"]),
        last_name_key=fold(columns["last_name"]),
        company_name_key=fold(company),
        email_key=fold(email),
        other_name_words=other_name_words(columns["first_name"], columns["last_name"], company),
        mail_same_as_primary=uses_primary_as_mailing(record),
        updated_at=utcnow(),
    )
    return columns


def address_rows(record: dict) -> dict[str, dict]:
    """kind -> the address columns; no mailing row when mail goes to the primary address."""
    rows = {
        "primary": dict(
            zip(ADDRESS_COLUMNS, (record[n] for n in PRIMARY_ADDRESS_FIELDS), strict=True)
        )
    }
    if not uses_primary_as_mailing(record):
        rows["mailing"] = dict(
            zip(ADDRESS_COLUMNS, (record[n] for n in MAILING_FIELDS), strict=True)
        )
    for row in rows.values():
        row["street_key"] = street_key(row["street"])
    return rows


def employer_row(record: dict) -> dict | None:
    if all(is_blank(record.get(name)) for name in EMPLOYER_COLUMNS):
        return None
    return {column: record.get(name) for name, column in EMPLOYER_COLUMNS.items()}


PHONE_FIELDS = (
    "priPhone",
    "priPhoneType",
    "secPhone",
    "secPhoneType",
    "additionalPhone",
    "additionalPhoneType",
)


def phone_rows(record: dict) -> list[dict]:
    """Primary first, then secondary, then the additional ones, in order."""
    wanted = [(record["priPhone"], record["priPhoneType"], True, False)]
    if record.get("secPhone"):
        wanted.append((record["secPhone"], record["secPhoneType"], False, True))
    wanted += [
        (number, kind, False, False)
        for number, kind in zip(
            record.get("additionalPhone") or [],
            record.get("additionalPhoneType") or [],
            strict=False,
        )
    ]
    return [
        {
            "number": number,
            "number_reversed": number[::-1],
            "phone_type": kind,
            "position": position,
            "is_primary": primary,
            "is_secondary": secondary,
        }
        for position, (number, kind, primary, secondary) in enumerate(wanted)
    ]


# ---- rows -> record ------------------------------------------------------------------


def read_record(customer: Customer) -> dict:
    """The customer as one flat record. The password is never readable: it reads None."""
    return read_records([customer])[customer.id]


def read_records(customers: list[Customer]) -> dict[int, dict]:
    """Records for many customers in four queries, whatever their number."""
    ids = [c.id for c in customers]
    addresses, phones = defaultdict(dict), defaultdict(list)
    for address in Address.select().where(Address.customer.in_(ids)):
        addresses[address.customer_id][address.kind] = address
    for phone in Phone.select().where(Phone.customer.in_(ids)).order_by(Phone.position):
        phones[phone.customer_id].append(phone)
    employers = {e.customer_id: e for e in Employer.select().where(Employer.customer.in_(ids))}
    return {c.id: _record(c, addresses[c.id], phones[c.id], employers.get(c.id)) for c in customers}


def _record(customer, addresses, phones, employer) -> dict:
    record = {name: getattr(customer, column) for name, column in CUSTOMER_COLUMNS.items()}
    record["status"] = customer.status_id
    record["password"] = None
    for names, kind in ((PRIMARY_ADDRESS_FIELDS, "primary"), (MAILING_FIELDS, "mailing")):
        address = addresses.get(kind)
        for name, column in zip(names, ADDRESS_COLUMNS, strict=True):
            record[name] = getattr(address, column) if address else None
    for name, column in EMPLOYER_COLUMNS.items():
        record[name] = getattr(employer, column) if employer else None
    primary = next((p for p in phones if p.is_primary), None)
    secondary = next((p for p in phones if p.is_secondary), None)
    others = [p for p in phones if not p.is_primary and not p.is_secondary]
    record.update(
        priPhone=primary and primary.number,
        priPhoneType=primary and primary.phone_type,
        secPhone=secondary and secondary.number,
        secPhoneType=secondary and secondary.phone_type,
        additionalPhone=[p.number for p in others] or None,
        additionalPhoneType=[p.phone_type for p in others] or None,
    )
    return record


# ---- writer (customer_updates.py writes changed records) ---------------------------


def insert_records(records: list[dict]) -> list[int]:
    """Store many new customers at once; returns their IDs in the records' order."""
    rows = [customer_columns(r) for r in records]
    insert_rows(Customer, rows)
    # Every customer has a unique username, which ties the new IDs back to the records.
    usernames = [r["username"] for r in rows]
    ids_by_username = {}
    for start in range(0, len(usernames), 500):
        query = Customer.select(Customer.id, Customer.username).where(
            in_list(Customer.username, usernames[start : start + 500])
        )
        ids_by_username.update((c.username, c.id) for c in query)
    ids = [ids_by_username[name] for name in usernames]
    pairs = list(zip(ids, records, strict=True))
    insert_rows(
        Address,
        [
            {**row, "customer": cid, "kind": kind}
            for cid, record in pairs
            for kind, row in address_rows(record).items()
        ],
    )
    insert_rows(
        Phone, [{**row, "customer": cid} for cid, record in pairs for row in phone_rows(record)]
    )
    insert_rows(
        Employer,
        [{**row, "customer": cid} for cid, record in pairs if (row := employer_row(record))],
    )
    return ids
