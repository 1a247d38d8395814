"""Settings › API tokens (admins): create one per integration, see it once, revoke it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth import role_required
from webapp.models import ROLES, ApiToken
from webapp.services import api_tokens
from webapp.settings import bp


@bp.route("/api-tokens", methods=["GET", "POST"])
@role_required("admin")
def api_tokens_page():
    new_token, errors, typed = None, {}, {}
    if request.method == "POST":
        typed = {"name": request.form.get("name", ""), "role": request.form.get("role", "")}
        try:
            row, new_token = api_tokens.create_token(typed["name"], typed["role"],
                                                     current_user._get_current_object())
        except api_tokens.TokenRefused as refused:
            errors = {e.field: e.message for e in refused.errors}
        else:
            typed = {}
            flash(f"Token “{row.name}” created. Copy it now: it is not shown again.", "success")
    tokens = ApiToken.select().order_by(ApiToken.revoked_at.is_null(False), ApiToken.id.desc())
    return render_template("settings/api_tokens.html", tokens=list(tokens), roles=ROLES,
                           new_token=new_token, errors=errors, typed=typed)


@bp.post("/api-tokens/<int:token_id>/revoke")
@role_required("admin")
def revoke_api_token(token_id: int):
    token = ApiToken.get_or_none(ApiToken.id == token_id) or abort(404)
    api_tokens.revoke_token(token)
    flash(f"Token “{token.name}” was revoked; requests with it are refused from now on.",
          "info")
    return redirect(url_for("settings.api_tokens_page"))
