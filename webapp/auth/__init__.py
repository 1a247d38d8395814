"""Signing in and out, and who may open what."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from webapp.auth import routes  # noqa: E402,F401
from webapp.auth.guard import init_app, role_required  # noqa: E402

__all__ = ["bp", "init_app", "role_required"]
