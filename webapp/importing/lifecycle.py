"""An import from upload to finish: store and read the file, match its columns, queue the
verify, import and undo jobs, cancel and retry them."""

import contextlib
import datetime as dt
import json
import logging
from pathlib import Path

from flask import current_app
from peewee import fn
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from webapp.db import db
from webapp.importing import chunks, reader, staging
from webapp.importing.columns import header_key, match_headers, positional_mapping
from webapp.importing.error_file import ERRORS_COLUMN
from webapp.importing.storage import source_path, upload_path
from webapp.models import ImportJob, ImportProblem, User
from webapp.models.base import utcnow
from webapp.models.imports import RUNNING_STATES, WORKING_STATES
from webapp.queueing import (
    INGEST_IMPORT,
    UNDO_IMPORT,
    VERIFY_IMPORT,
    queue,
    redis_connection,
)
from webapp.rules.customer_fields import IMPORT_COLUMNS
from webapp.services.refusal import Refused

JOB_TIMEOUT = 6 * 3600  # a million rows take minutes, not the default three

# What a person is told when the job's state does not allow an action (IMPORT_ACTIONS).
REFUSALS = {
    "map": "This file is {state}; its columns cannot be matched again now.",
    "verify": "This file is {state}; it cannot be verified now.",
    "import": "This file is {state}; it cannot be imported now.",
    "retry": "This file is {state}; only a failed or cancelled import can be retried.",
    "undo": "This file is {state}; only an import that ran can be undone.",
    "reimport": "This file is {state}; only the refused rows of a finished import can be "
    "uploaded again.",
    "cancel": "There is nothing running to cancel.",
    "download_errors": "This file has not been verified yet, so no rows with errors are listed.",
    "download_original": "This file is {state}; its original cannot be downloaded now.",
}


class ImportRefused(Refused):
    """The job's state does not allow what was asked; the message says so."""


def refusal(job: ImportJob, action: str) -> ImportRefused:
    return ImportRefused(REFUSALS[action].format(state=job.state.replace("_", " ")))


log = logging.getLogger(__name__)


def receive(
    stream,
    original_name: str,
    user: User | None,
    has_header: bool = True,
    merge_mode: str = "overwrite",
    refuse_duplicates: bool = False,
    retry_of: ImportJob | None = None,
) -> ImportJob:
    """Store an uploaded file and read its shape and header. Raises FileProblem (and
    keeps nothing) when the file cannot be imported at all."""
    job = ImportJob.create(
        original_name=original_name[:255] or "upload",
        size=0,
        file_format="csv",
        uploaded_by=user,
        has_header=has_header,
        merge_mode=merge_mode,
        refuse_duplicates=refuse_duplicates,
        retry_of=retry_of,
    )
    temporary = upload_path(job.id)
    try:
        with open(temporary, "wb") as handle:
            while block := stream.read(1 << 20):
                handle.write(block)
        shape = reader.inspect(temporary)
        job.size = temporary.stat().st_size
        job.file_format, job.encoding, job.delimiter = (
            shape.file_format,
            shape.encoding,
            shape.delimiter,
        )
        temporary.rename(source_path(job))
        _read_columns(job, shape)
    except Exception:
        temporary.unlink(missing_ok=True)
        source_path(job).unlink(missing_ok=True)
        job.delete_instance()
        raise
    job.save()
    return job


def _read_columns(job: ImportJob, shape: reader.FileShape) -> None:
    rows = reader.first_rows(source_path(job), shape, 2)
    if not rows:
        raise reader.FileProblem("The file has no rows.")
    if job.has_header and len(rows) < 2:
        raise reader.FileProblem("The file has a header row but no customer rows under it.")
    _, cells = rows[0]
    if job.has_header:
        job.headers = json.dumps([str(c) for c in cells])
        mapping = match_headers(cells)
    else:
        job.headers = json.dumps([f"Column {i + 1}" for i in range(len(cells))])
        mapping = positional_mapping(len(cells))
    set_mapping(job, mapping)


def set_mapping(job: ImportJob, mapping: list[str], confirmed: bool = False) -> None:
    """Store which column feeds which field. Unmatched columns send the file to the
    mapping page, unless a person has confirmed they are to be ignored."""
    job.column_map = json.dumps(mapping)
    headers = job.header_cells
    # The "errors" column of our own error files is skipped without asking.
    known = all(name or header_key(headers[i]) == ERRORS_COLUMN for i, name in enumerate(mapping))
    complete = (confirmed or known) and "action" in mapping
    state = "ready" if complete else "needs_mapping"
    if not job.may_become(state):
        raise refusal(job, "map")
    job.state = state
    job.save()


def unmatched_headers(job: ImportJob) -> list[tuple[int, str]]:
    return [
        (i, h)
        for i, (h, name) in enumerate(zip(job.header_cells, job.mapping, strict=True))
        if not name
    ]


def missing_columns(job: ImportJob) -> list[str]:
    """Columns of the contract the file does not have (they read as blank)."""
    return [name for name in IMPORT_COLUMNS if name not in job.mapping]


# The pass each phase queues, and the states it may be queued from (its own running
# state: a pass whose worker was lost, queued again from the queue page): an import that
# ended can be undone, but not verified or imported again.
PASSES = {
    "verify": (VERIFY_IMPORT, ("ready", "verified", "failed", "cancelled", "verifying")),
    "import": (INGEST_IMPORT, ("verified", "failed", "cancelled", "importing")),
    "undo": (UNDO_IMPORT, ("done", "failed", "cancelled", "undoing")),
}
PASS_TITLES = {"verify": "Verify", "import": "Import", "undo": "Undo"}


def start(job: ImportJob, phase: str, by: User | None = None) -> None:
    """Queue the verify, the import or its undo (`by` whom); ImportRefused if the job's
    state does not allow it (the routes ask `job.allows(...)` first, to say which
    action), or its file is gone (remove_old_files: so are its staged rows, which an
    undo reads)."""
    if not source_path(job).exists():
        raise ImportRefused(
            "This file was deleted from the server after its import ended (uploaded files "
            "hold full SSNs, so they are kept only "
            f"{current_app.config['IMPORT_FILE_DAYS']} days); upload it again."
        )
    if phase == "undo" and not staging.is_staged(job.id):
        raise ImportRefused(
            "This import ran before imports kept what they changed (an earlier release), "
            "so it cannot be undone."
        )
    function, from_states = PASSES[phase]
    with db.atomic():
        changes = {
            ImportJob.phase: phase,
            ImportJob.message: None,
            ImportJob.rows_done: 0 if phase == "verify" else ImportJob.rows_done,
        }
        if by is not None:  # (a retry from the queue page keeps who asked first)
            changes[ImportJob.undone_by] = by
        if not ImportJob.move(job.id, "queued", changes, from_states=from_states):
            raise refusal(ImportJob.get_by_id(job.id), phase)
        if phase == "verify":
            ImportProblem.delete().where(
                (ImportProblem.job == job) & (ImportProblem.phase == "verify")
            ).execute()
    redis_connection().delete(cancel_key(job.id))
    rq_job = queue("imports").enqueue(
        function,
        job.id,
        job_timeout=JOB_TIMEOUT,
        retry=Retry(max=2),
        description=f"{PASS_TITLES[phase]} upload #{job.id}",
    )
    ImportJob.update(rq_job_id=rq_job.id).where(ImportJob.id == job.id).execute()


def cancel(job: ImportJob) -> str:
    """Stop a queued job now, a running one at its next chunk; returns what happened.
    ImportRefused when nothing is running."""
    if job.state == "queued":
        if job.rq_job_id:
            try:
                Job.fetch(job.rq_job_id, connection=redis_connection()).cancel()
            except NoSuchJobError:
                pass  # already gone from Redis: nothing left to stop
            except Exception as problem:
                log.warning(
                    "Import #%s: queued job %s not cancelled in RQ (%s).",
                    job.id,
                    job.rq_job_id,
                    type(problem).__name__,
                )
        cancelled = ImportJob.move(
            job.id,
            "cancelled",
            {
                ImportJob.message: "Cancelled before it started; nothing was written.",
                ImportJob.finished_at: utcnow(),
            },
            from_states=("queued",),
        )
        if cancelled:
            return "Cancelled before it started."
        job = ImportJob.get_by_id(job.id)  # a worker took it up meanwhile
    if job.state in WORKING_STATES:
        # Through Redis, not the database: on SQLite this request would otherwise queue
        # behind the import's own writes.
        redis_connection().set(cancel_key(job.id), 1, ex=24 * 3600)
        return (
            "Stopping once the rows each worker has in hand are committed; what is committed stays."
        )
    raise refusal(job, "cancel")


def cancel_key(job_id: int) -> str:
    return f"imports:{job_id}:cancel"


def cancel_requested(job_id: int) -> bool:
    """Whether an admin asked to cancel; with Redis out of reach the import goes on (its
    progress is in the database) and asks again at the next chunk."""
    try:
        return bool(redis_connection().exists(cancel_key(job_id)))
    except RedisError as failure:
        log.warning("Import #%s: cannot read its cancel flag (%s).", job_id, failure)
        return False


def forget_cancel(job_id: int) -> None:
    with contextlib.suppress(RedisError):  # else it expires with the job's keys
        redis_connection().delete(cancel_key(job_id))


def end_pass(job_id: int, state: str, message: str | None) -> bool:
    """A running pass ends (verified, done, undone, failed, cancelled); False if it had
    ended already."""
    ended = ImportJob.move(
        job_id,
        state,
        {ImportJob.message: message, ImportJob.finished_at: utcnow()},
        from_states=WORKING_STATES,
    )
    forget_cancel(job_id)
    return ended


def log_end(job_id: int, phase: str) -> ImportJob:
    """Log how a verify or import pass ended (counts only: never a cell); the job."""
    done = ImportJob.get_by_id(job_id)
    log.info(
        "Import #%s: %s ended %s: %s of %s rows done, %s refused, %s warnings.",
        done.id,
        phase,
        done.state,
        done.rows_done,
        done.rows_total,
        done.failed,
        done.warnings,
    )
    return done


@contextlib.contextmanager
def failing_when_out_of_tries(job_id: int, unexpected):
    """An error ends the running pass as failed, with `unexpected(error)` as its message,
    unless RQ will run the job again."""
    try:
        yield
    except Exception as problem:
        current = get_current_job()
        if current is None or not current.retries_left:
            end_pass(job_id, "failed", unexpected(problem))
        raise


def retry(job: ImportJob) -> None:
    """Run a failed or cancelled import again; it resumes after the last committed line.
    The queue page also uses it for a pass whose worker died (its state still running)."""
    start(job, job.phase or "verify")


def queue_position(job: ImportJob) -> int | None:
    if job.state != "queued" or not job.rq_job_id:
        return None
    try:
        position = Job.fetch(job.rq_job_id, connection=redis_connection()).get_position()
    except NoSuchJobError:
        return None  # taken by a worker (or expired) since the state was read
    except Exception as problem:
        log.warning(
            "Import #%s: no queue position for job %s (%s).",
            job.id,
            job.rq_job_id,
            type(problem).__name__,
        )
        return None
    return None if position is None else position + 1


def remove_files(job: ImportJob) -> None:
    Path(source_path(job)).unlink(missing_ok=True)


def remove_old_files() -> int:
    """Delete the uploaded files of imports that ended (or, never run, were uploaded)
    IMPORT_FILE_DAYS ago or more, with their staged rows and chunks: all hold full SSNs.
    The jobs' counts, errors and history stay; such an import can no longer be undone.
    Returns how many."""
    ended_before = utcnow() - dt.timedelta(days=current_app.config["IMPORT_FILE_DAYS"])
    ended = ImportJob.select().where(
        (fn.COALESCE(ImportJob.finished_at, ImportJob.created_at) < ended_before)
        & ImportJob.state.not_in(RUNNING_STATES)
    )
    removed = 0
    for job in ended:
        if source_path(job).exists():
            remove_files(job)
            removed += 1
        staging.forget(job.id)
        chunks.forget(job.id)
    return removed
