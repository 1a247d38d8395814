"""Loans as far as customers are concerned: link a customer to a loan with a role
(PUT Loans(ID) with a Customers list, as LoanPro takes it)."""

import re

from webapp.api import ApiError, api_actor, bp, by_id, json_object
from webapp.api.entities import loan_fields
from webapp.models import Customer, CustomerLoan, Loan
from webapp.services.loan_links import LinkRefused, link_customer

_CUSTOMER_URI = re.compile(r"Customers\((?:id=)?(\d+)\)")
ROLE_PREFIX = "loan.customerRole."


@bp.put("/public/api/1/odata.svc/Loans(<int:loan_id>)")
@bp.put("/public/api/1/odata.svc/Loans(id=<int:loan_id>)")
def update_loan(loan_id: int):
    loan = by_id(Loan, loan_id)
    if loan is None:
        raise ApiError(404, f"There is no loan {loan_id}.")
    wanted = _customer_roles(json_object().get("Customers"))
    try:
        for customer, role in wanted:
            link_customer(loan, customer, role, api_actor())
    except LinkRefused as refused:
        raise ApiError(409, str(refused)) from None
    links = CustomerLoan.select().where(CustomerLoan.loan == loan).order_by(CustomerLoan.id)
    return {
        "d": {
            **loan_fields(loan),
            "Customers": {
                "results": [
                    {"id": link.customer_id, "customerRole": ROLE_PREFIX + link.role}
                    for link in links
                ]
            },
        }
    }


def _customer_roles(value) -> list[tuple[Customer, str]]:
    items = value.get("results") if isinstance(value, dict) else value
    if not isinstance(items, list) or not items:
        raise ApiError(
            422,
            "Send the customers to link as "
            '"Customers": {"results": [{"__metadata": {"uri": '
            '".../Customers(id=X)"}, "__setLoanRole": '
            '"loan.customerRole.primary"}]}.',
        )
    details, wanted = [], []
    for number, item in enumerate(items, start=1):
        where = f"Customers.results[{number}]"
        uri = (
            ((item or {}).get("__metadata") or {}).get("uri", "") if isinstance(item, dict) else ""
        )
        match = _CUSTOMER_URI.search(uri)
        customer = match and by_id(Customer, int(match.group(1)))
        if not customer:
            details.append(
                {
                    "field": f"{where}.__metadata.uri",
                    "message": "Name an existing customer: .../Customers(id=X).",
                }
            )
            continue
        role = str(item.get("__setLoanRole") or f"{ROLE_PREFIX}secondary")
        wanted.append((customer, role.removeprefix(ROLE_PREFIX)))
    if details:
        raise ApiError(422, "Nothing was linked.", details)
    return wanted
