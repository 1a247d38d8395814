"""The Notes section."""

from flask import request

from webapp.customers import bp
from webapp.customers.sections import actor, section_response
from webapp.customers.tabs import customer_or_404, tab_loader
from webapp.lookups import id_arg
from webapp.models import Customer, NoteCategory
from webapp.services import notes as service
from webapp.services.labels import active_labels


@tab_loader("notes")
def _notes(customer: Customer) -> dict:
    category_id = id_arg("category")
    return {
        "notes": list(service.notes_for(customer, category_id)),
        "categories": list(NoteCategory.select().order_by(NoteCategory.title)),
        "active_categories": list(active_labels(NoteCategory)),
        "category_id": category_id,
    }


@bp.post("/customers/<int:customer_id>/notes")
def add_note(customer_id: int):
    customer = customer_or_404(customer_id)
    typed = {k: request.form.get(k, "") for k in ("title", "category", "body")}
    try:
        service.add_note(customer, typed["title"], typed["category"], typed["body"], actor())
    except service.NoteRefused as refused:
        return section_response(
            customer, "notes", errors={e.field: e.message for e in refused.errors}, typed=typed
        )
    return section_response(customer, "notes")
