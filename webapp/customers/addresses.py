"""Address verification on the Contact information tab, and ZIP decoding for forms."""

from flask import abort, jsonify

from webapp.customers import bp
from webapp.customers.sections import actor, section_response
from webapp.customers.tabs import customer_or_404
from webapp.models import Address
from webapp.services import addresses as service


@bp.get("/zip/<code>.json")
def decode_zip(code: str):
    return jsonify(service.decode(code) or {})


@bp.post("/customers/<int:customer_id>/addresses/<kind>/verify")
def verify_address(customer_id: int, kind: str):
    customer = customer_or_404(customer_id)
    address = Address.get_or_none((Address.customer == customer) & (Address.kind == kind))
    if address is None:
        abort(404)
    problem = service.verify(address, actor())
    return section_response(
        customer, "contact", **({"address_problem": (kind, problem)} if problem else {})
    )
