"""Operator commands, and an RQ worker (real Redis, burst mode) running a job with the
app's database."""

import os
import signal
import subprocess
import time
from pathlib import Path

from rq import Worker

from tests.conftest import background_worker
from webapp.models import (
    ALL_MODELS,
    Communication,
    Customer,
    CustomerLoan,
    CustomerStatus,
    Loan,
    Note,
    User,
)
from webapp.queueing import queue, redis_connection


def test_init_db_is_idempotent(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0 and f"{len(ALL_MODELS)} tables" in result.output


def test_create_user_hashes_the_password_and_refuses_duplicates(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "Boss", "--role", "admin", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 0, result.output
    user = User.get(User.username == "boss")
    assert user.role == "admin" and user.password_hash.startswith("$argon2id$")
    again = runner.invoke(
        args=["create-user", "boss", "--role", "agent", "--password", "long-enough-pw"]
    )
    assert again.exit_code != 0 and "already a user" in again.output


def test_seed_demo_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--customers", "25"])
    assert result.exit_code == 0, result.output
    assert Customer.select().count() == 25
    assert CustomerStatus.default().title == "Active"
    assert {u.role for u in User.select()} == {"agent", "manager", "admin"}
    for line in result.output.splitlines()[-3:]:
        username, password = line.split()
        assert User.get(User.username == username).has_role("agent") and len(password) >= 10
    assert runner.invoke(args=["seed-demo"]).exit_code != 0
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and Customer.select().count() == 25
    assert again.output.count("\n  ") == 3  # fresh demo logins instead
    relogin = runner.invoke(args=["demo-logins"])
    assert relogin.exit_code == 0 and relogin.output.count("\n  ") == 3


def test_the_demo_book_looks_like_a_real_one(app):
    """Statuses, loans, notes and messages spread over the book, not the first few."""
    assert app.test_cli_runner().invoke(args=["seed-demo", "--customers", "60"]).exit_code == 0
    customers = list(Customer.select())
    with_loans = {link.customer_id for link in CustomerLoan.select()}
    with_notes = {note.customer_id for note in Note.select()}
    with_messages = {message.customer_id for message in Communication.select()}
    assert len({c.status_id for c in customers}) >= 3
    for touched in (with_loans, with_notes, with_messages):
        assert len(touched) >= 10 and max(touched) > customers[30].id
    assert Loan.select().where(Loan.days_past_due > 0).exists()


def test_operator_commands_run_from_any_directory(app, tmp_path):
    script = Path(__file__).resolve().parent.parent / "scripts" / "flask.sh"
    done = subprocess.run(
        [str(script), "db", "status"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "[x] 0001_initial" in done.stdout


def test_a_burst_worker_runs_jobs_against_the_apps_database(app, make_customer, run_worker):
    make_customer(importId="A")
    make_customer(importId="B")
    job = queue("default").enqueue("jobs.health.count_customers")
    run_worker()
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() == 2


def test_a_waiting_worker_stops_on_sigterm(app):
    """Stopping a service (systemd, Ctrl-C in scripts/run.sh) must stop a worker that
    waits for jobs, not send it round its loop again."""
    worker = background_worker()
    try:
        deadline = time.monotonic() + 30
        while [w.get_state() for w in Worker.all(connection=redis_connection())] != ["idle"]:
            assert worker.poll() is None and time.monotonic() < deadline, "never waiting"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        # RQ's warm shutdown stops its scheduler process and says goodbye to Redis
        # first: seconds on a loaded machine, not the minutes of a missed signal.
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
