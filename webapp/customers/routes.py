from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth import role_required
from webapp.customers import bp
from webapp.customers.forms import SHOWN_FOR, edit_form, new_customer_form, saved
from webapp.customers.sections import actor
from webapp.customers.tabs import customer_or_404
from webapp.lookups import id_arg
from webapp.models import CustomerStatus
from webapp.rules.customer_fields import FIELDS_BY_NAME
from webapp.services import overview, versions
from webapp.services.customers import create_customer, delete_customer, update_customer
from webapp.services.loan_links import loans_losing_their_primary
from webapp.services.search import ORDERS, PAGE_SIZE, search
from webapp.services.versions import StaleVersion
from webapp.templating import page_or_partial


@bp.get("/")
def home():
    """Where each role starts: an agent at the Customer Manager; a manager or an admin at
    what needs them today."""
    if not current_user.has_role("manager"):
        return redirect(url_for("customers.manager"))
    admin = current_user.has_role("admin")
    return render_template(
        "home.html",
        statuses=overview.statuses_with_counts(),
        running=overview.running_imports() if admin else [],
        failed_imports=overview.failed_imports() if admin else [],
        failed_deliveries=overview.failed_deliveries(),
        failed_jobs=overview.failed_queue_jobs() if admin else None,
        delivery_hours=int(overview.DELIVERY_WINDOW.total_seconds() // 3600),
        recent_days=overview.RECENT.days,
    )


@bp.get("/customers")
def manager():
    text = request.args.get("q", "").strip()
    status_id = id_arg("status")
    customer_type = request.args.get("type") or None
    order = request.args.get("sort") if request.args.get("sort") in ORDERS else "name"
    found = search(
        text,
        status_id,
        customer_type,
        after=request.args.get("after"),
        before=request.args.get("before"),
        start=max(request.args.get("start", 1, type=int), 0),  # 0: position unknown
        order=order,
    )
    return page_or_partial(
        "customers/manager.html",
        "customers/_results.html",
        found=found,
        page_size=PAGE_SIZE,
        q=text,
        status_id=status_id,
        customer_type=customer_type,
        order=order,
        orders=ORDERS,
        statuses=list(CustomerStatus.ordered()),
        type_labels=FIELDS_BY_NAME["customerType"].choice_labels,
    )


@bp.route("/customers/new", methods=["GET", "POST"])
def add():
    form = new_customer_form()
    if form.validate_on_submit() and saved(form, lambda r, ok: create_customer(r, actor(), ok)):
        return redirect(url_for("customers.detail", customer_id=form.saved.id))
    return render_template("customers/form.html", form=form, customer=None, shown_for=SHOWN_FOR)


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
def edit(customer_id: int):
    customer = customer_or_404(customer_id)
    form = edit_form(customer)
    if form.validate_on_submit() and saved(
        form,
        lambda r, ok: update_customer(
            customer, r, actor(), expected_version=form.opened_version(customer.id), confirmed=ok
        ),
    ):
        return redirect(url_for("customers.detail", customer_id=customer.id))
    return render_template("customers/form.html", form=form, customer=customer, shown_for=SHOWN_FOR)


@bp.route("/customers/<int:customer_id>/delete", methods=["GET", "POST"])
@role_required("manager")
def delete(customer_id: int):
    customer = customer_or_404(customer_id)
    changed, version = None, customer.version
    if request.method == "POST":
        name = customer.display_name
        try:
            delete_customer(
                customer, actor(), versions.posted(customer.id, request.form.get("version"))
            )
        except StaleVersion as stale:
            changed, version = stale.changes(), stale.current  # seen: confirm again
        else:
            flash(
                f"Customer #{customer_id} ({name}) was deleted for good. Linked loans were kept.",
                "info",
            )
            return redirect(url_for("customers.manager"))
    return render_template(
        "customers/confirm_delete.html",
        customer=customer,
        loan_count=customer.loan_links.count(),
        changed=changed,
        version=version,
        orphaned=loans_losing_their_primary(customer.id),
    )
