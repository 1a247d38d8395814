from flask import Blueprint

from webapp.auth import role_required

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.before_request
@role_required("manager")
def _managers_only():
    """Every settings page is for managers and admins."""


from webapp.settings import (  # noqa: E402,F401
    api_tokens,
    custom_fields,
    labels,
    ofac,
    statuses,
    users,
    webhooks,
)
