"""At-least-once workers: an ingest killed with SIGKILL half-way, retried by RQ, leaves
the database exactly as one clean run does: no row lost, none doubled."""

import contextlib
import csv
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import patch

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from tests.conftest import PASSWORDS, _empty_tables, background_worker
from tests.rowgen import rows
from webapp.importing import chunks, heartbeat, lifecycle, runner
from webapp.models import (
    Address,
    ChangeEntry,
    Customer,
    Employer,
    ImportJob,
    ImportProblem,
    ImportRow,
    Phone,
    User,
)
from webapp.queueing import queue
from webapp.rules.customer_fields import IMPORT_COLUMNS
from webapp.services.statuses import create_status

ROW_COUNT = 1500


def import_file() -> bytes:
    """Rows of the first half share a username (the first takes it, the rest are
    refused), which links their chunks: the import applies them as one piece in file
    order, and each chunk of the second half as a piece of its own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_COLUMNS)
    for line, (cells, _) in enumerate(rows(ROW_COUNT, seed=11, defect_every=9), start=2):
        if cells.get("username") == "someone.new" and line > ROW_COUNT // 2:
            cells["username"] = f"someone{line}.new"
        writer.writerow(["add", *[cells.get(name, "") for name in IMPORT_COLUMNS[1:]]])
    return buffer.getvalue().encode()


def verified_job() -> ImportJob:
    """Verified in chunks of 300 rows: the import applies them as pieces, over the
    workers at once (those linked to others' rows as one piece, in file order)."""
    job = lifecycle.receive(io.BytesIO(import_file()), "crash.csv", None)
    with patch.dict(current_app.config, {"IMPORT_VERIFY_CHUNK_ROWS": 300}):
        assert runner.verify(job.id).state == "verified"
    return job


def kill_outright(worker: subprocess.Popen) -> None:
    """kill -9 of a worker and everything it started: RQ puts its work horse (and its
    scheduler) in process groups of their own, which a kill of the worker's group misses."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(child), signal.SIGKILL)
    os.killpg(worker.pid, signal.SIGKILL)


def database_snapshot() -> dict:
    """Everything an import writes, keyed by import ID (system IDs differ between runs)."""
    key = {c.id: c.import_id for c in Customer.select(Customer.id, Customer.import_id)}
    skip = {"id", "created_at", "updated_at", "status"}

    def rows_of(model, *exclude):
        fields = [f for f in model._meta.sorted_fields if f.name not in skip | set(exclude)]
        return sorted(
            tuple(
                key.get(v, v) if f.name == "customer" else v
                for f, v in zip(fields, row, strict=True)
            )
            for row in model.select(*fields).tuples()
        )

    history = sorted(
        (
            key[e.customer_id],
            e.action,
            e.source.split(" #")[0],
            re.sub(r"\(ID \d+\)", "", e.new_value),
        )
        for e in ChangeEntry.select()
    )
    job = ImportJob.select().order_by(ImportJob.id.desc()).get()
    # Password hashes are salted, so two runs differ in them by design: compare presence.
    passwords = sorted((c.import_id, bool(c.password_hash)) for c in Customer.select())
    return {
        "customers": rows_of(Customer, "password_hash"),
        "passwords": passwords,
        "phones": rows_of(Phone),
        "addresses": rows_of(Address),
        "employers": rows_of(Employer),
        "history": history,
        "counts": (job.added, job.updated, job.removed, job.failed, job.rows_done),
    }


def test_killed_ingest_resumes_to_the_same_database_as_a_clean_run(
    app, client, password_hashes, monkeypatch
):
    create_status("Active")
    clean = runner.ingest(verified_job().id)
    assert clean.state == "done" and clean.added > 1000 and clean.failed > 100
    expected = database_snapshot()

    _empty_tables()
    create_status("Active")
    job = verified_job()
    lifecycle.start(job, "import")
    monkeypatch.setenv("IMPORT_CHUNK_ROWS", "25")  # many commits, so the kill lands mid-way
    # Two workers apply its pieces at once: the linked chunks in file order, the others
    # each on its own.
    workers = [background_worker() for _ in range(2)]
    deadline = time.monotonic() + 60
    while not importing_past(job.id, ROW_COUNT // 3):
        alive = all(worker.poll() is None for worker in workers)
        assert time.monotonic() < deadline and alive, "ingest never started"
        time.sleep(0.02)
    for worker in workers:
        kill_outright(worker)  # the worker and its work horse, mid-chunk
        worker.wait()
    killed_at = ImportJob.get_by_id(job.id)
    assert killed_at.state == "importing" and 0 < killed_at.rows_done < ROW_COUNT
    assert Customer.select().count() < expected["counts"][0]

    # The job page says so within a heartbeat's lifetime, not "Importing 35%" for minutes.
    User.create(username="admin", role="admin", password_hash=password_hashes["admin"])
    client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
    deadline = time.monotonic() + heartbeat.LIFETIME_SECONDS + 5
    while "Worker lost" not in client.get(f"/imports/{job.id}").get_data(as_text=True):
        assert time.monotonic() < deadline, "the job page never noticed the lost worker"
        time.sleep(0.5)

    # RQ finds the killed piece's job abandoned once its heartbeat runs out, and retries
    # it; the pieces not yet taken wait in the queue.
    dropped = jobs_taken_but_never_started()
    recover_jobs_of_dead_workers()
    assert queue("imports").job_ids
    run_worker_until_empty()
    resumed = ImportJob.get_by_id(job.id)
    if resumed.state == "importing":
        # Only in RQ's window (jobs_taken_but_never_started): the admin's retry queues
        # the pieces with rows left.
        assert dropped, "every killed job was retried, yet the import never ended"
        lifecycle.retry(resumed)
        run_worker_until_empty()
        resumed = ImportJob.get_by_id(job.id)
    assert resumed.state == "done", resumed.message
    assert database_snapshot() == expected


def importing_past(job_id: int, rows: int) -> bool:
    """Whether the import has committed `rows` rows (until it starts, the job's rows_done
    counts what verify judged)."""
    job = ImportJob.get_by_id(job_id)
    return job.state == "importing" and job.rows_done >= rows


def run_worker_until_empty() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "jobs.worker", "--burst"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]


def test_killed_verify_starts_again_and_stages_each_row_once(app, monkeypatch):
    """A verify killed half-way has staged and listed part of the file; the retry starts
    from line 1 and ends with what a clean verify stages and lists, and the import of it
    equals a clean run."""
    create_status("Active")
    clean = runner.ingest(verified_job().id)
    expected = database_snapshot()
    expected_problems = _problems(clean.id, "verify")

    _empty_tables()
    create_status("Active")
    job = lifecycle.receive(io.BytesIO(import_file()), "crash.csv", None)
    lifecycle.start(job, "verify")
    monkeypatch.setenv("IMPORT_VERIFY_CHUNK_ROWS", "25")
    monkeypatch.setenv("IMPORT_DUPLICATE_PART_ROWS", "200")  # named in parts, as a big file
    worker = background_worker("--burst")
    deadline = time.monotonic() + 60
    while ImportJob.get_by_id(job.id).rows_done < ROW_COUNT // 3:
        assert time.monotonic() < deadline and worker.poll() is None, "verify never started"
        time.sleep(0.02)
    kill_outright(worker)
    worker.wait()
    killed_at = ImportJob.get_by_id(job.id)
    # Killed while chunks were judged, or in the last step after them: verify either way.
    assert killed_at.state == "verifying" and killed_at.rows_done >= ROW_COUNT // 3

    dropped = jobs_taken_but_never_started()
    recover_jobs_of_dead_workers()
    finished = subprocess.run(
        [sys.executable, "-m", "jobs.worker", "--burst"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    # Killed while a chunk was judged, after it (before its job queued the last step: the
    # retried chunk job queues it), or in the last step: verified either way.
    again = ImportJob.get_by_id(job.id)
    if again.state == "verifying":
        # Only in RQ's window above: nothing runs that chunk again; once the last beat
        # runs out the job page says the worker was lost, and the admin's retry (the
        # queue page's) verifies the file again from line 1.
        assert dropped, "every killed job was retried, yet the last step never ran"
        lifecycle.retry(again)
        retried = subprocess.run(
            [sys.executable, "-m", "jobs.worker", "--burst"], capture_output=True, timeout=120
        )
        assert retried.returncode == 0
        again = ImportJob.get_by_id(job.id)
    assert again.state == "verified", again.message
    staged = [
        r.line for r in ImportRow.select().where(ImportRow.job == job.id).order_by(ImportRow.line)
    ]
    assert staged == list(range(2, ROW_COUNT + 2))
    assert _problems(job.id, "verify") == expected_problems
    assert runner.ingest(job.id).state == "done"
    assert database_snapshot() == expected


def jobs_taken_but_never_started() -> list[str]:
    """RQ's own window, which no retry covers: a worker on several queues pops a job
    (BLPOP) before it records it anywhere, and puts it in the started registry before its
    work horse marks it started (the registry's cleanup drops such an entry). A kill in
    either gap leaves the job queued in name and in no queue."""
    imports = queue("imports")
    waiting = set(imports.job_ids)
    names = imports.connection.scan_iter(match="rq:job:*")
    ids = [name.decode().removeprefix("rq:job:") for name in names if name.count(b":") == 2]
    return [
        job.id
        for job in Job.fetch_many(ids, connection=imports.connection)
        if job and job.get_status() == JobStatus.QUEUED and job.id not in waiting
    ]


def recover_jobs_of_dead_workers() -> None:
    """What RQ's own maintenance does for a dead worker's jobs, at once rather than after
    its intervals: a started job is failed and retried; one the worker had taken from the
    queue but not yet marked started (RQ's intermediate queue) goes back in the queue."""
    imports = queue("imports")
    StartedJobRegistry(queue=imports).cleanup(timestamp=time.time() + 3600)
    taken = IntermediateQueue(imports.key, connection=imports.connection)
    for job_id in taken.get_job_ids():
        if job_id not in imports.started_job_registry and (job := imports.fetch_job(job_id)):
            imports.enqueue_job(job)
        taken.remove(job_id)


def _problems(job_id: int, phase: str) -> list[tuple]:
    return sorted(
        ImportProblem.select(
            ImportProblem.line, ImportProblem.severity, ImportProblem.column, ImportProblem.message
        )
        .where((ImportProblem.job == job_id) & (ImportProblem.phase == phase))
        .tuples()
    )


def test_cancel_a_running_import_keeps_what_was_committed_and_retry_finishes(
    app, client, login, small_chunks, live_worker
):
    create_status("Active")
    login("admin")
    job = verified_job()
    client.post(f"/imports/{job.id}/import")
    deadline = time.monotonic() + 60
    while not importing_past(job.id, 200):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    client.post(f"/imports/{job.id}/cancel")
    while ImportJob.get_by_id(job.id).state == "importing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stopped = ImportJob.get_by_id(job.id)
    assert stopped.state == "cancelled", stopped.message
    assert stopped.message == runner.CANCELLED
    assert stopped.rows_done < ROW_COUNT
    assert Customer.select().count() == stopped.added > 0
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Retry: import the rows not yet committed" in page

    client.post(f"/imports/{job.id}/retry")
    while ImportJob.get_by_id(job.id).state != "done":
        assert time.monotonic() < deadline + 60
        time.sleep(0.05)
    finished = ImportJob.get_by_id(job.id)
    assert finished.rows_done == ROW_COUNT
    assert Customer.select().count() == finished.added
    assert finished.added + finished.failed == ROW_COUNT


class PrivateRedis:
    """A Redis server of this test's own, to stop and start again on the same port (it
    keeps nothing on disk, like the machine's)."""

    def __init__(self, folder):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder, self.process = folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                Redis.from_url(self.url).ping()
                return
            except RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait()


def test_a_redis_outage_mid_import_leaves_the_worker_at_work_and_the_import_whole(
    app, monkeypatch, tmp_path
):
    """Redis stops for two seconds while a worker is importing: the worker lives through
    it, the import finishes on its own, no row is lost or doubled, and the worker goes
    on taking jobs once Redis is back."""
    create_status("Active")
    runner.ingest(verified_job().id)
    expected = database_snapshot()
    _empty_tables()
    create_status("Active")

    redis = PrivateRedis(tmp_path)
    redis.start()
    monkeypatch.setenv("REDIS_URL", redis.url)
    monkeypatch.setitem(app.config, "REDIS_URL", redis.url)
    monkeypatch.setitem(app.extensions, "redis", Redis.from_url(redis.url))
    monkeypatch.setenv("IMPORT_CHUNK_ROWS", "25")  # many chunks, so the outage lands mid-way
    job = verified_job()
    lifecycle.start(job, "import")
    worker = background_worker()
    try:
        deadline = time.monotonic() + 60
        while not importing_past(job.id, ROW_COUNT // 3):
            assert time.monotonic() < deadline and worker.poll() is None, "ingest never started"
            time.sleep(0.02)
        redis.stop()
        time.sleep(2)
        redis.start()

        deadline = time.monotonic() + 120
        while ImportJob.get_by_id(job.id).state != "done":
            assert worker.poll() is None, "the worker died with Redis"
            assert time.monotonic() < deadline, ImportJob.get_by_id(job.id).state
            time.sleep(0.1)
        assert database_snapshot() == expected

        counted = queue("default").enqueue("jobs.health.count_customers")
        deadline = time.monotonic() + 60
        while counted.get_status(refresh=True) != "finished":
            assert worker.poll() is None and time.monotonic() < deadline, "no job taken"
            time.sleep(0.1)
        assert counted.return_value() == len(expected["customers"])

        # Redis restarted while the worker waits for work (it keeps nothing): the worker
        # registers again, so the Queue page lists it, and takes the next job.
        redis.stop()
        redis.start()
        deadline = time.monotonic() + 30
        while not Worker.all(connection=app.extensions["redis"]):
            assert worker.poll() is None and time.monotonic() < deadline, "not listed again"
            time.sleep(0.2)
        again = queue("default").enqueue("jobs.health.count_customers")
        while again.get_status(refresh=True) != "finished":
            assert worker.poll() is None and time.monotonic() < deadline, "no job taken"
            time.sleep(0.1)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        redis.stop()


def test_cancel_stops_a_verify_while_it_is_still_reading_the_file(app, monkeypatch):
    """A large file takes a while to read and cut into chunks before any is judged: a
    cancel meanwhile stops the reading at the next chunk, and nothing more is done."""
    create_status("Active")
    app.config["IMPORT_VERIFY_CHUNK_ROWS"] = 100
    job = lifecycle.receive(io.BytesIO(import_file()), "count.csv", None)
    read = []
    real_rows = chunks.reader.rows

    def rows_with_a_cancel(*args):
        for number, row in enumerate(real_rows(*args), start=1):
            read.append(number)
            if number == 250:  # an admin presses Cancel while the file is read
                assert lifecycle.cancel(ImportJob.get_by_id(job.id)).startswith("Stopping")
            yield number, row

    monkeypatch.setattr(chunks.reader, "rows", rows_with_a_cancel)
    finished = runner.verify(job.id)
    assert finished.state == "cancelled"
    assert len(read) == 301  # stopped at the next chunk, not after all 1,501 lines
    assert finished.rows_total in (0, None) and finished.would_add in (0, None)
    assert not ImportRow.select().where(ImportRow.job == job.id).exists()
