"""Between a customer record (the flat dict keyed by field name that the rules check)
and the tables it is stored in: customer, phones, addresses, employer."""

from webapp.models import Address, Customer, Employer, Phone
from webapp.models.base import utcnow
from webapp.rules.customer_fields import MAILING_FIELDS, PRIMARY_ADDRESS_FIELDS
from webapp.rules.record import is_blank, uses_primary_as_mailing

CUSTOMER_COLUMNS = {
    "importId": "import_id", "customerType": "customer_type", "firstName": "first_name",
    "middleName": "middle_name", "lastName": "last_name", "companyContact": "company_contact",
    "companyName": "company_name", "ssn": "ssn", "driversLicense": "drivers_license",
    "idType": "id_type", "idNumber": "id_number", "creditLimit": "credit_limit",
    "birthday": "birth_date", "gender": "gender", "gencode": "generation_code",
    "saleTransferPii": "sale_transfer_pii", "email": "email", "username": "username",
    "creditScoreExperian": "credit_score_experian", "creditScoreEquifax": "credit_score_equifax",
    "creditScoreTransunion": "credit_score_transunion", "doNotCaseFormat": "do_not_case_format",
}
ADDRESS_COLUMNS = ("street", "city", "state", "zipcode", "country")
EMPLOYER_COLUMNS = {
    "employerName": "name", "employerTitle": "title", "employerPhone": "phone",
    "employerIncome": "income", "employerIncomeFreq": "income_frequency",
    "employerHireDate": "hire_date", "employerPaydayFreq": "payday_frequency",
    "employerNextPayday": "next_payday", "employerAddress": "street", "employerCity": "city",
    "employerState": "state", "employerZipcode": "zipcode", "employerCountry": "country",
}


def read_record(customer: Customer) -> dict:
    """The customer as one flat record. The password is never readable: it reads None."""
    record = {name: getattr(customer, column) for name, column in CUSTOMER_COLUMNS.items()}
    record["status"] = customer.status_id
    record["password"] = None
    addresses = {a.kind: a for a in customer.addresses}
    for names, kind in ((PRIMARY_ADDRESS_FIELDS, "primary"), (MAILING_FIELDS, "mailing")):
        address = addresses.get(kind)
        for name, column in zip(names, ADDRESS_COLUMNS, strict=True):
            record[name] = getattr(address, column) if address else None
    employer = customer.employers.first()
    for name, column in EMPLOYER_COLUMNS.items():
        record[name] = getattr(employer, column) if employer else None
    record.update(_phone_fields(list(customer.phones.order_by(Phone.position))))
    return record


def write_record(customer: Customer, record: dict) -> Customer:
    """Store a valid record on the customer and its rows (inside the caller's transaction)."""
    for name, column in CUSTOMER_COLUMNS.items():
        if name in record:
            setattr(customer, column, record[name])
    customer.status = record["status"]
    if record.get("password"):
        from webapp.services.passwords import hash_password

        customer.password_hash = hash_password(record["password"])
    customer.ssn_last4 = customer.ssn[-4:] if customer.ssn else None
    customer.first_name_key = customer.first_name.casefold()
    customer.last_name_key = customer.last_name.casefold()
    customer.company_name_key = customer.company_name.casefold() if customer.company_name else None
    customer.email_key = customer.email.casefold() if customer.email else None
    customer.mail_same_as_primary = uses_primary_as_mailing(record)
    customer.updated_at = utcnow()
    customer.save()
    _write_address(customer, "primary", [record[n] for n in PRIMARY_ADDRESS_FIELDS])
    mailing = None if customer.mail_same_as_primary else [record[n] for n in MAILING_FIELDS]
    _write_address(customer, "mailing", mailing)
    _write_employer(customer, record)
    _write_phones(customer, record)
    return customer


def _phone_fields(phones: list[Phone]) -> dict:
    primary = next((p for p in phones if p.is_primary), None)
    secondary = next((p for p in phones if p.is_secondary), None)
    others = [p for p in phones if not p.is_primary and not p.is_secondary]
    return {
        "priPhone": primary and primary.number, "priPhoneType": primary and primary.phone_type,
        "secPhone": secondary and secondary.number,
        "secPhoneType": secondary and secondary.phone_type,
        "additionalPhone": [p.number for p in others] or None,
        "additionalPhoneType": [p.phone_type for p in others] or None,
    }


def _write_address(customer: Customer, kind: str, values: list | None) -> None:
    existing = Address.get_or_none(customer=customer, kind=kind)
    if values is None:
        if existing:
            existing.delete_instance()
        return
    address = existing or Address(customer=customer, kind=kind)
    changed = [getattr(address, c) for c in ADDRESS_COLUMNS] != values
    for column, value in zip(ADDRESS_COLUMNS, values, strict=True):
        setattr(address, column, value)
    if changed:  # a changed address has not been verified yet
        address.verified = address.validated = False
    address.save()


def _write_employer(customer: Customer, record: dict) -> None:
    employer = customer.employers.first()
    if all(is_blank(record.get(name)) for name in EMPLOYER_COLUMNS):
        if employer:
            employer.delete_instance()
        return
    employer = employer or Employer(customer=customer)
    for name, column in EMPLOYER_COLUMNS.items():
        setattr(employer, column, record.get(name))
    employer.save()


def _write_phones(customer: Customer, record: dict) -> None:
    """Rewrite the phone list, keeping each kept number's do-not-call and verified marks."""
    wanted = [(record["priPhone"], record["priPhoneType"], "primary")]
    if record.get("secPhone"):
        wanted.append((record["secPhone"], record["secPhoneType"], "secondary"))
    wanted += [(n, t, "other") for n, t in zip(record.get("additionalPhone") or [],
                                                record.get("additionalPhoneType") or [],
                                                strict=False)]
    existing = {p.number: p for p in customer.phones}
    if [(p.number, p.phone_type, _role(p)) for p in
            sorted(existing.values(), key=lambda p: p.position)] == wanted:
        return
    Phone.delete().where(Phone.customer == customer).execute()
    for position, (number, phone_type, role) in enumerate(wanted):
        old = existing.get(number)
        Phone.create(customer=customer, number=number, phone_type=phone_type,
                     position=position, is_primary=role == "primary",
                     is_secondary=role == "secondary",
                     do_not_call=bool(old and old.do_not_call),
                     verified=bool(old and old.verified))


def _role(phone: Phone) -> str:
    return "primary" if phone.is_primary else "secondary" if phone.is_secondary else "other"
