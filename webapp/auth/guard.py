"""Every route needs a signed-in user unless it is listed as public; roles are ranked."""

from functools import wraps

from flask import Flask, abort, redirect, request, url_for
from flask_login import LoginManager, current_user
from htmx_flask import make_response

from webapp.models import User
from webapp.services import sessions

PUBLIC_ENDPOINTS = {"auth.login", "static"}
login_manager = LoginManager()
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str):
    user = User.get_or_none(User.id == int(user_id))
    if user is None or not sessions.still_current(user):
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_require_login)


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return None  # the API signs requests in by token (webapp/api); a miss is its 404
    wanted = request.full_path.rstrip("?") if request.method == "GET" else None
    login_url = url_for("auth.login", next=wanted)
    if request.htmx:
        # htmx would swap the login page into a fragment; send the whole page there instead.
        return make_response("", 401, redirect=login_url)
    return redirect(login_url)


def role_required(role: str):
    """Refuse (403) anyone whose role ranks below `role`."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate
