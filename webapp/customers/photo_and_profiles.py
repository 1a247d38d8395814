"""The photo on the Summary and the social profiles on Contact information."""

from flask import abort, request, send_file

from webapp.customers import bp
from webapp.customers.sections import actor, owned_or_404, section_response
from webapp.customers.tabs import customer_or_404
from webapp.models import CustomerPhoto, SocialProfile
from webapp.services import photos, social_profiles


@bp.get("/customers/<int:customer_id>/photo")
def photo(customer_id: int):
    stored = CustomerPhoto.get_or_none(CustomerPhoto.customer == customer_or_404(customer_id))
    if stored is None:
        abort(404)
    # Served only as the image type we checked it to be, never sniffed into HTML.
    response = send_file(photos.photo_path(customer_id), mimetype=stored.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/customers/<int:customer_id>/photo")
def upload_photo(customer_id: int):
    customer = customer_or_404(customer_id)
    try:
        photos.set_photo(customer, request.files.get("photo"), actor())
    except photos.PhotoRefused as refused:
        return section_response(customer, "summary", photo_problem=refused.errors[0].message)
    return section_response(customer, "summary")


@bp.post("/customers/<int:customer_id>/photo/remove")
def remove_photo(customer_id: int):
    customer = customer_or_404(customer_id)
    photos.remove_photo(customer, actor())
    return section_response(customer, "summary")


@bp.post("/customers/<int:customer_id>/social-profiles")
def add_social_profile(customer_id: int):
    customer = customer_or_404(customer_id)
    typed = {"network": request.form.get("network", ""), "address": request.form.get("address", "")}
    try:
        social_profiles.add_profile(customer, typed["network"], typed["address"], actor())
    except social_profiles.SocialProfileRefused as refused:
        return section_response(
            customer,
            "contact",
            profile_typed=typed,
            profile_errors={e.field: e.message for e in refused.errors},
        )
    return section_response(customer, "contact")


@bp.post("/customers/<int:customer_id>/social-profiles/<int:profile_id>/remove")
def remove_social_profile(customer_id: int, profile_id: int):
    customer = customer_or_404(customer_id)
    social_profiles.remove_profile(owned_or_404(SocialProfile, customer, profile_id), actor())
    return section_response(customer, "contact")
