"""What the RQ queues hold, for the admins' queue page: counts per state, workers, and
the jobs with what they are about (an import's progress, a webhook's target)."""

import hashlib
from dataclasses import dataclass, field

from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from webapp.importing import lifecycle
from webapp.models import ImportJob
from webapp.queueing import (
    APPLY_PIECE,
    FINISH_VERIFY,
    INGEST_IMPORT,
    NAME_DUPLICATES,
    QUEUE_NAMES,
    UNDO_IMPORT,
    VERIFY_CHUNK,
    VERIFY_IMPORT,
    redis_connection,
)
from webapp.services.refusal import Refused

STATES = ("queued", "started", "deferred", "scheduled", "failed", "finished")
LISTED_PER_STATE = 25
IMPORT_FUNCTIONS = (
    VERIFY_IMPORT,
    VERIFY_CHUNK,
    FINISH_VERIFY,
    NAME_DUPLICATES,
    INGEST_IMPORT,
    APPLY_PIECE,
    UNDO_IMPORT,
)


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
class JobGroup:
    """Listed jobs of one state about one thing (an upload, a webhook's address, a kind
    of task): a page of 150 deliveries to one dead endpoint is one row, not 150."""

    state: str
    about: str
    jobs: list[JobView] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable across the page's redraws, so an opened list stays open."""
        return "group-" + hashlib.sha1(f"{self.state} {self.about}".encode()).hexdigest()[:12]


@dataclass
class QueueView:
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    jobs: list[JobView] = field(default_factory=list)

    @property
    def groups(self) -> list[JobGroup]:
        grouped: dict[tuple[str, str], JobGroup] = {}
        for job in self.jobs:
            about = (
                f"Import #{job.import_job.id} {job.import_job.original_name}"
                if job.import_job
                else f"Deliveries to {job.webhook_url}"
                if job.webhook_url
                else job.description
            )
            grouped.setdefault((job.state, about), JobGroup(job.state, about)).jobs.append(job)
        return list(grouped.values())


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
            view.error = plain_error(result.exc_string)
    view.import_job = _import_of(job)
    if job.meta.get("webhook_url"):
        view.webhook_url = job.meta["webhook_url"]
        planned = len(job.retry_intervals or [])
        left = job.retries_left if job.retries_left is not None else planned
        view.attempts = planned + 1
        view.attempt = planned - left + (1 if state != "failed" else 0) or 1
    return view


# Failures an admin meets, said plainly; anything else shows as "Kind: message".
PLAIN_ERRORS = {
    "JobTimeoutException": "It ran longer than its time limit and was stopped.",
    "AbandonedJobError": "The worker running it stopped (killed or restarted) before it ended.",
    "ConnectionError": "A server it needed did not answer.",
    "DeliveryFailed": None,  # our own message says what the receiver answered
}


def plain_error(exc_string: str) -> str:
    """The last line of a traceback, without module paths, in plain words where known."""
    last = exc_string.strip().splitlines()[-1] if exc_string.strip() else "Failed"
    kind, _, message = last.partition(":")
    kind, message = kind.rsplit(".", 1)[-1].strip(), message.strip()
    plain = PLAIN_ERRORS.get(kind)
    if plain:
        return plain
    text = message if kind in PLAIN_ERRORS or not message else f"{kind}: {message}"
    return (text or kind)[:300]


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


# ---- several jobs at once -------------------------------------------------------------

BULK_ACTIONS = {
    "retry": ("failed", retry),
    "remove": ("failed", remove),
    "cancel": ("queued", cancel),
}
BULK_LIMIT = 2000  # jobs one click acts on: a request stays short; the button says what is left


def act_on_all(queue_name: str, action: str) -> tuple[int, list[str]]:
    """Retry or remove every failed job of a queue, or cancel every queued one (up to
    BULK_LIMIT), each as the one-job action does it: an import's retry resumes at its
    checkpoint. Returns how many were done, and why any were not (a worker or another
    admin may have moved a job meanwhile)."""
    if queue_name not in QUEUE_NAMES or action not in BULK_ACTIONS:
        raise JobActionRefused("No such queue or action.")
    state, one = BULK_ACTIONS[action]
    queue = Queue(queue_name, connection=redis_connection())
    source = queue if state == "queued" else queue.failed_job_registry
    done, refusals = 0, []
    for job_id in source.get_job_ids(0, BULK_LIMIT - 1):
        try:
            one(job_id)
        except (JobActionRefused, InvalidJobOperation, NoSuchJobError) as refused:
            refusals.append(f"{job_id[:8]}…: {refused}")
        else:
            done += 1
    return done, refusals
