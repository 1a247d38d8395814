from flask import Blueprint

bp = Blueprint("customers", __name__)

from webapp.customers import routes  # noqa: E402,F401
