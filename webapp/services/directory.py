"""Who holds a value: the keys a customer record is found by (import ID, username, SSN,
SSN with birth date, tax ID, email, phone numbers, primary address), and the stored
customers that hold given keys.

One place for these lookups serves the uniqueness rules, the duplicate check and the
username a new customer is given, for the services (the database as it is) and for an
import (the database as the file's earlier rows would leave it: importing/view.py)."""

from collections import defaultdict

from webapp.models import Address, Customer, Phone
from webapp.models.base import in_list

UNIQUE_KINDS = ("importId", "username")
DUPLICATE_KINDS = ("ssnBirth", "ssn", "idNumber", "email", "phone", "address")
KINDS = UNIQUE_KINDS + DUPLICATE_KINDS
_BATCH = 500


def holder_order(ref) -> tuple[int, int]:
    """How holders of a value are listed: stored customers by ID, then the customers a
    file's lines add (refs ("new", line)) by line."""
    return (1, ref[1]) if isinstance(ref, tuple) else (0, ref)


def record_keys(record: dict) -> dict[str, set[str]]:
    """kind -> the values this record holds of that kind (often one)."""
    get = record.get
    keys: dict[str, set[str]] = {}

    def put(kind, value):
        if value:
            keys.setdefault(kind, set()).add(value)

    put("importId", get("importId"))
    put("username", get("username"))
    put("ssn", get("ssn"))
    if get("ssn") and get("birthday"):
        put("ssnBirth", f"{get('ssn')}|{get('birthday').isoformat()}")
    put("idNumber", get("idNumber"))
    put("email", (get("email") or "").casefold())
    for number in (get("priPhone"), get("secPhone"), *(get("additionalPhone") or [])):
        put("phone", number)
    put("address", address_key(get("priAddress"), get("priZipcode"), get("priCountry")))
    return keys


def address_key(street, zipcode, country) -> str | None:
    """The same street (case, spacing and punctuation aside) in the same ZIP code."""
    if not (street and zipcode):
        return None
    return f"{street_key(street)}|{zipcode}|{country or ''}"


_PUNCTUATION = str.maketrans(".,#", "   ")


def street_key(street: str | None) -> str | None:
    """A street as it is matched: folded case, no punctuation, single spaces."""
    return " ".join(street.casefold().translate(_PUNCTUATION).split()) if street else None


def stored_holders(kind: str, values) -> dict[str, set[int]]:
    """value -> IDs of the stored customers holding it, for many values in few queries."""
    values = list(dict.fromkeys(v for v in values if v))
    found: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(values), _BATCH):
        for value, customer_id in _query(kind, values[start : start + _BATCH]):
            found[value].add(customer_id)
    return found


def _query(kind: str, values: list[str]):
    if kind in ("importId", "username", "ssn", "idNumber", "email"):
        column = {
            "importId": Customer.import_id,
            "username": Customer.username,
            "ssn": Customer.ssn,
            "idNumber": Customer.id_number,
            "email": Customer.email_key,
        }[kind]
        query = Customer.select(Customer.id, column.alias("key")).where(in_list(column, values))
        return ((row.key, row.id) for row in query.objects())
    if kind == "ssnBirth":
        wanted = set(values)
        query = Customer.select(Customer.id, Customer.ssn, Customer.birth_date).where(
            in_list(Customer.ssn, list({v.split("|")[0] for v in values}))
        )
        return (
            (key, row.id)
            for row in query
            if row.birth_date and (key := f"{row.ssn}|{row.birth_date.isoformat()}") in wanted
        )
    if kind == "phone":
        query = Phone.select(Phone.customer, Phone.number).where(in_list(Phone.number, values))
        return ((row.number, row.customer_id) for row in query)
    if kind == "address":
        wanted = set(values)
        streets, zipcodes = zip(*(v.split("|")[:2] for v in values), strict=True)
        query = Address.select(
            Address.customer, Address.street_key, Address.zipcode, Address.country, Address.kind
        ).where(
            in_list(Address.zipcode, list(set(zipcodes)))
            & in_list(Address.street_key, list(set(streets)))
        )
        return (
            (key, row.customer_id)
            for row in query.tuples().objects()
            if row.kind == "primary"
            and (key := f"{row.street_key}|{row.zipcode}|{row.country or ''}") in wanted
        )
    raise ValueError(kind)


def stored_usernames_starting(stem: str) -> list[tuple[int, str]]:
    """(ID, username) of the stored usernames that begin with `stem`: a range on the
    unique index (LIKE would read the whole table)."""
    query = Customer.select(Customer.id, Customer.username).where(
        (Customer.username >= stem) & (Customer.username < stem + "\U0010ffff")
    )
    return list(query.tuples())


class StoredDirectory:
    """The lookups of the uniqueness and duplicate rules, on the database as it is (the
    importer has its own, importing/view.py, with the file's earlier rows applied)."""

    def holders(self, kind: str, value: str) -> set:
        return stored_holders(kind, [value]).get(value, set())

    def usernames_starting(self, stem: str) -> set[str]:
        return {name for _, name in stored_usernames_starting(stem)}

    def describe(self, ref) -> str:
        return f"customer #{ref}"
