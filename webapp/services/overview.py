"""What needs a manager or an admin today, at a glance: the book by status, imports that
are running or failed, and webhook deliveries that failed."""

from datetime import timedelta

from peewee import fn
from redis.exceptions import RedisError
from rq import Queue

from webapp.models import CustomerStatus, ImportJob, Webhook, WebhookDelivery
from webapp.models.base import utcnow
from webapp.models.imports import RUNNING_STATES
from webapp.queueing import QUEUE_NAMES, redis_connection
from webapp.services.statuses import usage_counts

RECENT = timedelta(days=7)  # failed imports shown this long
DELIVERY_WINDOW = timedelta(hours=24)  # failed webhook deliveries counted over this


def statuses_with_counts() -> list[tuple[CustomerStatus, int]]:
    counts = usage_counts()
    return [(status, counts.get(status.id, 0)) for status in CustomerStatus.ordered()]


def running_imports() -> list[ImportJob]:
    return list(
        ImportJob.select().where(ImportJob.state.in_(RUNNING_STATES)).order_by(ImportJob.id)
    )


def failed_imports() -> list[ImportJob]:
    since = utcnow() - RECENT
    failed_at = fn.COALESCE(ImportJob.finished_at, ImportJob.created_at)
    return list(
        ImportJob.select()
        .where((ImportJob.state == "failed") & (failed_at >= since))
        .order_by(ImportJob.id.desc())
        .limit(10)
    )


def failed_deliveries() -> list[tuple[Webhook, int, object]]:
    """(webhook, failed attempts, the last one's time) over DELIVERY_WINDOW, worst first."""
    failed = (WebhookDelivery.status_code.is_null()) | (
        (WebhookDelivery.status_code < 200) | (WebhookDelivery.status_code >= 300)
    )
    rows = (
        WebhookDelivery.select(
            WebhookDelivery.webhook,
            fn.COUNT(WebhookDelivery.id).alias("failures"),
            fn.MAX(WebhookDelivery.delivered_at).alias("last"),
        )
        .where(failed & (WebhookDelivery.delivered_at >= utcnow() - DELIVERY_WINDOW))
        .group_by(WebhookDelivery.webhook)
        .order_by(fn.COUNT(WebhookDelivery.id).desc())
    )
    hooks = {h.id: h for h in Webhook.select()}
    return [(hooks[r.webhook_id], r.failures, r.last) for r in rows if r.webhook_id in hooks]


def failed_queue_jobs() -> int | None:
    """Jobs in the queues' failed registries; None when Redis does not answer."""
    try:
        connection = redis_connection()
        return sum(
            Queue(name, connection=connection).failed_job_registry.count for name in QUEUE_NAMES
        )
    except RedisError:
        return None
