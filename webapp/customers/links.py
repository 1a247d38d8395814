"""The Links & Access section: the loans a customer is on, their role, their access."""

from flask import abort, request

from webapp.customers import bp
from webapp.customers.sections import actor, owned_or_404, section_response
from webapp.customers.tabs import customer_or_404, tab_loader
from webapp.models import Customer, CustomerLoan, Loan
from webapp.services import loan_links as service


@tab_loader("links")
def _links(customer: Customer) -> dict:
    links = (
        CustomerLoan.select(CustomerLoan, Loan)
        .join(Loan)
        .where(CustomerLoan.customer == customer)
        .order_by(Loan.display_id)
    )
    return {"links": list(links), "roles": service.ROLE_LABELS, "channels": service.CHANNELS}


@bp.post("/customers/<int:customer_id>/links/<int:link_id>/<action>")
def change_link(customer_id: int, link_id: int, action: str):
    customer = customer_or_404(customer_id)
    link = owned_or_404(CustomerLoan, customer, link_id)
    try:
        if action == "role":
            service.set_role(link, request.form.get("role", ""), actor())
        elif action in service.CHANNELS:
            service.set_access(link, action, request.form.get("on") == "1", actor())
        else:
            abort(404)
    except service.LinkRefused as refused:
        return section_response(customer, "links", refusal=str(refused))
    return section_response(customer, "links")
