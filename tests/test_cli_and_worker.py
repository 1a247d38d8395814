"""Operator commands, and an RQ worker (real Redis, burst mode) running a job with the
app's database."""

import os
import signal
import time

from rq import Worker

from tests.conftest import background_worker
from webapp.models import ALL_MODELS, Customer, CustomerStatus, User
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
