"""Customer tools: the OFAC check and privacy requests (export, erase)."""

from flask import Response, flash, redirect, render_template, request, url_for

from webapp.auth import role_required
from webapp.customers import bp
from webapp.customers.sections import actor, section_response
from webapp.customers.tabs import customer_or_404, tab_loader
from webapp.models import Customer
from webapp.services import history, ofac, privacy


@tab_loader("tools")
def _tools(customer: Customer) -> dict:
    checks = history.entries_for(customer.id, "tools").limit(10)
    return {
        "sdn": ofac.list_summary(),
        "screened_names": ofac.screened_names(customer),
        "tool_history": list(checks),
        "laws": privacy.LAWS,
        "threshold": ofac.MATCH_THRESHOLD,
    }


@bp.post("/customers/<int:customer_id>/tools/ofac")
def ofac_check(customer_id: int):
    customer = customer_or_404(customer_id)
    if not ofac.list_summary()["count"]:
        return section_response(customer, "tools", ofac_result={"unavailable": True})
    matches = ofac.screen_customer(customer, actor())
    return section_response(customer, "tools", ofac_result={"matches": matches})


@bp.post("/customers/<int:customer_id>/tools/export")
@role_required("manager")
def privacy_export(customer_id: int):
    customer = customer_or_404(customer_id)
    body = privacy.export_personal_data(customer, actor())
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": "attachment; filename="
            f"customer-{customer.id}-personal-data.json",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/customers/<int:customer_id>/tools/erase", methods=["GET", "POST"])
@role_required("manager")
def privacy_erase(customer_id: int):
    customer = customer_or_404(customer_id)
    law = request.form.get("law", "")
    typed_id = request.form.get("confirm_id", "").strip()
    problem = None
    if request.method == "POST":
        if law not in privacy.LAWS:
            problem = "Choose the law the request was made under."
        elif typed_id != str(customer.id):
            problem = f"Type the customer ID ({customer.id}) to confirm."
        else:
            removed = privacy.erase_personal_data(customer, law, actor())
            flash(
                f"Personal data of customer #{customer.id} was erased "
                f"({sum(removed.values())} rows removed). The ID, status and loan links "
                "were kept.",
                "success",
            )
            return redirect(url_for("customers.tab", customer_id=customer.id, tab="tools"))
    return render_template(
        "customers/confirm_erase.html",
        customer=customer,
        laws=privacy.LAWS,
        law=law,
        typed_id=typed_id,
        problem=problem,
        loan_count=privacy.kept_loan_links(customer),
    )
