"""The import pass: what verify staged (verification.py), applied chunk by chunk.

Verify's chunks are the pieces of work. A chunk none of whose rows is linked to another
chunk's (chunks.mark_ordered) is applied on its own, by whichever worker is free, in any
order: the others' rows touch no key its rows write, so the order cannot change what
either does. The linked chunks are applied together, in file order, as one piece. Queued
(`fan_out`, then `apply_piece` per piece as RQ jobs), the pieces run on every free
worker at once; in one process (`ingest`: the CLI's --sync, the tests, the benchmark)
one after the other; both end the same. Added customers' IDs follow file order within a
piece, not across pieces applied at once.

Each slice of a chunk's staged rows is applied (apply.py) and committed together with
its problems, its counters and the chunk's checkpoint, so a job that runs twice resumes
after the last committed line of each chunk: no row lost, none doubled."""

import logging
import time
from contextlib import suppress

from flask import current_app
from peewee import IntegrityError, SqliteDatabase, Value, fn
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from webapp.db import db, run_after_commit
from webapp.importing import collector, heartbeat, lifecycle, staging, statistics, verification
from webapp.importing.apply import ChunkApplier
from webapp.models import Customer, ImportChunk, ImportJob, ImportProblem, ImportRow
from webapp.models.base import insert_rows, utcnow
from webapp.queueing import APPLY_PIECE, queue, redis_connection
from webapp.services import webhooks
from webapp.services.actor import Actor
from webapp.services.customers import RecordRejected
from webapp.services.versions import StaleVersion

# SQLite has one writer at a time and its waiting writers poll; a short pause after
# each committed slice lets an agent's save (or a cancel) in during a long import.
TURN_FOR_OTHERS = 0.03
# A slice whose writes meet a change made since it was judged (a username or import ID
# someone just took) is rolled back and judged again on what is there now.
CHUNK_TRIES = 3
ORDERED = 0  # the piece of the linked chunks; any other piece is the chunk of that number
CANCELLED = (
    "Cancelled: the rows committed before the cancel stay, as counted; the others "
    "were not imported."
)
# Import jobs are logged by their ID and line numbers only: never a cell of the file.
log = logging.getLogger(__name__)


@collector.seldom()
def verify(job_id: int) -> ImportJob:
    """The whole verify in this process (queued, its chunks fan out over the workers)."""
    return verification.verify(job_id)


@collector.seldom()
def ingest(job_id: int) -> ImportJob:
    """The whole import in this process, one piece after the other."""
    if not _verified_first(job_id):
        return ImportJob.get_by_id(job_id)
    with heartbeat.beating(job_id):
        if _begin(job_id):
            with _failing_when_out_of_tries(job_id):
                for piece in pieces_left(job_id):
                    if not _apply_piece(job_id, piece):
                        break
            _end_when_applied(job_id)
    return ImportJob.get_by_id(job_id)


def fan_out(job_id: int) -> None:
    """The import's RQ job: start the pass and queue a job per piece left to apply; the
    piece done last ends the pass."""
    if not _verified_first(job_id):
        return
    with heartbeat.beating(job_id, linger=True):
        if not _begin(job_id):
            return
        # Named after this job: run again (a retried job), it queues no piece twice.
        key = get_current_job().id
        for piece in pieces_left(job_id):
            with suppress(DuplicateJobError):
                queue("imports").enqueue(
                    APPLY_PIECE,
                    job_id,
                    piece,
                    key,
                    job_id=_piece_job_id(key, piece),
                    unique=True,
                    job_timeout=lifecycle.JOB_TIMEOUT,
                    retry=Retry(max=2),
                    description=f"Import upload #{job_id}, "
                    + ("rows linked across chunks" if piece == ORDERED else f"part {piece}"),
                )
        _end_when_applied(job_id)  # nothing was left to apply


def apply_piece(job_id: int, piece: int, key: str) -> None:
    """A piece's RQ job (`key`: the import job's that queued it): apply it (run again,
    as a retried job, it resumes after what is committed); then any piece left whose job
    Redis no longer holds (a Redis restarted meanwhile keeps nothing). The piece done
    last ends the pass."""
    if ImportJob.get_by_id(job_id).state != "importing":
        return  # the pass ended (cancelled, failed) or is not running
    with heartbeat.beating(job_id, linger=True), _failing_when_out_of_tries(job_id):
        if not _apply_piece(job_id, piece):
            return
        for other in pieces_left(job_id):
            if not _waiting_or_running(_piece_job_id(key, other)):
                log.warning("Import #%s: piece %s had no job left; applied here.", job_id, other)
                if not _apply_piece(job_id, other):
                    return
        _end_when_applied(job_id)


def _piece_job_id(key: str, piece: int) -> str:
    return f"{key}-piece-{piece}"


def _waiting_or_running(rq_job_id: str) -> bool:
    try:
        status = Job.fetch(rq_job_id, connection=redis_connection()).get_status()
    except NoSuchJobError:
        return False
    except RedisError:
        return False  # no way to tell: applying it here too is safe (_committed_already)
    return status not in _ENDED


_ENDED = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED)


def _verified_first(job_id: int) -> bool:
    """A file never verified (the CLI's --sync), or verified by a release that staged
    nothing, is verified first; whether the import may go on."""
    job = ImportJob.get_by_id(job_id)
    if job.checkpoint_line == 0 and not staging.is_staged(job_id):
        return verification.verify(job_id).state == "verified"
    return True


def _failing_when_out_of_tries(job_id: int):
    return lifecycle.failing_when_out_of_tries(job_id, _unexpected)


def _unexpected(problem: Exception) -> str:
    return (
        f"Stopped by an unexpected error: {problem}. What was committed stays; retry to go "
        "on from there."
    )


def _begin(job_id: int) -> bool:
    """Start (or resume) the pass; False if it does not run."""
    job = ImportJob.get_by_id(job_id)
    if not job.may_become("importing"):  # cancelled before it started, or done: not run
        return False
    _chunks_of_an_earlier_release(job)
    resuming = (
        ImportChunk.select()
        .where((ImportChunk.job == job_id) & (ImportChunk.applied_line > 0))
        .exists()
    )
    # Only the fields named here: a full save would write back counters read before a
    # killed worker's last commit landed.
    starting = {
        ImportJob.phase: "import",
        ImportJob.finished_at: None,
        ImportJob.message: None,
    }
    if not resuming or job.id_ceiling is None:
        starting[ImportJob.id_ceiling] = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    if not resuming:
        starting.update(_fresh_counters(job))
    if not ImportJob.move(job.id, "importing", starting):  # its state changed meanwhile
        return False
    log.info(
        "Import #%s: import started, %s rows%s.",
        job.id,
        job.rows_total,
        ", resuming after the lines committed" if resuming else "",
    )
    return True


def _chunks_of_an_earlier_release(job: ImportJob) -> None:
    """A file verified before imports were applied in pieces kept no chunks: its whole
    file is one ordered chunk, committed up to the job's old checkpoint."""
    if ImportChunk.select().where(ImportChunk.job == job.id).exists():
        return
    first, last = (
        ImportRow.select(fn.MIN(ImportRow.line), fn.MAX(ImportRow.line))
        .where(ImportRow.job == job.id)
        .tuples()
        .get()
    )
    if first is not None:
        ImportChunk.create(
            job=job.id,
            number=1,
            first_line=first,
            last_line=last,
            cells=b"",
            verified=True,
            ordered=True,
            applied_line=job.checkpoint_line,
        )


def _fresh_counters(job: ImportJob) -> dict:
    counters = (ImportJob.added, ImportJob.updated, ImportJob.removed)
    ImportProblem.delete().where(
        (ImportProblem.job == job) & (ImportProblem.phase == "import")
    ).execute()
    return {
        ImportJob.started_at: utcnow(),
        ImportJob.rows_done: 0,
        ImportJob.failed: 0,
        ImportJob.warnings: 0,
        **dict.fromkeys(counters, 0),
    }


def _unfinished():
    return ImportChunk.applied_line < ImportChunk.last_line


def pieces_left(job_id: int) -> list[int]:
    """The pieces with rows still to apply: the ordered one first (it holds a chunk of
    rows or more in file order), then the others in file order."""
    unfinished = ImportChunk.select(ImportChunk.number, ImportChunk.ordered).where(
        (ImportChunk.job == job_id) & _unfinished()
    )
    return sorted({ORDERED if ordered else number for number, ordered in unfinished.tuples()})


def _apply_piece(job_id: int, piece: int) -> bool:
    """Apply what is left of a piece; True if it is all committed, False if the pass was
    cancelled or has ended meanwhile."""
    job = ImportJob.get_by_id(job_id)
    which = ImportChunk.ordered if piece == ORDERED else ImportChunk.number == piece
    chunks = list(
        ImportChunk.select(
            ImportChunk.id, ImportChunk.first_line, ImportChunk.last_line, ImportChunk.applied_line
        )
        .where((ImportChunk.job == job_id) & which & _unfinished())
        .order_by(ImportChunk.number)
    )
    size = current_app.config["IMPORT_CHUNK_ROWS"]
    pause = TURN_FOR_OTHERS if isinstance(db.obj, SqliteDatabase) else 0
    pass_ = _Pass(job)
    for chunk in chunks:
        after = max(chunk.first_line - 1, chunk.applied_line)
        for rows in staging.staged_chunks(job_id, size, after, chunk.last_line):
            if lifecycle.cancel_requested(job_id):
                if lifecycle.end_pass(job_id, "cancelled", CANCELLED):
                    _ended(job_id)
                return False
            if ImportJob.get_by_id(job_id).state != "importing":
                return False
            pass_.handle(chunk.id, rows)
            if pause:
                time.sleep(pause)
    return True


def _end_when_applied(job_id: int) -> None:
    """Once every chunk is committed, end the pass as done (once: the pieces that find it
    due race for the state's move)."""
    if ImportChunk.select().where((ImportChunk.job == job_id) & _unfinished()).exists():
        return
    if lifecycle.end_pass(job_id, "done", None):
        _ended(job_id)


def _ended(job_id: int) -> None:
    done = lifecycle.log_end(job_id, "import")
    statistics.refresh_after(job_id, done.added + done.removed)


class _Pass:
    """Each slice of staged rows committed with its problems, its counters and its
    chunk's checkpoint; applied again on what is there now when it meets a change made
    meanwhile."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.applier = ChunkApplier(job.id, Actor(job.uploaded_by, f"import #{job.id}"))

    def handle(self, chunk_id: int, chunk: list[ImportRow]) -> None:
        for attempt in range(1, CHUNK_TRIES + 1):
            try:
                with db.atomic():
                    self._import(chunk_id, chunk)
                run_after_commit(True)  # removed customers' files go once the chunk is in
                break
            except (StaleVersion, RecordRejected, IntegrityError) as conflict:
                run_after_commit(False)
                if attempt == CHUNK_TRIES:
                    raise
                # The exception's text may quote values (PostgreSQL's key details): not logged.
                log.warning(
                    "Import #%s: chunk from line %s rolled back (%s), try %s of %s.",
                    self.job.id,
                    chunk[0].line,
                    type(conflict).__name__,
                    attempt + 1,
                    CHUNK_TRIES,
                )
            except BaseException:
                run_after_commit(False)
                raise
        webhooks.kick()  # the chunk's events are committed with it

    def _import(self, chunk_id: int, chunk: list[ImportRow]) -> None:
        first, last = chunk[0].line, chunk[-1].line
        if self._committed_already(chunk_id, first):
            return
        with webhooks.batched():
            applied = self.applier.apply(chunk)
        staging.replace(self.job.id, first, last, applied.rows)
        # Verify's problems stand for the import's; the rows refused now are added.
        lines = ImportProblem.line.between(first, last)
        for problems in ImportProblem.on_lines(self.job.id, "verify", lines):
            copied = ImportProblem.select(
                ImportProblem.job,
                Value("import"),
                ImportProblem.severity,
                ImportProblem.line,
                ImportProblem.column,
                ImportProblem.value,
                ImportProblem.message,
            ).where(problems)
            ImportProblem.insert_from(copied, _PROBLEM_FIELDS).execute()
        refused = [
            staging.problem_row(self.job.id, "import", r.line, r, "error") for r in applied.refusals
        ]
        if refused:
            insert_rows(ImportProblem, refused)
        warnings = (
            ImportProblem.select()
            .where(
                (ImportProblem.job == self.job.id)
                & (ImportProblem.phase == "verify")
                & (ImportProblem.severity == "warning")
                & ImportProblem.line.between(first, last)
            )
            .count()
        )
        self._count(
            len(chunk),
            sum(1 for row in chunk if not row.ok) + len(refused),
            warnings,
            applied.counts,
        )
        ImportChunk.update(applied_line=last).where(ImportChunk.id == chunk_id).execute()

    def _count(self, rows, failed, warnings, counts) -> None:
        updates = {
            ImportJob.rows_done: ImportJob.rows_done + rows,
            ImportJob.failed: ImportJob.failed + failed,
            ImportJob.warnings: ImportJob.warnings + warnings,
        }
        updates.update(
            {getattr(ImportJob, k): getattr(ImportJob, k) + v for k, v in counts.items()}
        )
        ImportJob.update(updates).where(ImportJob.id == self.job.id).execute()

    def _committed_already(self, chunk_id: int, first_line: int) -> bool:
        """Lock the chunk's row and read its checkpoint afresh. A worker killed right
        after sending COMMIT (or another run's job for the same piece) may have the slice
        land after this run read the checkpoint; the lock waits for such a transaction,
        and the slice is then skipped, not applied again."""
        query = ImportChunk.select(ImportChunk.applied_line).where(ImportChunk.id == chunk_id)
        if not isinstance(db.obj, SqliteDatabase):  # SQLite locks the whole file on write
            query = query.for_update()
        return query.scalar() >= first_line


_PROBLEM_FIELDS = [
    ImportProblem.job,
    ImportProblem.phase,
    ImportProblem.severity,
    ImportProblem.line,
    ImportProblem.column,
    ImportProblem.value,
    ImportProblem.message,
]
