"""Settings › Webhooks (managers): where customer events are sent, with a delivery log."""

from flask import flash, redirect, render_template, request, url_for

from webapp.lookups import get_or_404
from webapp.models import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from webapp.services import webhooks as service
from webapp.settings import bp

LOG_PAGE = 50


@bp.get("/webhooks")
def webhooks():
    hooks = list(Webhook.select().order_by(Webhook.id))
    return render_template(
        "settings/webhooks.html",
        hooks=hooks,
        events=WEBHOOK_EVENTS,
        form=None,
        errors={},
        suggested_secret=service.new_secret(),
    )


@bp.route("/webhooks/new", methods=["POST"])
@bp.route("/webhooks/<int:webhook_id>", methods=["GET", "POST"])
def edit_webhook(webhook_id: int | None = None):
    hook = _webhook(webhook_id) if webhook_id is not None else None
    typed = {
        "url": request.form.get("url", hook.url if hook else ""),
        "secret": request.form.get("secret", hook.secret if hook else ""),
        "events": request.form.getlist("events")
        if request.method == "POST"
        else (hook.event_names if hook else []),
        "active": request.form.get("active") == "1"
        if request.method == "POST"
        else (hook.active if hook else True),
    }
    errors = {}
    if request.method == "POST":
        try:
            saved = service.save_webhook(
                hook, typed["url"], typed["secret"], typed["events"], typed["active"]
            )
        except service.WebhookRefused as refused:
            errors = {e.field: e.message for e in refused.errors}
        else:
            flash(f"Webhook to {saved.url} saved.", "success")
            return redirect(url_for("settings.webhooks"))
    return render_template(
        "settings/webhooks.html",
        hooks=list(Webhook.select()),
        events=WEBHOOK_EVENTS,
        form=typed,
        editing=hook,
        errors=errors,
        suggested_secret=typed["secret"] or service.new_secret(),
    )


@bp.post("/webhooks/<int:webhook_id>/test")
def test_webhook(webhook_id: int):
    hook = _webhook(webhook_id)
    service.send_test_event(hook)
    flash(f"A test event is on its way to {hook.url}; its delivery shows in the log.", "info")
    return redirect(url_for("settings.webhook_log", webhook_id=hook.id))


@bp.post("/webhooks/<int:webhook_id>/delete")
def delete_webhook(webhook_id: int):
    hook = _webhook(webhook_id)
    dropped = service.delete_webhook(hook)
    waiting = f" and {dropped} waiting deliver{'y' if dropped == 1 else 'ies'}" if dropped else ""
    flash(f"Webhook to {hook.url} deleted with its delivery log{waiting}.", "info")
    return redirect(url_for("settings.webhooks"))


@bp.get("/webhooks/<int:webhook_id>/log")
def webhook_log(webhook_id: int):
    hook = _webhook(webhook_id)
    page = max(request.args.get("page", 1, type=int), 1)
    deliveries = hook.deliveries.order_by(WebhookDelivery.id.desc()).paginate(page, LOG_PAGE)
    return render_template(
        "settings/webhook_log.html",
        hook=hook,
        deliveries=list(deliveries),
        page=page,
        more=hook.deliveries.count() > page * LOG_PAGE,
    )


@bp.post("/webhooks/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int):
    delivery = get_or_404(WebhookDelivery, delivery_id)
    service.redeliver(delivery)
    flash(f"Event {delivery.event_id[:8]}… queued again for {delivery.webhook.url}.", "info")
    return redirect(url_for("settings.webhook_log", webhook_id=delivery.webhook_id))


def _webhook(webhook_id: int) -> Webhook:
    return get_or_404(Webhook, webhook_id)
