"""Webhooks: managers subscribe URLs to customer events; every door (UI, API, import)
reports changes through the customer services, which write events here.

Events go to an outbox table inside the writer's transaction (see OutboundEvent). After
the commit, `kick()` queues one dispatch job, which claims the new events and queues a
delivery job per subscribed webhook; deliveries are signed, logged and retried."""

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, request
from redis.exceptions import RedisError
from rq import Retry
from rq.job import Job

from webapp.db import db
from webapp.logs import LoggedFailure
from webapp.models import WEBHOOK_EVENTS, OutboundEvent, Webhook, WebhookDelivery
from webapp.models.base import insert_rows
from webapp.queueing import DELIVER_EVENT, DISPATCH_EVENTS, queue, redis_connection
from webapp.rules.spec import FieldError
from webapp.services import outbound_http
from webapp.services.refusal import Refused

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
DISPATCH_PENDING_KEY = "webhooks:dispatch-pending"
_SUBSCRIBED_TTL = 5.0  # seconds a process trusts its list of subscribed events
_subscribed_cache: tuple[float, frozenset[str]] = (0.0, frozenset())
log = logging.getLogger(__name__)


class WebhookRefused(Refused):
    """A webhook setting that cannot be saved."""


# ---- settings --------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec-" + secrets.token_hex(24)  # hex: no underscore for a font to hide


def save_webhook(
    webhook: Webhook | None, url: str, secret: str, events: list[str], active: bool
) -> Webhook:
    url, secret = (url or "").strip(), (secret or "").strip()
    errors = []
    if not url.startswith(("https://", "http://")) or " " in url or len(url) > 500:
        errors.append(FieldError("url", "Give the full address, starting with https://."))
    elif (problem := destination_problem(url)) is not None:
        errors.append(FieldError("url", problem))
    if len(secret) < 16:
        errors.append(
            FieldError(
                "secret", "Use a secret of at least 16 characters (the suggested one is random)."
            )
        )
    chosen = [e for e in WEBHOOK_EVENTS if e in events]
    if not chosen:
        errors.append(FieldError("events", "Choose at least one event."))
    if errors:
        raise WebhookRefused(errors)
    webhook = webhook or Webhook()
    webhook.url, webhook.secret, webhook.events, webhook.active = (
        url,
        secret,
        " ".join(chosen),
        active,
    )
    webhook.save()
    forget_subscriptions()
    return webhook


def destination_problem(url: str) -> str | None:
    """Why events may not go to this URL, or None. Loopback, private, link-local and
    reserved addresses are refused (unless WEBHOOK_ALLOW_PRIVATE), so a webhook cannot
    be used to reach services inside our own network. Checked when the webhook is saved,
    and again at each delivery on the very address it connects to (outbound_http)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return "The address has no host name."
    try:
        allow_private = current_app.config["WEBHOOK_ALLOW_PRIVATE"]
        outbound_http.checked_addresses(parts.hostname, 443, allow_private)
    except outbound_http.DestinationRefused as refused:
        return str(refused)
    except (socket.gaierror, UnicodeError) as failure:
        # Delivery checks again, and logs a warning if the name still does not resolve.
        log.debug(
            "Webhook host %s does not resolve now (%s).", parts.hostname, type(failure).__name__
        )
    return None


def delete_webhook(webhook: Webhook) -> int:
    """Deletes the webhook and the deliveries to it still waiting in the queue (queued,
    waiting for a retry, or failed): nothing would receive them. Returns how many."""
    webhook_id = webhook.id
    webhook.delete_instance()
    forget_subscriptions()
    try:
        return _drop_waiting_deliveries(webhook_id)
    except RedisError as outage:  # each runs, finds the webhook gone and ends quietly
        log.warning("Deliveries to deleted webhook #%s left queued: %s", webhook_id, outage)
        return 0


def _drop_waiting_deliveries(webhook_id: int, batch: int = 500) -> int:
    waiting = queue("webhooks")
    registries = (
        waiting.scheduled_job_registry,
        waiting.deferred_job_registry,
        waiting.failed_job_registry,
    )
    ids = waiting.get_job_ids() + [i for r in registries for i in r.get_job_ids()]
    dropped = 0
    for start in range(0, len(ids), batch):
        for job in Job.fetch_many(ids[start : start + batch], connection=waiting.connection):
            if (
                job is not None
                and job.func_name == DELIVER_EVENT
                and list(job.args[:1]) == [webhook_id]
            ):
                for registry in registries:  # (job.delete() clears only its status's one)
                    registry.remove(job)
                job.delete()
                dropped += 1
    return dropped


# ---- events ----------------------------------------------------------------------------


def subscribed_events() -> frozenset[str]:
    """Events some active webhook wants; cached briefly, as imports ask once per row."""
    global _subscribed_cache
    fetched_at, events = _subscribed_cache
    if time.monotonic() - fetched_at > _SUBSCRIBED_TTL:
        events = frozenset(
            name
            for hook in Webhook.select(Webhook.events).where(Webhook.active == True)  # noqa: E712
            for name in hook.event_names
        )
        _subscribed_cache = (time.monotonic(), events)
    return events


def forget_subscriptions() -> None:
    global _subscribed_cache
    _subscribed_cache = (0.0, frozenset())


def _event(name: str, customer_id: int, data: dict, occurred_at: str | None = None) -> dict:
    event_id = str(uuid.uuid4())
    body = {
        "id": event_id,
        "event": name,
        "occurredAt": occurred_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": {"customerId": customer_id, **data},
    }
    return {
        "event_id": event_id,
        "event": name,
        "customer_id": customer_id,
        "payload": json.dumps(body, ensure_ascii=False, default=str),
    }


_batch: ContextVar[list | None] = ContextVar("webhook_event_batch", default=None)


def record_events(events: list[tuple[str, int, dict]]) -> None:
    """(event, customer ID, data) for each change; written only if someone listens.
    Inside `batched()` they are held and written together at its end."""
    wanted = subscribed_events()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = [
        _event(name, customer_id, data, now) for name, customer_id, data in events if name in wanted
    ]
    held = _batch.get()
    if held is not None:
        held.extend(rows)
    elif rows:
        insert_rows(OutboundEvent, rows)


@contextmanager
def batched():
    """Hold the events of many writes (an import chunk) and insert them in one go; use
    inside the writes' transaction, so the events still commit or roll back with them."""
    held: list = []
    token = _batch.set(held)
    try:
        yield
    finally:
        _batch.reset(token)
    if held:
        insert_rows(OutboundEvent, held)


def kick() -> None:
    """After a commit: make sure a dispatch job will pick up new events. If Redis is
    away the events wait in the outbox for the next kick; the change itself stands."""
    if not subscribed_events():
        return
    try:
        _queue_dispatch()
    except RedisError:
        current_app.logger.warning("Webhook events wait in the outbox: Redis is away.")


def kick_after_write(response):
    """Flask after_request: a write through the UI or the API may have left events."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and response.status_code < 400:
        kick()
    return response


def _queue_dispatch() -> None:
    """Queue a dispatch job unless one is already waiting. The flag is cleared when a
    dispatch starts, so events committed while one runs get the next job, not a gap."""
    if not OutboundEvent.select().where(OutboundEvent.claimed_by.is_null()).exists():
        return
    redis = redis_connection()
    if not redis.set(DISPATCH_PENDING_KEY, 1, nx=True, ex=600):
        return
    try:
        queue("webhooks").enqueue(
            DISPATCH_EVENTS, description="Send new customer events to webhooks"
        )
    except RedisError:
        redis.delete(DISPATCH_PENDING_KEY)
        raise


def dispatch_events(batch: int = 500) -> int:
    """Claim new events and queue their deliveries; returns how many were queued."""
    redis_connection().delete(DISPATCH_PENDING_KEY)
    prune()
    hooks = list(Webhook.select().where(Webhook.active == True))  # noqa: E712
    queued = 0
    while True:
        claim = uuid.uuid4().hex
        with db.atomic():
            ids = [
                e.id
                for e in OutboundEvent.select(OutboundEvent.id)
                .where(OutboundEvent.claimed_by.is_null())
                .order_by(OutboundEvent.id)
                .limit(batch)
            ]
            if not ids:
                return queued
            OutboundEvent.update(claimed_by=claim).where(
                OutboundEvent.id.in_(ids) & OutboundEvent.claimed_by.is_null()
            ).execute()
        events = OutboundEvent.select().where(OutboundEvent.claimed_by == claim)
        with redis_connection().pipeline() as pipe:
            for event in events:
                for hook in hooks:
                    if event.event in hook.event_names:
                        _enqueue_delivery(hook, event, pipeline=pipe)
                        queued += 1
            pipe.execute()


def prune() -> None:
    """Events already sent on leave the outbox after a day; the delivery log, which
    holds event bodies, is kept WEBHOOK_LOG_DAYS."""
    now = dt.datetime.utcnow()
    OutboundEvent.delete().where(
        OutboundEvent.claimed_by.is_null(False)
        & (OutboundEvent.created_at < now - dt.timedelta(days=1))
    ).execute()
    keep = dt.timedelta(days=current_app.config["WEBHOOK_LOG_DAYS"])
    WebhookDelivery.delete().where(WebhookDelivery.delivered_at < now - keep).execute()


def _enqueue_delivery(hook: Webhook, event: OutboundEvent, pipeline=None, manual=False):
    intervals = current_app.config["WEBHOOK_RETRY_INTERVALS"]
    return queue("webhooks").enqueue(
        DELIVER_EVENT,
        hook.id,
        event.event_id,
        event.payload,
        event.event,
        retry=None if manual else Retry(max=len(intervals), interval=intervals),
        description=f"{event.event} → webhook #{hook.id}",
        pipeline=pipeline,
        meta={"webhook_url": hook.url, "event": event.event},
    )


def send_test_event(hook: Webhook) -> None:
    event = OutboundEvent(
        **_event("webhook.test", 0, {"message": "A test event from Settings › Webhooks."})
    )
    _enqueue_delivery(hook, event, manual=True)


def redeliver(delivery: WebhookDelivery) -> None:
    event = OutboundEvent(
        event_id=delivery.event_id, event=delivery.event, payload=delivery.payload
    )
    _enqueue_delivery(delivery.webhook, event, manual=True)


# ---- delivery --------------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class DeliveryFailed(LoggedFailure):
    """The receiver did not answer 2xx; RQ retries the job with backoff. Logged as one
    warning line per attempt, so the worker adds no traceback."""


def _host(url: str) -> str:
    """Host and port of a webhook URL for the log: not its path, query or credentials."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.hostname or '?'}{f':{port}' if port else ''}"


def deliver(
    webhook_id: int, event_id: str, payload: str, event: str, attempt: int, last: bool = False
) -> None:
    """Send one event; `last` when no retry follows a failure (for the log line)."""
    hook = Webhook.get_or_none(Webhook.id == webhook_id)
    if hook is None:  # deleted since: nothing to deliver to
        log.info("Webhook #%s is gone: %s event %s not delivered.", webhook_id, event, event_id)
        return
    body = payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "customer-servicing-webhooks/1",
        "X-Webhook-Event": event,
        "X-Webhook-Id": event_id,
        TIMESTAMP_HEADER: str(int(time.time())),
        SIGNATURE_HEADER: signature(hook.secret, body),
    }
    started = time.monotonic()
    status, excerpt, error, kind = None, "", None, "HTTPStatus"
    try:
        answer = outbound_http.post(
            hook.url, body, headers, TIMEOUT_SECONDS, current_app.config["WEBHOOK_ALLOW_PRIVATE"]
        )
        status, excerpt = answer.status, answer.excerpt
        if 300 <= status < 400:
            # Never followed: a redirect could point anywhere, inside our network too.
            error, kind = (
                f"Redirect to {answer.location or '(no Location)'} not followed",
                "Redirect",
            )
            excerpt = ""
    except outbound_http.DestinationRefused as refused:
        WebhookDelivery.create(
            webhook=hook,
            event_id=event_id,
            event=event,
            payload=payload,
            attempt=attempt,
            error=f"Not sent: {refused}",
        )
        log.warning(
            "Webhook #%s: %s event %s, attempt %s not sent: destination %s refused.",
            hook.id,
            event,
            event_id,
            attempt,
            _host(hook.url),
        )
        return  # trying again would not change the address
    except (OSError, http.client.HTTPException, ValueError) as failure:
        error, kind = str(failure)[:500] or type(failure).__name__, type(failure).__name__
    WebhookDelivery.create(
        webhook=hook,
        event_id=event_id,
        event=event,
        payload=payload,
        attempt=attempt,
        status_code=status,
        duration_ms=round((time.monotonic() - started) * 1000),
        response_excerpt=excerpt,
        error=error,
    )
    if status is None or not 200 <= status < 300:
        log.warning(
            "Webhook #%s: %s event %s, attempt %s failed (%s: %s) at %s; %s.",
            hook.id,
            event,
            event_id,
            attempt,
            kind,
            f"HTTP {status}" if status is not None else (error or "no answer")[:120],
            _host(hook.url),
            "no retry left" if last else "will retry",
        )
        raise DeliveryFailed(f"{hook.url} answered {status or error}")
