"""Signed-in sessions of back-office users.

A session starts afresh at sign-in (nothing from before carries over, the CSRF secret
included) and holds the user's session generation. It is over when that generation has
moved on (the user signed out or changed their password, or an admin signed them out
everywhere: every session at once, in every browser) or after SESSION_IDLE_MINUTES
without a request."""

import time

from flask import current_app, flash, request, session
from flask_login import login_user

from webapp.models import User


def start(user: User) -> None:
    session.clear()
    login_user(user)
    session["generation"] = user.session_generation
    session["seen"] = time.time()


def end_everywhere(user: User) -> None:
    User.update(session_generation=User.session_generation + 1).where(User.id == user.id).execute()
    user.session_generation = User.get_by_id(user.id).session_generation


def still_current(user: User) -> bool:
    """Whether this request's session still belongs to `user`; renews its idle time. An
    ended session is emptied (once), with a word for the sign-in page."""
    idle_minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if session.get("generation") != user.session_generation:
        _end("You were signed out: your password changed or your sessions were ended.")
        return False
    if time.time() - session.get("seen", 0) > idle_minutes * 60:
        _end(f"You were signed out after {idle_minutes} minutes without activity.")
        return False
    if not request.headers.get("X-Poll"):  # a page polling by itself is not a person
        session["seen"] = time.time()
    return True


def _end(reason: str) -> None:
    session.clear()
    flash(reason, "info")
