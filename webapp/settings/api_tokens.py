"""Settings › API tokens (admins): create one per integration, see it once, revoke it."""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth import role_required
from webapp.db import db
from webapp.lookups import get_or_404
from webapp.models import ROLES, ApiToken
from webapp.queueing import redis_connection
from webapp.services import api_tokens
from webapp.settings import bp

SHOWN_ONCE = "api-token-shown:"


@bp.route("/api-tokens", methods=["GET", "POST"])
@role_required("admin")
def api_tokens_page():
    errors, typed = {}, {}
    if request.method == "POST":
        typed = {
            "name": request.form.get("name", ""),
            "role": request.form.get("role", ""),
            "full_tax_ids": request.form.get("full_tax_ids") == "1",
        }
        try:
            # Post/redirect/get, so a reload cannot create a second token; the token waits
            # in Redis for that one GET (never in the session cookie). Without Redis it
            # could never be shown, so it is not kept either (the transaction rolls back).
            with db.atomic():
                row, token = api_tokens.create_token(
                    typed["name"],
                    typed["role"],
                    current_user._get_current_object(),
                    typed["full_tax_ids"],
                )
                nonce = secrets.token_urlsafe(16)
                redis_connection().set(f"{SHOWN_ONCE}{nonce}", token, ex=300)
        except api_tokens.TokenRefused as refused:
            errors = {e.field: e.message for e in refused.errors}
        else:
            flash(f"Token “{row.name}” created. Copy it now: it is not shown again.", "success")
            return redirect(url_for("settings.api_tokens_page", created=nonce))
    new_token = None
    if request.args.get("created"):
        shown = redis_connection().getdel(f"{SHOWN_ONCE}{request.args['created']}")
        new_token = shown.decode() if shown else None
    tokens = ApiToken.select().order_by(ApiToken.revoked_at.is_null(False), ApiToken.id.desc())
    return render_template(
        "settings/api_tokens.html",
        tokens=list(tokens),
        roles=ROLES,
        new_token=new_token,
        errors=errors,
        typed=typed,
    )


@bp.post("/api-tokens/<int:token_id>/revoke")
@role_required("admin")
def revoke_api_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    api_tokens.revoke_token(token)
    flash(f"Token “{token.name}” was revoked; requests with it are refused from now on.", "info")
    return redirect(url_for("settings.api_tokens_page"))
