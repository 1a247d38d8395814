"""Settings › Customer statuses. Each action answers an htmx request with the refreshed
table and a message; a plain form post gets a redirect back to the page."""

from flask import flash, redirect, request, url_for

from webapp.lookups import get_or_404
from webapp.models import STATUS_COLOURS, CustomerStatus
from webapp.services import statuses as service
from webapp.settings import bp
from webapp.templating import page_or_partial


@bp.get("/statuses")
def statuses():
    return _page()


@bp.post("/statuses")
def create_status():
    return _act(
        lambda: service.create_status(
            request.form.get("title", ""),
            bool(request.form.get("make_default")),
            request.form.get("colour", "grey"),
        ),
        "Added “{title}”.",
        None,
    )


@bp.post("/statuses/<int:status_id>/rename")
def rename_status(status_id: int):
    status = get_or_404(CustomerStatus, status_id)
    # The old name goes into the message template as text: its braces are escaped.
    old = status.title.replace("{", "{{").replace("}", "}}")
    return _act(
        lambda: service.rename_status(status, request.form.get("title", "")),
        f"Renamed “{old}” to “{{title}}”.",
        status,
    )


@bp.post("/statuses/<int:status_id>/colour")
def set_colour(status_id: int):
    status = get_or_404(CustomerStatus, status_id)
    colour = request.form.get("colour", "")
    return _act(
        lambda: service.set_colour(status, colour),
        "“{title}” is now " + STATUS_COLOURS.get(colour, "").lower() + ".",
        status,
    )


@bp.post("/statuses/<int:status_id>/default")
def make_default(status_id: int):
    status = get_or_404(CustomerStatus, status_id)
    return _act(
        lambda: service.set_default(status),
        "“{title}” is now the default for new customers.",
        status,
    )


@bp.post("/statuses/<int:status_id>/active")
def set_active(status_id: int):
    status = get_or_404(CustomerStatus, status_id)
    active = request.form.get("active") == "1"
    return _act(
        lambda: service.set_active(status, active),
        "“{title}” is "
        + ("active again." if active else "inactive: customers keep it, no one new gets it."),
        status,
    )


@bp.post("/statuses/<int:status_id>/delete")
def delete_status(status_id: int):
    status = get_or_404(CustomerStatus, status_id)
    return _act(lambda: service.delete_status(status), "Deleted “{title}”.", status)


def _act(action, success: str, status):
    try:
        result = action()
    except service.StatusRefused as refused:
        return _answer(str(refused), "error")
    title = (result or status).title
    return _answer(success.format(title=title), "success")


def _answer(message: str, kind: str):
    if request.htmx:
        return _page(message=message, kind=kind)
    flash(message, kind)
    return redirect(url_for("settings.statuses"))


def _page(message: str | None = None, kind: str = "info"):
    return page_or_partial(
        "settings/statuses.html",
        "settings/_statuses_table.html",
        statuses=list(CustomerStatus.ordered()),
        colours=STATUS_COLOURS,
        usage=service.usage_counts(),
        message=message,
        kind=kind,
    )
