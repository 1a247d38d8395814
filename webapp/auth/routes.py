from urllib.parse import urlparse

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from webapp.auth import bp
from webapp.services import sessions, sign_in_throttle
from webapp.services.password_policy import MIN_LENGTH
from webapp.services.passwords import password_matches
from webapp.services.users import UserRefused, authenticate, set_password


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired()],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        "New password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
        description=f"At least {MIN_LENGTH} characters, and not a common password, word or "
        "pattern.",
    )
    again = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", "The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data, request.remote_addr or "unknown"
        wait = sign_in_throttle.attempt(username, address)
        if wait:
            flash(_too_many(wait), "error")
            return render_template("auth/login.html", form=form), 429
        user = authenticate(username, form.password.data)
        if user:
            sign_in_throttle.succeeded(username, address)
            sessions.start(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("That username and password do not match an active user.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sessions.end_everywhere(current_user._get_current_object())  # every browser's
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        # Guesses at the current password count as sign-in attempts: a session left
        # open must not become a way to find it.
        address = request.remote_addr or "unknown"
        wait = sign_in_throttle.attempt(user.username, address)
        if wait:
            form.current.errors.append(_too_many(wait))
        elif not password_matches(user.password_hash, form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            try:
                set_password(user, form.new.data)
            except UserRefused as refused:
                form.new.errors.append(str(refused))
            else:
                sign_in_throttle.succeeded(user.username, address)
                sessions.start(user)  # this session goes on; every other ends
                flash("Your password is changed; your other sessions are signed out.", "info")
                return redirect(url_for("customers.manager"))
    return render_template("auth/password.html", form=form)


def _too_many(wait: int) -> str:
    return (
        "Too many failed sign-ins for this username or from this address: "
        f"try again in {_duration(wait)}."
    )


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would help phishing.
    if (
        target
        and not urlparse(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("customers.home")  # each role's own start page
