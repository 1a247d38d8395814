"""The admins' queue page: /admin/queue."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from webapp.auth import role_required
from webapp.services import queue_monitor

bp = Blueprint("queues", __name__, url_prefix="/admin/queue")
DONE = {"retry": "queued again", "remove": "removed", "cancel": "cancelled"}


@bp.before_request
@role_required("admin")
def _admins_only():
    """What runs behind the scenes is for admins."""


@bp.get("")
def page():
    return render_template("queues/page.html", **_state())


@bp.get("/live")
def live():
    """The part of the page htmx polls while it is open."""
    return render_template("queues/_live.html", **_state())


@bp.post("/jobs/<job_id>/<any(retry, remove, cancel):action>")
def act(job_id: str, action: str):
    try:
        getattr(queue_monitor, action)(job_id)
    except queue_monitor.JobActionRefused as refused:
        flash(str(refused), "error")
    else:
        flash(f"Job {job_id[:8]}… {DONE[action]}.", "success")
    return _answer()


@bp.post("/<queue_name>/<any(retry, remove, cancel):action>-all")
def act_on_all(queue_name: str, action: str):
    try:
        done, refusals = queue_monitor.act_on_all(queue_name, action)
    except queue_monitor.JobActionRefused:
        abort(404)
    flash(f"{done} job{'' if done == 1 else 's'} on {queue_name} {DONE[action]}.", "success")
    if refusals:
        flash(f"{len(refusals)} not: " + "; ".join(refusals[:5]), "error")
    return _answer()


def _answer():
    if request.htmx:
        return render_template("queues/_live.html", **_state())
    return redirect(url_for("queues.page"))


def _state() -> dict:
    return {
        "queues": queue_monitor.overview(),
        "workers": queue_monitor.workers(),
        "states": queue_monitor.STATES,
        "listed": queue_monitor.LISTED_PER_STATE,
    }
