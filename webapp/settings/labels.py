"""Settings › Note categories and Document sections: add, rename, deactivate."""

from flask import abort, flash, redirect, request, url_for

from webapp.lookups import get_or_404
from webapp.services import labels as service
from webapp.settings import bp
from webapp.templating import page_or_partial


@bp.get("/<kind>")
def labels(kind: str):
    return _page(kind)


@bp.post("/<kind>")
def add_label(kind: str):
    model = _model(kind)
    return _act(
        kind, lambda: service.add_label(model, request.form.get("title", "")), "Added “{title}”."
    )


@bp.post("/<kind>/<int:label_id>/<action>")
def change_label(kind: str, label_id: int, action: str):
    label = get_or_404(_model(kind), label_id)
    actions = {
        "rename": (
            lambda: service.rename_label(label, request.form.get("title", "")),
            "Renamed to “{title}”.",
        ),
        "deactivate": (
            lambda: service.set_active(label, False),
            "“{title}” is inactive: kept on old records, offered no more.",
        ),
        "activate": (lambda: service.set_active(label, True), "“{title}” is active again."),
    }
    if action not in actions:
        abort(404)
    do, message = actions[action]
    return _act(kind, do, message, label)


def _model(kind: str):
    if kind not in service.LISTS:
        abort(404)
    return service.LISTS[kind][0]


def _act(kind: str, action, success: str, label=None):
    try:
        result = action() or label
    except service.LabelRefused as refused:
        return _answer(kind, str(refused), "error")
    return _answer(kind, success.format(title=result.title), "success")


def _answer(kind: str, message: str, level: str):
    if request.htmx:
        return _page(kind, message=message, level=level)
    flash(message, level)
    return redirect(url_for("settings.labels", kind=kind))


def _page(kind: str, message: str | None = None, level: str = "info"):
    model, title, singular, about = service.LISTS[kind] if kind in service.LISTS else abort(404)
    return page_or_partial(
        "settings/labels.html",
        "settings/_labels_table.html",
        kind=kind,
        title=title,
        singular=singular,
        about=about,
        labels=list(model.select().order_by(model.title)),
        message=message,
        level=level,
    )
