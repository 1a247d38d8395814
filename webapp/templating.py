"""Jinja filters and the page-or-partial helper every area uses."""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, render_template, request
from flask_login import current_user
from markupsafe import Markup, escape

from webapp.rules.spec import format_phone, format_tax_id
from webapp.services import history


def page_or_partial(page_template: str, partial_template: str, **context) -> str:
    """An htmx request gets only the partial it swaps in; a plain request (a bookmark, a
    reload, the back button) gets the whole page, which includes the same partial."""
    template = partial_template if request.htmx else page_template
    return render_template(template, **context)


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    return f"${Decimal(value):,.2f}"


def format_date(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%b %d, %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%b %d, %Y")
    return value or ""


def breakable_email(value) -> Markup:
    """An email that may wrap before its @ and dots on a narrow screen, never mid-word."""
    text = str(escape(value or ""))
    return Markup(text.replace("@", "<wbr>@").replace(".", "<wbr>."))


def age(born: date, today: date | None = None) -> int:
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        phone=format_phone,
        money=format_money,
        day=format_date,
        email=breakable_email,
        tax_id=format_tax_id,
    )
    app.jinja_env.globals["intcomma"] = lambda n: f"{n:,}"
    app.jinja_env.globals["age"] = age
    app.jinja_env.globals["field_label"] = history.label

    @app.context_processor
    def _who():
        user = current_user if current_user and current_user.is_authenticated else None
        return {"me": user}
