"""The Payment profiles section."""

from flask import abort, request

from webapp.customers import bp
from webapp.customers.sections import actor, owned_or_404, section_response
from webapp.customers.tabs import customer_or_404, tab_loader
from webapp.models import Customer, PaymentProfile
from webapp.services import payment_profiles as service


@tab_loader("payments")
def _payments(customer: Customer) -> dict:
    profiles = customer.payment_profiles.order_by(
        PaymentProfile.active.desc(), PaymentProfile.created_at.desc()
    )
    return {"profiles": list(profiles), "describe": service.describe}


@bp.post("/customers/<int:customer_id>/payments/<kind>")
def add_payment_profile(customer_id: int, kind: str):
    customer = customer_or_404(customer_id)
    form = request.form
    # What comes back on an error: never the card or account number.
    typed = {k: form.get(k, "") for k in ("holder", "expiry", "routing", "account_type")}
    try:
        if kind == "card":
            service.add_card(
                customer, form.get("number", ""), typed["holder"], typed["expiry"], actor()
            )
        elif kind == "bank":
            service.add_bank_account(
                customer,
                typed["routing"],
                form.get("account", ""),
                typed["account_type"],
                typed["holder"],
                actor(),
            )
        else:
            abort(404)
    except service.ProfileRefused as refused:
        return section_response(
            customer,
            "payments",
            adding=kind,
            typed=typed,
            errors={e.field: e.message for e in refused.errors},
        )
    return section_response(customer, "payments")


@bp.post("/customers/<int:customer_id>/payments/<int:profile_id>/active")
def set_payment_profile_active(customer_id: int, profile_id: int):
    customer = customer_or_404(customer_id)
    profile = owned_or_404(PaymentProfile, customer, profile_id)
    service.set_active(profile, request.form.get("on") == "1", actor())
    return section_response(customer, "payments")
