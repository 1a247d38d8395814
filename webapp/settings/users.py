"""Settings › Users (admins): who can sign in, and ending every session of one of them."""

from flask import flash, redirect, render_template, url_for

from webapp.auth import role_required
from webapp.lookups import get_or_404
from webapp.models import User
from webapp.services import sessions
from webapp.settings import bp


@bp.get("/users")
@role_required("admin")
def users():
    return render_template("settings/users.html", users=list(User.select().order_by(User.username)))


@bp.post("/users/<int:user_id>/sign-out")
@role_required("admin")
def sign_out_everywhere(user_id: int):
    user = get_or_404(User, user_id)
    sessions.end_everywhere(user)
    flash(f"Every session of {user.name} is signed out, in every browser.", "info")
    return redirect(url_for("settings.users"))
