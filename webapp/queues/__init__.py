"""The admins' queue page: /admin/queue."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from webapp.auth import role_required
from webapp.services import queue_monitor

bp = Blueprint("queues", __name__, url_prefix="/admin/queue")


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
    done = {"retry": "queued again", "remove": "removed", "cancel": "cancelled"}[action]
    try:
        getattr(queue_monitor, action)(job_id)
    except queue_monitor.JobActionRefused as refused:
        flash(str(refused), "error")
    else:
        flash(f"Job {job_id[:8]}… {done}.", "success")
    if request.htmx:
        return render_template("queues/_live.html", **_state())
    return redirect(url_for("queues.page"))


@bp.post("/<any(imports, webhooks, default):queue_name>/<any(retry, remove, cancel):action>-all")
def act_on_all(queue_name: str, action: str):
    done_word = {"retry": "queued again", "remove": "removed", "cancel": "cancelled"}[action]
    done, refusals = queue_monitor.act_on_all(queue_name, action)
    flash(f"{done} job{'' if done == 1 else 's'} on {queue_name} {done_word}.", "success")
    if refusals:
        flash(f"{len(refusals)} not: " + "; ".join(refusals[:5]), "error")
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
