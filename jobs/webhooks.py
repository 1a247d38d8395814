"""RQ doors to webhook dispatch and delivery."""

from rq import get_current_job

from jobs.app_context import in_app_context
from webapp.services import webhooks


@in_app_context
def dispatch_events() -> int:
    return webhooks.dispatch_events()


@in_app_context
def deliver_event(webhook_id: int, event_id: str, payload: str, event: str) -> None:
    job = get_current_job()
    retries = job.retries_left if job and job.retries_left is not None else 0
    planned = len(job.retry_intervals or []) if job else 0
    # RQ counts retries down: a job with 4 retries left is on its first try.
    attempt = (planned - retries + 1) if job and job.retry_intervals is not None else 1
    webhooks.deliver(webhook_id, event_id, payload, event, attempt, last=not retries)
