"""Settings › Custom fields."""

from flask import flash, redirect, render_template, request, url_for

from webapp.lookups import get_or_404
from webapp.models import CustomFieldDefinition
from webapp.services import custom_fields as service
from webapp.settings import bp


@bp.get("/custom-fields")
def custom_fields():
    return render_template(
        "settings/custom_fields.html",
        kinds=service.KINDS,
        definitions=list(
            CustomFieldDefinition.select().order_by(
                CustomFieldDefinition.position, CustomFieldDefinition.id
            )
        ),
    )


@bp.post("/custom-fields")
def add_custom_field():
    try:
        definition = service.define(
            request.form.get("label", ""),
            request.form.get("kind", ""),
            request.form.get("choices", ""),
        )
        flash(f"Added the field “{definition.label}”.", "success")
    except service.DefinitionRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("settings.custom_fields"))


@bp.post("/custom-fields/<int:definition_id>/active")
def set_custom_field_active(definition_id: int):
    definition = get_or_404(CustomFieldDefinition, definition_id)
    service.set_active(definition, request.form.get("on") == "1")
    flash(
        f"“{definition.label}” is {'shown' if definition.active else 'hidden'} on customers; "
        "stored values are kept.",
        "success",
    )
    return redirect(url_for("settings.custom_fields"))
