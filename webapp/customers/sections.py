"""Helpers shared by the customer page's section routes."""

from flask import redirect, request, url_for
from flask_login import current_user

from webapp.customers.tabs import render_tab
from webapp.lookups import get_or_404
from webapp.models import Customer
from webapp.services.actor import Actor


def actor() -> Actor:
    return Actor(current_user._get_current_object(), "ui")


def section_response(customer: Customer, tab: str, **extra):
    """After a write: htmx swaps in the updated section; a plain form post is sent back
    to the section's page. Errors and what the user typed ride along in `extra`."""
    if request.htmx or extra:
        return render_tab(customer, tab, **extra)
    return redirect(url_for("customers.tab", customer_id=customer.id, tab=tab))


def owned_or_404(model, customer: Customer, row_id: int):
    """A row of `model` that belongs to this customer, or 404: an ID from another
    customer's page is not found here."""
    return get_or_404(model, row_id, model.customer == customer)
