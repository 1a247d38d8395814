"""What the RQ queues hold, for the admins' queue page: counts per state, workers, and
the jobs with what they are about (an import's progress, a webhook's target)."""

from dataclasses import dataclass, field

from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from webapp.importing import lifecycle
from webapp.models import ImportJob
from webapp.queueing import INGEST_IMPORT, QUEUE_NAMES, VERIFY_IMPORT, redis_connection
from webapp.services.refusal import Refused

STATES = ("queued", "started", "deferred", "scheduled", "failed", "finished")
LISTED_PER_STATE = 25
IMPORT_FUNCTIONS = (VERIFY_IMPORT, INGEST_IMPORT)


@dataclass
class JobView:
    id: str
    queue: str
    state: str
    description: str
    enqueued_at: object = None
    error: str | None = None
    import_job: ImportJob | None = None
    webhook_url: str | None = None
    attempt: int | None = None
    attempts: int | None = None


@dataclass
class QueueView:
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    jobs: list[JobView] = field(default_factory=list)


def _registries(queue: Queue) -> dict:
    return {
        "started": queue.started_job_registry,
        "deferred": queue.deferred_job_registry,
        "scheduled": queue.scheduled_job_registry,
        "failed": queue.failed_job_registry,
        "finished": queue.finished_job_registry,
    }


def overview() -> list[QueueView]:
    connection = redis_connection()
    views = []
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=connection)
        registries = _registries(queue)
        view = QueueView(
            name, {"queued": queue.count, **{state: r.count for state, r in registries.items()}}
        )
        listed = {"queued": queue.get_job_ids(0, LISTED_PER_STATE - 1)}
        for state in ("started", "deferred", "scheduled", "failed"):
            listed[state] = registries[state].get_job_ids(0, LISTED_PER_STATE - 1)
        for state, ids in listed.items():
            for job in Job.fetch_many(ids, connection=connection):
                if job is not None:
                    view.jobs.append(_describe(job, name, state))
        views.append(view)
    return views


def _describe(job: Job, queue: str, state: str) -> JobView:
    view = JobView(
        job.id, queue, state, job.description or job.func_name, enqueued_at=job.enqueued_at
    )
    if state == "failed":
        result = job.latest_result()
        if result is not None and result.exc_string:
            view.error = result.exc_string.strip().splitlines()[-1][:300]
    view.import_job = _import_of(job)
    if job.meta.get("webhook_url"):
        view.webhook_url = job.meta["webhook_url"]
        planned = len(job.retry_intervals or [])
        left = job.retries_left if job.retries_left is not None else planned
        view.attempts = planned + 1
        view.attempt = planned - left + (1 if state != "failed" else 0) or 1
    return view


def _import_of(job: Job) -> ImportJob | None:
    """The upload an import job works on, if it is one."""
    if job.func_name in IMPORT_FUNCTIONS and job.args:
        return ImportJob.get_or_none(ImportJob.id == job.args[0])
    return None


def workers() -> list[dict]:
    found = []
    for worker in Worker.all(connection=redis_connection()):
        current = worker.get_current_job()
        found.append(
            {
                "name": worker.name,
                "state": worker.get_state(),
                "queues": worker.queue_names(),
                "job": current and current.description,
                "heartbeat": worker.last_heartbeat,
            }
        )
    return found


class JobActionRefused(Refused):
    """What an admin asked of a queued job cannot be done; the message says why."""


def _job(job_id: str) -> Job:
    try:
        return Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        raise JobActionRefused("That job is gone (finished, removed or expired).") from None


def retry(job_id: str) -> None:
    job = _job(job_id)
    if job.get_status() != "failed":
        raise JobActionRefused("Only a failed job can be retried.")
    import_job = _import_of(job)
    if import_job is not None:  # the import's own retry resumes at its checkpoint
        try:
            lifecycle.retry(import_job)
        except lifecycle.ImportRefused as refused:
            raise JobActionRefused(str(refused)) from None
        job.failed_job_registry.remove(job, delete_job=True)
        return
    job.failed_job_registry.requeue(job)


def remove(job_id: str) -> None:
    job = _job(job_id)
    if job.get_status() != "failed":
        raise JobActionRefused("Only a failed job can be removed here.")
    job.failed_job_registry.remove(job, delete_job=True)


def cancel(job_id: str) -> None:
    job = _job(job_id)
    if job.get_status() != "queued":
        raise JobActionRefused(
            "Only a queued job can be cancelled here; a running import "
            "is stopped from its own page."
        )
    import_job = _import_of(job)
    if import_job is not None and import_job.allows("cancel"):
        try:  # its own cancel also marks the upload cancelled
            lifecycle.cancel(import_job)
        except lifecycle.ImportRefused as refused:
            raise JobActionRefused(str(refused)) from None
        return
    try:
        job.cancel()
    except InvalidJobOperation as refused:
        raise JobActionRefused(str(refused)) from None
    job.delete()
