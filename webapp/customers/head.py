"""The customer page's head: what an agent on a call needs before opening any tab."""

from webapp.models import Customer, CustomerLoan, Loan, Phone
from webapp.services.loan_links import ROLE_LABELS

# Tabs whose writes change a fact the head shows: their answers bring a fresh head.
HEAD_TABS = frozenset({"summary", "contact", "phones", "links"})
HEAD_LOANS = 5  # more are counted, and listed under Links & Access


def head_facts(customer: Customer) -> dict:
    phone = (
        Phone.select(Phone.number, Phone.phone_type, Phone.do_not_call)
        .where((Phone.customer == customer) & (Phone.is_primary == True))  # noqa: E712
        .first()
    )
    links = (
        CustomerLoan.select(CustomerLoan.role, Loan.display_id, Loan.status, Loan.days_past_due)
        .join(Loan)
        .where(CustomerLoan.customer == customer)
        .order_by(Loan.days_past_due.desc(), Loan.display_id)
    )
    return {
        "phone": phone,
        "loans": [
            {
                "id": link.loan.display_id,
                "status": link.loan.status,
                "days_late": link.loan.days_past_due,
                "role": link.role,
                "role_label": ROLE_LABELS.get(link.role, link.role),
            }
            for link in links.limit(HEAD_LOANS)
        ],
        "loan_count": links.count(),
    }
