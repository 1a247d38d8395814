"""Loans as LoanPro's API shows them, as far as this system keeps them: the loan with its
LoanSetup, LoanSettings and StatusArchive (today's snapshot), its customers with their
role and access, and empty Payments and Transactions (loans are serviced elsewhere).

Money is text with two decimals and IDs and counts are numbers, as LoanPro writes them
(a Go client decodes amounts into strings and fails on a number)."""

import datetime as dt

from webapp.api import absolute_uri
from webapp.api.search_documents import money
from webapp.models import Customer, CustomerLoan, Loan

# Stored role -> LoanPro's role value (loan.customerRole.<value>).
API_ROLES = {
    "primary": "primary",
    "secondary": "secondary",
    "other": "additional",
    "authorizedUser": "authorized",
    "unassigned": "unassigned",
}
STORED_ROLES = {api: stored for stored, api in API_ROLES.items()}
ROLE_PREFIX = "loan.customerRole."
LOAN_NAVIGATION = (
    "LoanSetup",
    "LoanSettings",
    "StatusArchive",
    "Customers",
    "Payments",
    "Transactions",
)


def api_role(stored: str) -> str:
    return ROLE_PREFIX + API_ROLES.get(stored, stored)


def stored_role(value: str) -> str | None:
    """A role as a client sends it (LoanPro's value, with or without the prefix, or our
    own stored name), or None."""
    name = str(value or "").removeprefix(ROLE_PREFIX)
    if name in STORED_ROLES:
        return STORED_ROLES[name]
    return name if name in API_ROLES else None


def loan_uri(loan_id: int, navigation: str | None = None) -> str:
    return absolute_uri(f"Loans(id={loan_id})") + (f"/{navigation}" if navigation else "")


def loan_entity(loan: Loan, expand=frozenset(), bare: bool = False) -> dict:
    """The loan, with each navigation in `expand` included ({"results": [...]} for a
    list, or the bare list when the request asked for `nopaging`) and the rest deferred."""
    entity = {
        "__metadata": {"uri": loan_uri(loan.id), "type": "Entity.Loan"},
        **loan_fields(loan),
    }
    for navigation in LOAN_NAVIGATION:
        if navigation in expand:
            entity[navigation] = loan_navigation(loan, navigation, bare)
        else:
            entity[navigation] = {"__deferred": {"uri": f"Loans(id={loan.id})/{navigation}"}}
    return entity


def loan_fields(loan: Loan) -> dict:
    return {
        "id": loan.id,
        "displayId": loan.display_id,
        "title": loan.display_id,
        "active": 1,
        "archived": 0,
        "loanStatusText": loan.status,
        "principalBalance": money(loan.principal_balance),
        "payoff": money(loan.payoff),
        "amountDue": money(loan.amount_past_due),
        "daysPastDue": loan.days_past_due,
        "nextPaymentDate": _date(loan.next_due_date),
        "nextPaymentAmount": money(loan.next_due_amount),
    }


def loan_navigation(loan: Loan, navigation: str, bare: bool = False):
    if navigation == "LoanSetup":
        return {
            "__metadata": {"type": "Entity.LoanSetup"},
            "id": loan.id,
            "loanId": loan.id,
            "active": 1,
            "payment": money(loan.next_due_amount),
        }
    if navigation == "LoanSettings":
        return {
            "__metadata": {"type": "Entity.LoanSettings"},
            "id": loan.id,
            "loanId": loan.id,
            "loanStatusId": None,
            "loanSubStatusId": None,
            "autopayEnabled": 0,
        }
    if navigation == "StatusArchive":
        items = [_status_snapshot(loan)]
    elif navigation == "Customers":
        items = _customers(loan)
    else:  # Payments, Transactions: kept by the servicing system, not here
        items = []
    return items if bare else {"results": items}


def _status_snapshot(loan: Loan) -> dict:
    """Today's status, the last (and only) entry: clients read the last one as current."""
    fields = loan_fields(loan)
    return {
        "__metadata": {"type": "Entity.LoanStatusArchive"},
        "id": loan.id,
        "loanId": loan.id,
        "date": dt.date.today().isoformat(),
        **{
            name: fields[name]
            for name in (
                "principalBalance",
                "payoff",
                "amountDue",
                "daysPastDue",
                "nextPaymentDate",
                "nextPaymentAmount",
                "loanStatusText",
            )
        },
    }


def _customers(loan: Loan) -> list[dict]:
    from webapp.api.entities import customer_entities  # (entities shows loans in turn)

    links = list(
        CustomerLoan.select(CustomerLoan, Customer)
        .join(Customer)
        .where(CustomerLoan.loan == loan)
        .order_by(CustomerLoan.id)
    )
    entities = customer_entities([link.customer for link in links], set(), None)
    return [
        {
            **entity,
            "loanRole": api_role(link.role),
            "customerRole": api_role(link.role),
            "_relatedMetadata": related_metadata(link),
        }
        for entity, link in zip(entities, links, strict=True)
    ]


def related_metadata(link: CustomerLoan) -> dict:
    """The link's own facts, where LoanPro puts them on either end of it."""
    return {
        "customerRole": api_role(link.role),
        "customerWebAccess": int(link.web_access),
        "customerSmsAccess": int(link.sms_access),
        "customerEmailEnrollmentAccess": int(link.email_access),
    }


def loan_seen_from_customer(link: CustomerLoan, expand=frozenset(), bare: bool = False) -> dict:
    """A loan in a customer's Loans: the loan, the customer's role and access on it."""
    return {
        **loan_entity(link.loan, expand, bare),
        "customerRole": api_role(link.role),
        "emailAccess": link.email_access,
        "webAccess": link.web_access,
        "smsAccess": link.sms_access,
        "_relatedMetadata": related_metadata(link),
    }


def _date(value) -> str | None:
    return value.isoformat() if value else None
