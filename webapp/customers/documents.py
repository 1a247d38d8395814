"""The Documents section."""

from flask import request, send_file

from webapp.customers import bp
from webapp.customers.sections import actor, owned_or_404, section_response
from webapp.customers.tabs import customer_or_404, render_tab, tab_loader
from webapp.models import Customer, Document, DocumentSection
from webapp.services import documents as service
from webapp.services.labels import active_labels


@tab_loader("documents")
def _documents(customer: Customer) -> dict:
    documents = customer.documents.order_by(Document.active.desc(), Document.created_at.desc())
    return {
        "documents": list(documents),
        "sections": list(active_labels(DocumentSection)),
        "accepted": ", ".join(f".{k}" for k in sorted(service.KINDS)),
    }


@bp.post("/customers/<int:customer_id>/documents")
def add_document(customer_id: int):
    customer = customer_or_404(customer_id)
    typed = {"name": request.form.get("name", ""), "section": request.form.get("section", "")}
    try:
        service.add_document(
            customer, typed["name"], typed["section"], request.files.get("file"), actor()
        )
    except service.DocumentRefused as refused:
        return section_response(
            customer,
            "documents",
            typed=typed,
            adding=True,
            errors={e.field: e.message for e in refused.errors},
        )
    return section_response(customer, "documents")


@bp.get("/customers/<int:customer_id>/documents/<int:document_id>/file")
def download_document(customer_id: int, document_id: int):
    document = owned_or_404(Document, customer_or_404(customer_id), document_id)
    return send_file(
        service.file_path(document),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.original_filename,
    )


@bp.route("/customers/<int:customer_id>/documents/<int:document_id>", methods=["GET", "POST"])
def edit_document(customer_id: int, document_id: int):
    customer = customer_or_404(customer_id)
    document = owned_or_404(Document, customer, document_id)
    if request.method == "GET":
        return render_tab(customer, "documents", editing=document.id)
    try:
        service.edit_document(
            document, request.form.get("name", ""), request.form.get("section", ""), actor()
        )
    except service.DocumentRefused as refused:
        return section_response(
            customer,
            "documents",
            editing=document.id,
            typed=dict(request.form),
            errors={e.field: e.message for e in refused.errors},
        )
    return section_response(customer, "documents")


@bp.post("/customers/<int:customer_id>/documents/<int:document_id>/active")
def set_document_active(customer_id: int, document_id: int):
    customer = customer_or_404(customer_id)
    service.set_active(
        owned_or_404(Document, customer, document_id), request.form.get("on") == "1", actor()
    )
    return section_response(customer, "documents")
