"""Logging: one line per event, no personal data. A real import of SSNs, card numbers,
emails and passwords through a real RQ worker leaves none of them in any log; an
unreachable webhook is one warning line per attempt; the safety-net filter redacts."""

import logging
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.importfiles import csv_bytes, row
from tests.test_imports import imported, uploaded
from tests.test_webhooks import SECRET
from webapp.logs import REDACTED, OneLineFormatter, RedactFilter, redact
from webapp.models import Customer, ImportProblem, Webhook, WebhookDelivery
from webapp.services import webhooks

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")

# What the file carries that no log may: SSNs (plain and dashed), a card-like number in
# a text field, names, emails, passwords, usernames, phone numbers.
PERSONAL = {
    "ssn": ["123456781", "123-45-6782", "123456783", "123-45-6784"],
    "card": ["4111111111111111", "4111 1111 1111 1111"],
    "name": ["Quenby", "Marchetti", "Ysolde", "Pellingham"],
    "email": ["quenby.marchetti@example.com", "ysolde@example.org", "not-an-email"],
    "password": ["Hunter2-Sekrit-Pass!", "Xyzzy-Plugh-Pass-99"],
    "username": ["quenbym", "ysoldep"],
    "phone": ["8015550142"],
}


def _rows() -> list[dict]:
    common = {"priPhone": "8015550142"}
    return [
        row(  # goes in
            importId="LOG-1",
            firstName="Quenby",
            lastName="Marchetti",
            ssn="123456781",
            email="quenby.marchetti@example.com",
            password="Hunter2-Sekrit-Pass!",
            username="quenbym",
            employerTitle="4111111111111111",
            **common,
        ),
        row(  # goes in
            importId="LOG-2",
            firstName="Ysolde",
            lastName="Pellingham",
            ssn="123-45-6782",
            email="ysolde@example.org",
            password="Xyzzy-Plugh-Pass-99",
            username="ysoldep",
            employerName="4111 1111 1111 1111",
            **common,
        ),
        row(  # refused: a bad email and a bad birthday
            importId="LOG-3",
            firstName="Quenby",
            lastName="Pellingham",
            ssn="123456783",
            email="not-an-email",
            birthday="1985-13-45",
            **common,
        ),
        row(  # refused: a bad state
            importId="LOG-4",
            firstName="Ysolde",
            lastName="Marchetti",
            ssn="123-45-6784",
            priState="Utah-ish",
            password="Hunter2-Sekrit-Pass!",
            **common,
        ),
    ]


def _leaks(text: str) -> list[str]:
    return [value for values in PERSONAL.values() for value in values if value in text]


def test_an_import_of_personal_data_logs_ids_and_no_values(
    client, login, statuses, run_worker, caplog, monkeypatch
):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")  # the workers log all they have to say
    caplog.set_level(logging.DEBUG)
    login("admin")
    worker_output = []

    def worker():
        finished = run_worker()
        worker_output.append(finished.stdout + finished.stderr)
        return finished

    job = imported(client, worker, uploaded(client, csv_bytes(_rows())))
    assert (job.state, job.added, job.failed) == ("done", 2, 2)
    assert Customer.select().count() == 2
    assert ImportProblem.select().where(ImportProblem.severity == "error").count() >= 3

    in_process = "\n".join(
        f"{r.levelname} {r.name}: {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    verify_log, import_log = worker_output
    everything = "\n".join([in_process, verify_log, import_log])
    assert _leaks(everything) == []
    # Nothing needed the safety net: our own lines never held a value to redact.
    assert REDACTED not in everything
    assert "Traceback" not in everything

    # The worker's lines are ours, one event a line, and tell what happened by IDs.
    for output in worker_output:
        lines = output.strip().splitlines()
        assert lines and all(LINE.match(line) for line in lines), output[-2000:]
    assert (
        f"INFO webapp.importing.verification: Import #{job.id}: verify started, 4 rows."
        in verify_log
    )
    assert f"Import #{job.id}: verify ended verified: 4 of 4 rows done, 2 refused" in verify_log
    assert f"Import #{job.id}: import started, 4 rows." in import_log
    assert f"Import #{job.id}: import ended done: 4 of 4 rows done, 2 refused" in import_log
    assert "INFO rq.worker: Worker " in import_log and "imports: " in import_log


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def local_webhooks(app, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    monkeypatch.setenv("WEBHOOK_RETRY_INTERVALS", "0,0,0,0")
    app.config["WEBHOOK_RETRY_INTERVALS"] = [0, 0, 0, 0]


def test_an_unreachable_webhook_is_one_warning_line_per_attempt(
    app, local_webhooks, make_customer, run_worker, caplog
):
    url = f"http://127.0.0.1:{_closed_port()}/hooks?token=query-secret-123"
    hook = Webhook.create(url=url, secret=SECRET, events="customer.created", active=True)
    webhooks.forget_subscriptions()
    customer = make_customer(firstName="Quenby", email="quenby.marchetti@example.com")
    webhooks.kick()
    output = run_worker()
    log = output.stdout + output.stderr

    deliveries = list(WebhookDelivery.select().order_by(WebhookDelivery.id))
    assert [d.attempt for d in deliveries] == [1, 2, 3, 4, 5]  # the delivery log as before
    assert all(d.status_code is None and d.error for d in deliveries)

    warnings = [line for line in log.splitlines() if " WARNING " in line]
    assert len(warnings) == 5, log[-3000:]
    event_id = deliveries[0].event_id
    for attempt, line in enumerate(warnings, start=1):
        assert LINE.match(line)
        assert (
            f"WARNING webapp.services.webhooks: Webhook #{hook.id}: customer.created event "
            f"{event_id}, attempt {attempt} failed (ConnectionRefusedError: " in line
        ), line
        port = url.split(":")[2].split("/")[0]
        then = "no retry left" if attempt == 5 else "will retry"
        assert line.endswith(f") at 127.0.0.1:{port}; {then}."), line
    assert "Traceback" not in log and " ERROR " not in log
    assert "query-secret-123" not in log and "/hooks" not in log
    assert "Quenby" not in log and "quenby.marchetti@example.com" not in log
    assert f'"customerId": {customer.id}' not in log  # no event body either

    # In this process, the same: a refused connection is one warning, no traceback.
    caplog.clear()
    with pytest.raises(webhooks.DeliveryFailed):
        webhooks.deliver(hook.id, event_id, deliveries[0].payload, "customer.created", 6)
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].exc_info is None
    assert "attempt 6 failed (ConnectionRefusedError" in records[0].getMessage()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ssn 123-45-6789 and 123456789.", f"ssn {REDACTED} and {REDACTED}."),
        ("card 4111111111111111 here", f"card {REDACTED} here"),
        ("card 4111 1111 1111 1111 / 5500-0000-0000-0004", f"card {REDACTED} / {REDACTED}"),
        ("login password=hunter2 ok", f"login password={REDACTED} ok"),
        ('{"password": "hunter 2", "id": 7}', f'{{"password": {REDACTED}, "id": 7}}'),
        ("{'password': 'x,y', 'id': 7}", f"{{'password': {REDACTED}, 'id': 7}}"),
        ("mail me at a.b+c@example.co.uk", f"mail me at {REDACTED}"),
        ("postgresql://app:s3cret@db:5432/x", f"postgresql://app:{REDACTED}@db:5432/x"),
        # IDs, counts, dates, times and phone-length numbers stay readable.
        (
            "Import #12: 1000 rows, line 123456 at 2024-06-01 10:15:22.123456 job 3f2a9c",
            "Import #12: 1000 rows, line 123456 at 2024-06-01 10:15:22.123456 job 3f2a9c",
        ),
        ("4111111111", "4111111111"),
    ],
)
def test_the_filter_redacts_ssn_card_and_password_patterns(text, expected):
    assert redact(text) == expected


def test_the_filter_applies_to_args_tracebacks_and_access_log_queries():
    def formatted(record: logging.LogRecord) -> str:
        RedactFilter().filter(record)
        return OneLineFormatter("%(levelname)s %(name)s: %(message)s").format(record)

    record = logging.LogRecord(
        "webapp.x", logging.WARNING, __file__, 1, "row %s: ssn %s", (7, "123-45-6789"), None
    )
    assert formatted(record) == f"WARNING webapp.x: row 7: ssn {REDACTED}"

    try:
        raise ValueError("Key (ssn)=(123456789) already exists")
    except ValueError:
        record = logging.LogRecord(
            "webapp.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = formatted(record)
    assert "\n" not in line and "123456789" not in line
    assert line.startswith("ERROR webapp.x: failed\\nTraceback") and REDACTED in line

    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        ({"h": "127.0.0.1", "r": "GET /customers?q=Quenby+Marchetti HTTP/1.1", "s": "200"},),
        None,
    )
    expected = f'INFO gunicorn.access: 127.0.0.1 "GET /customers?{REDACTED} HTTP/1.1" 200'
    assert formatted(record) == expected


def test_the_served_access_log_names_paths_without_their_queries(app, tmp_path):
    """gunicorn as scripts/run.sh and the systemd unit start it: a search's terms (in the
    query string) never reach the access log."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_file = tmp_path / "access.log"
    with open(log_file, "w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "webapp:create_app()",
            ],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/login?q=Quenby+Marchetti")
                    break
                except OSError:
                    assert time.monotonic() < deadline and server.poll() is None
                    time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    log = log_file.read_text()
    assert '"GET /login HTTP/1.1" 200' in log
    assert "Quenby" not in log and "q=" not in log
