"""The customer page: one URL per section, loaded into the page by htmx. A plain request
(bookmark, reload, back button) gets the whole page with that section open."""

from flask import abort, render_template, request

from webapp.customers import bp
from webapp.customers.head import HEAD_TABS, head_facts
from webapp.lookups import get_or_404
from webapp.models import Customer

# (key, title, group): the left navigation, in the order servicers work through it.
TABS = (
    ("summary", "Summary", "Contact & Personal"),
    ("contact", "Contact information", "Contact & Personal"),
    ("additional", "Additional information", "Contact & Personal"),
    ("history", "History", "Contact & Personal"),
    ("phones", "Phones", None),
    ("employer", "Employer", None),
    ("payments", "Payment profiles", None),
    ("references", "References", None),
    ("notes", "Notes", None),
    ("documents", "Documents", None),
    ("tools", "Customer tools", None),
    ("links", "Links & Access", None),
    ("communications", "Communication history", None),
)
TAB_TITLES = {key: title for key, title, _ in TABS}
_LOADERS = {}


def tab_loader(key: str):
    """Register the function that gathers what a tab's template needs."""

    def register(load):
        _LOADERS[key] = load
        return load

    return register


@bp.get("/customers/<int:customer_id>/<tab>")
def tab(customer_id: int, tab: str):
    return render_tab(customer_or_404(customer_id), tab)


def render_tab(customer: Customer, tab: str, **extra):
    if tab not in _LOADERS:
        abort(404)
    context = {
        "customer": customer,
        "tab": tab,
        "tabs": TABS,
        "tab_title": TAB_TITLES[tab],
        **_LOADERS[tab](customer),
        **extra,
    }
    partial = f"customers/tabs/{tab}.html"
    if request.htmx and not request.htmx.history_restore_request:
        refresh_head = request.method == "POST" and tab in HEAD_TABS
        if refresh_head:
            context["head"] = head_facts(customer)
        return render_template(
            "customers/_tab_response.html", partial=partial, refresh_head=refresh_head, **context
        )
    return render_template(
        "customers/page.html", partial=partial, head=head_facts(customer), **context
    )


def customer_or_404(customer_id: int) -> Customer:
    return get_or_404(Customer, customer_id)
