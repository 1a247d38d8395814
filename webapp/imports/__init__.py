from flask import Blueprint

from webapp.auth import role_required

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.before_request
@role_required("admin")
def _admins_only():
    """Imports write customers in bulk: admins only."""


from webapp.imports import routes  # noqa: E402,F401
