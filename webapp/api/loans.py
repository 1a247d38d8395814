"""odata.svc/Loans: read a loan with its customers, list loans by $filter, and change
who is on a loan (PUT Loans(ID) with a Customers list, each entry linking with a role,
setting access flags, or unlinking with __destroy), as LoanPro takes it."""

import re

from flask import request

from webapp.api import (
    ApiError,
    api_actor,
    bare_lists,
    bp,
    by_id,
    expansions,
    json_object,
)
from webapp.api.entities import NOPAGING_MAX, list_envelope, paging
from webapp.api.loan_entities import (
    LOAN_NAVIGATION,
    STORED_ROLES,
    loan_entity,
    loan_navigation,
    stored_role,
)
from webapp.api.odata import Filterable, QueryRefused, filter_pattern, parse_filter
from webapp.db import db
from webapp.models import Customer, CustomerLoan, Loan
from webapp.services.loan_links import (
    LinkRefused,
    link_customer,
    set_access,
    unlink_customer,
)

_CUSTOMER_URI = re.compile(r"Customers\((?:id=)?(\d+)\)")
LOAN_FILTERS = {
    "id": Filterable(Loan.id, "number"),
    "displayId": Filterable(Loan.display_id),
    "title": Filterable(Loan.display_id),
    "loanStatusText": Filterable(Loan.status),
    "daysPastDue": Filterable(Loan.days_past_due, "number"),
    "principalBalance": Filterable(Loan.principal_balance, "number"),
    "payoff": Filterable(Loan.payoff, "number"),
    "nextPaymentDate": Filterable(Loan.next_due_date, "date"),
}
LOAN_FILTER_PATTERN = filter_pattern(LOAN_FILTERS)  # what the OpenAPI document promises
ACCESS_FLAGS = {
    "__setCustomerWebAccess": "web_access",
    "__setCustomerSmsAccess": "sms_access",
    "__setCustomerEmailAccess": "email_access",
    "__setCustomerEmailEnrollmentAccess": "email_access",
}


def _loan(loan_id: int) -> Loan:
    loan = by_id(Loan, loan_id)
    if loan is None:
        raise ApiError(404, f"There is no loan {loan_id}.")
    return loan


@bp.get("/public/api/1/odata.svc/Loans()")
@bp.get("/public/api/1/odata.svc/Loans")
def list_loans():
    query = Loan.select()
    try:
        if request.args.get("$filter"):
            query = query.where(parse_filter(request.args["$filter"], LOAN_FILTERS))
    except QueryRefused as refused:
        raise ApiError(400, str(refused)) from None
    start, size = paging(request.args, "$skip")
    total = query.count()
    if size is None and total - start > NOPAGING_MAX:
        raise ApiError(
            400,
            f"nopaging lists up to {NOPAGING_MAX:,} loans and this list has "
            f"{total - start:,} from where it starts: page through it with $top and $skip.",
        )
    loans = list(query.order_by(Loan.id).offset(start).limit(size or NOPAGING_MAX))
    expand = expansions(request.args.get("$expand", ""))
    results = [loan_entity(loan, expand, bare_lists()) for loan in loans]
    return list_envelope(results, start, size, total)


@bp.get("/public/api/1/odata.svc/Loans(<int:loan_id>)")
@bp.get("/public/api/1/odata.svc/Loans(id=<int:loan_id>)")
def get_loan(loan_id: int):
    expand = expansions(request.args.get("$expand", ""))
    return {"d": loan_entity(_loan(loan_id), expand, bare_lists())}


@bp.get("/public/api/1/odata.svc/Loans(<int:loan_id>)/<navigation>")
@bp.get("/public/api/1/odata.svc/Loans(id=<int:loan_id>)/<navigation>")
def get_loan_navigation(loan_id: int, navigation: str):
    if navigation not in LOAN_NAVIGATION:
        raise ApiError(404, f"Loans have no {navigation!r}; use {', '.join(LOAN_NAVIGATION)}.")
    # (A list read on its own keeps {"results": [...]} even with nopaging: SDK C11.)
    return {"d": loan_navigation(_loan(loan_id), navigation)}


@bp.put("/public/api/1/odata.svc/Loans(<int:loan_id>)")
@bp.put("/public/api/1/odata.svc/Loans(id=<int:loan_id>)")
def update_loan(loan_id: int):
    loan = _loan(loan_id)
    changes = _customer_changes(json_object().get("Customers"))
    try:
        with db.atomic():  # every entry, or none
            for customer, change in changes:
                _apply(loan, customer, change)
    except LinkRefused as refused:
        raise ApiError(409, str(refused)) from None
    return {"d": loan_entity(loan, {"Customers": set()}, bare_lists())}


def _apply(loan: Loan, customer: Customer, change: dict) -> None:
    actor = api_actor()
    if change.get("destroy"):
        unlink_customer(loan, customer, actor)
        return
    link = None
    if change.get("role"):
        link = link_customer(loan, customer, change["role"], actor)
    for channel, on in change.get("access", {}).items():
        link = link or _existing_link(loan, customer)
        set_access(link, channel, on, actor)


def _existing_link(loan: Loan, customer: Customer):
    link = CustomerLoan.get_or_none(
        (CustomerLoan.loan == loan) & (CustomerLoan.customer == customer)
    )
    if link is None:
        raise LinkRefused(
            f"Customer {customer.id} is not on loan {loan.display_id}: link them with "
            '"__setLoanRole" first (in the same entry or an earlier one).'
        )
    return link


def _customer_changes(value) -> list[tuple[Customer, dict]]:
    """What each entry of "Customers" asks: the customer (by "__id", "id" or the
    __metadata uri) and a role, access flags, or __destroy. Every entry is checked before
    anything is written; the details name each one that cannot be done."""
    items = value.get("results") if isinstance(value, dict) else value
    if not isinstance(items, list) or not items:
        raise ApiError(
            422,
            "Send the customers as "
            '"Customers": {"results": [{"__id": 12, "__setLoanRole": '
            '"loan.customerRole.primary"}]} (or "__destroy": true to unlink).',
        )
    details, changes = [], []
    for number, item in enumerate(items, start=1):
        where = f"Customers.results[{number}]"
        item = item if isinstance(item, dict) else {}
        customer = _named_customer(item)
        if customer is None:
            details.append(
                {
                    "field": f"{where}.__id",
                    "message": 'Name an existing customer: "__id": N or '
                    '"__metadata": {"uri": ".../Customers(id=N)"}.',
                }
            )
            continue
        change, problems = _change(item)
        details += [{"field": f"{where}.{f}", "message": m} for f, m in problems]
        changes.append((customer, change))
    if details:
        raise ApiError(422, "Nothing was changed on the loan.", details)
    return changes


def _named_customer(item: dict) -> Customer | None:
    named = item.get("__id", item.get("id"))
    if named is None:
        uri = item.get("__metadata", {})
        match = _CUSTOMER_URI.search(str(uri.get("uri", "") if isinstance(uri, dict) else ""))
        named = match and match.group(1)
    try:
        return by_id(Customer, int(named)) if named is not None else None
    except (TypeError, ValueError):
        return None


def _change(item: dict) -> tuple[dict, list[tuple[str, str]]]:
    change, problems = {}, []
    if item.get("__destroy") in (True, 1, "1", "true"):
        change["destroy"] = True
        return change, problems
    if "__setLoanRole" in item:
        role = stored_role(item["__setLoanRole"])
        if role is None:
            problems.append(
                (
                    "__setLoanRole",
                    "Use one of " + ", ".join(f"loan.customerRole.{r}" for r in STORED_ROLES) + ".",
                )
            )
        change["role"] = role
    access = {}
    for name, channel in ACCESS_FLAGS.items():
        if name in item:
            if item[name] not in (0, 1, True, False, "0", "1"):
                problems.append((name, "Send 1 (on) or 0 (off)."))
            access[channel] = item[name] in (1, True, "1")
    if access:
        change["access"] = access
    if not change and not problems:
        if "__metadata" in item:  # the documented link form names no role: secondary
            change["role"] = "secondary"
        else:
            problems.append(
                ("__setLoanRole", 'Say what to do: "__setLoanRole", an access flag or "__destroy".')
            )
    return change, problems
