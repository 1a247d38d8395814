from flask import Blueprint

bp = Blueprint("customers", __name__)

from webapp.customers import (  # noqa: E402,F401
    additional,
    addresses,
    communications,
    documents,
    employer,
    links,
    notes,
    payments,
    personal,
    phones,
    photo_and_profiles,
    references,
    routes,
    tabs,
    tools,
)
