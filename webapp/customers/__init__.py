from flask import Blueprint

bp = Blueprint("customers", __name__)

from webapp.customers import notes, personal, phones, routes, tabs  # noqa: E402,F401
