"""What Autopal.Search() searches and answers: LoanPro's customer and loan search
documents, each field named as LoanPro's search index names it, with the SQL that holds
its value (api/es_query.py reads queries against these) and the document a hit answers.

The customer's own fields come from the field table; the rest (names, counts, the
primary address and phone, the employer) are the derived fields LoanPro's index keeps."""

import datetime as dt
from decimal import Decimal

from peewee import SQL, Case, PostgresqlDatabase, fn

from webapp.api.es_query import Document, SearchField
from webapp.db import db
from webapp.models import (
    Address,
    Customer,
    CustomerLoan,
    CustomerPhoto,
    CustomerStatus,
    CustomFieldValue,
    Employer,
    Loan,
    PaymentProfile,
    Phone,
    Reference,
)
from webapp.rules.customer_fields import CUSTOMER_FIELDS
from webapp.rules.folding import words
from webapp.rules.spec import mask_last4
from webapp.services.search import NameMatches

# Parser kind -> search kind, for the customer's own columns.
_KINDS = {"money": "number", "score": "number", "flag": "flag", "past_date": "date", "date": "date"}
_TEXT_KINDS = ("text",)
# Searched their own way (below), or never: secrets, and tax IDs but by _tax_id.
_OWN_WAY = {"ssn", "idNumber", "password", "status", "email", "firstName", "lastName"}


def _own_fields() -> dict[str, SearchField]:
    fields = {}
    for spec in CUSTOMER_FIELDS:
        if spec.name in _OWN_WAY or not spec.api or "." in spec.api or spec.table != "customer":
            continue
        kind = _KINDS.get(spec.kind, "text" if spec.kind in _TEXT_KINDS else "keyword")
        column = getattr(Customer, spec.column_name)
        fields[spec.api] = SearchField(kind, column, prefix=spec.api_prefix)
    return fields


def _through(model, link, *conditions):
    """A field kept in another table: a condition on it becomes "the customer has such a
    row"."""

    def via(condition):
        for extra in conditions:
            condition &= extra
        return Customer.id.in_(model.select(link).where(condition))

    return via


def _first(model, column, link, *conditions):
    """The value of a field kept in another table, as an expression on the customer's
    row (for sorting and aggregating)."""
    where = link == Customer.id
    for extra in conditions:
        where &= extra
    return model.select(column).where(where).limit(1)


def _customer_name(pattern: str):
    """A word, or the start of one (a trailing *), by the name-word indexes as the
    Customer Manager finds it; None for another pattern (matched on the name columns)."""
    plain = pattern.removesuffix("%")
    if plain and not any(c in plain for c in "%_\\ ") and words(plain) == [plain]:
        matches = NameMatches(plain)
        expression = Customer.id.in_(matches.ids())
        expression.name_matches = matches  # pages in ID order (see api/search.py)
        return expression
    return None


def _tax_id(column, last4):
    """An SSN or tax ID matches whole (nine digits) or by its last four, never by a
    pattern or a part: with wildcards a token could read one digit by digit."""

    def match(pattern: str):
        digits = pattern.replace("-", "")
        if digits.isascii() and digits.isdigit():
            if len(digits) == 9:
                return column == digits
            if len(digits) == 4 and last4 is not None:
                return last4 == digits
        return None

    return match


def _count(model, link):
    return model.select(fn.COUNT(SQL("*"))).where(link == Customer.id)


def _age():
    if isinstance(db.obj, PostgresqlDatabase):
        return fn.date_part("year", fn.age(Customer.birth_date))
    return SQL(
        "(CAST(strftime('%Y', 'now') AS INTEGER) - CAST(strftime('%Y', birth_date) AS INTEGER)"
        " - (strftime('%m-%d', 'now') < strftime('%m-%d', birth_date)))"
    )


def _average_score():
    scores = (
        Customer.credit_score_experian,
        Customer.credit_score_equifax,
        Customer.credit_score_transunion,
    )
    given = sum(Case(None, [(s.is_null(False), 1)], 0) for s in scores)
    total = sum(fn.COALESCE(s, 0) for s in scores)
    return Case(None, [(given > 0, total * 1.0 / given)], None)


def customer_document() -> Document:
    primary_address = (Address, Address.customer, Address.kind == "primary")
    primary_phone = (Phone, Phone.customer, Phone.is_primary)
    employer = (Employer, Employer.customer)

    def kept_in(kind, column, where, prefix=""):
        model, link, *conditions = where
        return SearchField(
            kind,
            column,
            via=_through(model, link, *conditions),
            value=_first(model, column, link, *conditions),
            prefix=prefix,
        )

    fields = {
        **_own_fields(),
        "id": SearchField("number", Customer.id),
        "firstName": SearchField("text", Customer.first_name_key, folded=True),
        "lastName": SearchField("text", Customer.last_name_key, folded=True),
        "email": SearchField("keyword", Customer.email_key, folded=True),
        "ssn": SearchField(
            "keyword", Customer.ssn, matcher=_tax_id(Customer.ssn, Customer.ssn_last4), strict=True
        ),
        "idNumber": SearchField(
            "keyword", Customer.id_number, matcher=_tax_id(Customer.id_number, None), strict=True
        ),
        "statusId": SearchField("number", Customer.status),
        "status": SearchField(
            "keyword",
            CustomerStatus.title,
            via=lambda c: Customer.status.in_(CustomerStatus.select(CustomerStatus.id).where(c)),
            value=CustomerStatus.select(CustomerStatus.title)
            .where(CustomerStatus.id == Customer.status)
            .limit(1),
        ),
        "customerName": SearchField(
            "text",
            fn.COALESCE(Customer.company_name, "")
            .concat(" ")
            .concat(Customer.first_name)
            .concat(" ")
            .concat(Customer.last_name),
            matcher=_customer_name,
        ),
        "created": SearchField("date", Customer.created_at),
        "lastUpdate": SearchField("date", Customer.updated_at),
        "age": SearchField("number", _age()),
        "creditScore": SearchField("number", _average_score()),
        "loansCount": SearchField("number", _count(CustomerLoan, CustomerLoan.customer)),
        "loanCount": SearchField("number", _count(CustomerLoan, CustomerLoan.customer)),
        "referencesCount": SearchField("number", _count(Reference, Reference.customer)),
        "paymentAccountsCount": SearchField(
            "number", _count(PaymentProfile, PaymentProfile.customer)
        ),
        "hasEmployer": SearchField("number", fn.MIN(_count(Employer, Employer.customer), 1)),
        "hasAvatar": SearchField(
            "number", fn.MIN(_count(CustomerPhoto, CustomerPhoto.customer), 1)
        ),
        "primaryPhone": kept_in("keyword", Phone.number, primary_phone),
        "address1": kept_in("text", Address.street, primary_address),
        "city": kept_in("text", Address.city, primary_address),
        "state": kept_in("keyword", Address.state, primary_address, "geo.state."),
        "zipcode": kept_in("keyword", Address.zipcode, primary_address),
        "employer.companyName": kept_in("text", Employer.name, employer),
        "employer.title": kept_in("text", Employer.title, employer),
        "customFields": SearchField(
            "text",
            CustomFieldValue.value,
            via=_through(CustomFieldValue, CustomFieldValue.customer),
        ),
    }
    return Document(fields, CUSTOMER_DEFAULT_FIELDS)


# What a query_string without "fields" searches: the fields a person types into a
# search box, each answered from an index (Elasticsearch's "every field" would read
# every row of a large book).
CUSTOMER_DEFAULT_FIELDS = (
    "customerName",
    "email",
    "ssn",
    "primaryPhone",
    "customId",
    "accessUserName",
    "city",
    "state",
    "zipcode",
)


def loan_document() -> Document:
    primary = (CustomerLoan.role == "primary") & (CustomerLoan.loan == Loan.id)
    name = Customer.first_name.concat(" ").concat(Customer.last_name)
    fields = {
        "id": SearchField("number", Loan.id),
        "displayId": SearchField("keyword", Loan.display_id),
        "title": SearchField("text", Loan.display_id),
        "loanStatusText": SearchField("keyword", Loan.status),
        "principalBalance": SearchField("number", Loan.principal_balance),
        "payoff": SearchField("number", Loan.payoff),
        "daysPastDue": SearchField("number", Loan.days_past_due),
        "amountDue": SearchField("number", Loan.amount_past_due),
        "nextPaymentAmount": SearchField("number", Loan.next_due_amount),
        "nextPaymentDate": SearchField("date", Loan.next_due_date),
        "primaryCustomerName": SearchField(
            "text",
            name,
            via=lambda c: Loan.id.in_(
                CustomerLoan.select(CustomerLoan.loan)
                .join(Customer)
                .where((CustomerLoan.role == "primary") & c)
            ),
            value=CustomerLoan.select(name).join(Customer).where(primary).limit(1),
        ),
    }
    return Document(fields, ("displayId", "title", "primaryCustomerName"))


# ---- the documents a search answers ----------------------------------------------------


def customer_hits(ids: list[int], full_tax_ids: bool) -> list[dict]:
    """The search documents of these customers, in this order (a removed one drops)."""
    customers = {c.id: c for c in Customer.select().where(Customer.id.in_(ids))}
    titles = {s.id: s.title for s in CustomerStatus.select()}
    addresses = {
        a.customer_id: a
        for a in Address.select().where(Address.customer.in_(ids) & (Address.kind == "primary"))
    }
    phones = {
        p.customer_id: p.number
        for p in Phone.select().where(Phone.customer.in_(ids) & Phone.is_primary)
    }
    employers = {e.customer_id: e for e in Employer.select().where(Employer.customer.in_(ids))}
    counts = {
        name: _counts(model, link, ids)
        for name, (model, link) in {
            "loansCount": (CustomerLoan, CustomerLoan.customer),
            "referencesCount": (Reference, Reference.customer),
            "paymentAccountsCount": (PaymentProfile, PaymentProfile.customer),
        }.items()
    }
    avatars = set(_counts(CustomerPhoto, CustomerPhoto.customer, ids))
    hits = []
    for customer_id in ids:
        c = customers.get(customer_id)
        if c is None:
            continue
        address, employer = addresses.get(c.id), employers.get(c.id)
        scores = [
            s
            for s in (c.credit_score_experian, c.credit_score_equifax, c.credit_score_transunion)
            if s is not None
        ]
        hits.append(
            {
                "id": c.id,
                "customId": c.import_id,
                "customerType": f"customer.type.{c.customer_type}",
                "status": titles.get(c.status_id),
                "statusId": c.status_id,
                "firstName": c.first_name,
                "middleName": c.middle_name,
                "lastName": c.last_name,
                "customerName": " ".join(filter(None, (c.first_name, c.middle_name, c.last_name)))
                or c.company_name,
                "companyName": c.company_name,
                "contactName": c.company_contact,
                "email": c.email,
                "ssn": _tax_id_shown(c.ssn, full_tax_ids),
                "birthDate": c.birth_date.isoformat() if c.birth_date else None,
                "age": _age_on(c.birth_date),
                "gender": f"customer.gender.{c.gender}" if c.gender else None,
                "creditLimit": _number(c.credit_limit),
                "creditScore": round(sum(scores) / len(scores), 2) if scores else None,
                "accessUserName": c.username,
                "primaryPhone": phones.get(c.id),
                "address1": address and address.street,
                "city": address and address.city,
                "state": address and f"geo.state.{address.state}",
                "zipcode": address and address.zipcode,
                "employer": {"companyName": employer.name, "title": employer.title}
                if employer
                else None,
                "hasEmployer": int(employer is not None),
                "hasAvatar": int(c.id in avatars),
                **{name: by_customer.get(c.id, 0) for name, by_customer in counts.items()},
                "created": _stamp(c.created_at),
                "lastUpdate": _stamp(c.updated_at),
            }
        )
    return hits


def loan_hits(ids: list[int]) -> list[dict]:
    loans = {loan.id: loan for loan in Loan.select().where(Loan.id.in_(ids))}
    links = (
        CustomerLoan.select(CustomerLoan, Customer)
        .join(Customer)
        .where(CustomerLoan.loan.in_(ids))
        .order_by(CustomerLoan.id)
    )
    customers: dict[int, list] = {}
    for link in links:
        customers.setdefault(link.loan_id, []).append(link)
    hits = []
    for loan_id in ids:
        loan = loans.get(loan_id)
        if loan is None:
            continue
        linked = customers.get(loan.id, [])
        primary = next((link.customer for link in linked if link.role == "primary"), None)
        hits.append(
            {
                "id": loan.id,
                "displayId": loan.display_id,
                "title": loan.display_id,
                "loanStatusText": loan.status,
                "principalBalance": money(loan.principal_balance),
                "payoff": money(loan.payoff),
                "amountDue": money(loan.amount_past_due),
                "daysPastDue": loan.days_past_due,
                "nextPaymentAmount": money(loan.next_due_amount),
                "nextPaymentDate": loan.next_due_date.isoformat() if loan.next_due_date else None,
                "primaryCustomerName": f"{primary.first_name} {primary.last_name}"
                if primary
                else None,
                "customers": [
                    {
                        "id": link.customer.id,
                        "firstName": link.customer.first_name,
                        "lastName": link.customer.last_name,
                        "email": link.customer.email,
                        "customerRole": link.role,
                    }
                    for link in linked
                ],
            }
        )
    return hits


def money(value) -> str | None:
    """An amount as LoanPro writes one: text with two decimals."""
    return None if value is None else f"{Decimal(value):.2f}"


def _counts(model, link, ids: list[int]) -> dict[int, int]:
    query = model.select(link, fn.COUNT(SQL("*"))).where(link.in_(ids)).group_by(link)
    return dict(query.tuples())


def _tax_id_shown(value: str | None, full: bool) -> str | None:
    if not value:
        return None
    return value if full else mask_last4(value)


def _number(value):
    return None if value is None else float(value)


def _age_on(birth_date) -> int | None:
    if birth_date is None:
        return None
    today = dt.date.today()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def _stamp(value) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None
