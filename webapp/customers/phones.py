"""The Phones section."""

from flask import request

from webapp.customers import bp
from webapp.customers.sections import actor, owned_or_404, section_response
from webapp.customers.tabs import customer_or_404, tab_loader
from webapp.models import PHONE_TYPES, Customer, Phone
from webapp.rules.customer_fields import PHONE_TYPE_LABELS
from webapp.services import phones as service


@tab_loader("phones")
def _phones(customer: Customer) -> dict:
    return {
        "phones": list(customer.phones.order_by(Phone.position)),
        "phone_types": [(t, PHONE_TYPE_LABELS[t]) for t in PHONE_TYPES],
    }


@bp.post("/customers/<int:customer_id>/phones")
def add_phone(customer_id: int):
    customer = customer_or_404(customer_id)
    typed = {"number": request.form.get("number", ""), "kind": request.form.get("kind", "")}
    try:
        service.add_phone(customer, typed["number"], typed["kind"], actor())
    except service.PhoneRefused as refused:
        return section_response(customer, "phones", errors=refused.errors, typed=typed)
    return section_response(customer, "phones")


@bp.post("/customers/<int:customer_id>/phones/<int:phone_id>/<action>")
def change_phone(customer_id: int, phone_id: int, action: str):
    customer = customer_or_404(customer_id)
    phone = owned_or_404(Phone, customer, phone_id)
    try:
        if action == "type":
            service.change_type(phone, request.form.get("kind", ""), actor())
        elif action in service.MARKS:
            service.set_mark(phone, action, request.form.get("on") == "1", actor())
        elif action == "primary":
            service.make_primary(phone, actor())
        elif action == "secondary":
            service.make_secondary(phone, actor())
        elif action == "delete":
            service.remove_phone(phone, actor())
    except service.PhoneRefused as refused:
        return section_response(customer, "phones", errors=refused.errors)
    return section_response(customer, "phones")
