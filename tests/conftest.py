"""Fixtures: a real database (a SQLite file, or a PostgreSQL schema when TEST_DATABASE_URL
names a server), a real Redis database emptied around each test, a live server and
Debian's Chromium for the browser tests."""

import atexit
import os
import signal
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager

import pytest
from redis import Redis
from werkzeug.serving import make_server

from tests.importfiles import GOOD
from tests.schemas import is_postgres
from webapp import create_app
from webapp.db import db
from webapp.models import ALL_MODELS, User
from webapp.schema import upgrade
from webapp.services import api_tokens, history, webhooks
from webapp.services.passwords import hash_password
from webapp.services.statuses import create_status

PASSWORDS = {"agent": "agent-pass-123", "manager": "manager-pass-123", "admin": "admin-pass-123"}


def _claim_redis_database() -> str:
    """A Redis database of its own per run (1-15; 0 is the app's), claimed with a key in
    database 0, so two suites on one machine never flush each other's queues."""
    claims = Redis.from_url("redis://127.0.0.1:6379/0")
    for number in range(1, 16):
        if claims.set(f"webapp-tests:db{number}", os.getpid(), nx=True, ex=4 * 3600):
            atexit.register(claims.delete, f"webapp-tests:db{number}")
            return f"redis://127.0.0.1:6379/{number}"
    raise RuntimeError("All 15 test Redis databases are claimed by other test runs.")


REDIS_URL = os.environ.get("TEST_REDIS_URL") or _claim_redis_database()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    # Each run gets its own schema, so runs on one server never see each other's rows.
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = _database(server_url)
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    yield f"{server_url}{'&' if '?' in server_url else '?'}schema={schema}"
    admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.close()


def _database(url):
    from webapp.db import database_from_url

    database = database_from_url(url)
    database.connect()
    return database


@pytest.fixture(scope="session")
def password_hashes():
    return {role: hash_password(password) for role, password in PASSWORDS.items()}


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    # Exported, so RQ workers started by a test share its database, Redis and files.
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setenv("IMPORT_CHUNK_ROWS", "1000")
    monkeypatch.setenv("IMPORT_VERIFY_CHUNK_ROWS", "5000")
    monkeypatch.setenv("APP_ENV", "development")  # served over plain http here
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    upgrade()
    _empty_tables()
    webhooks.forget_subscriptions()  # no webhook or status title survives a test
    history.forget_status_titles()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield app
        if not db.is_closed():
            db.close()
    redis.flushdb()


def _empty_tables():
    with db.connection_context():
        for model in reversed(ALL_MODELS):
            model.delete().execute()
        if is_postgres(db.obj):
            # An import may have refreshed the planner's count of the customers
            # (importing/statistics.py), and search reads it for the book's size.
            db.execute_sql('ANALYZE "customer"')
        elif db.table_exists("sqlite_sequence"):
            db.execute_sql("DELETE FROM sqlite_sequence")


@pytest.fixture
def run_worker(app):
    """Run a real RQ worker in burst mode: it works off the queues, then exits."""

    def run(timeout: int = 120) -> subprocess.CompletedProcess:
        finished = subprocess.run(
            [sys.executable, "-m", "jobs.worker", "--burst"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert finished.returncode == 0, finished.stderr[-3000:]
        return finished

    return run


@pytest.fixture
def small_chunks(app, monkeypatch):
    """Imports commit every 25 rows, so a test can act in the middle of one. Request it
    before live_worker: the worker reads the setting when it starts."""
    monkeypatch.setenv("IMPORT_CHUNK_ROWS", "25")
    monkeypatch.setenv("IMPORT_VERIFY_CHUNK_ROWS", "25")


def fuzzing(examples: int):
    """Hypothesis settings for the generated-input tests: the same cases on every run
    (derandomized), no example database, no deadline (requests hit a real server)."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def background_worker(*args: str) -> subprocess.Popen:
    """`python -m jobs.worker` in a session of its own (a test can signal its group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", *args],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def live_worker(app):
    """A real RQ worker running in the background for the length of a test."""
    worker = background_worker()
    yield worker
    # SIGTERM is RQ's warm shutdown (it finishes the job in hand); a worker left behind
    # would take jobs from later test runs, so it is killed outright if it lingers.
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app, password_hashes):
    return {
        role: User.create(
            username=role,
            display_name=f"Test {role}",
            role=role,
            password_hash=password_hashes[role],
        )
        for role in PASSWORDS
    }


@pytest.fixture
def statuses(app):
    return {
        title: create_status(title, make_default=title == "Active")
        for title in ("Active", "Inactive", "Bankruptcy")
    }


@pytest.fixture
def login(client, users):
    def sign_in(role: str):
        response = client.post("/login", data={"username": role, "password": PASSWORDS[role]})
        assert response.status_code == 302, "sign-in failed"
        return users[role]

    return sign_in


@pytest.fixture
def admin(client, login, statuses):
    """The test client, signed in as an admin (with the standard statuses made)."""
    login("admin")
    return client


# ---- the REST API ---------------------------------------------------------------------

BASE = "/api/public/api/1/odata.svc"
TENANT = "5200001"


@pytest.fixture
def tokens(users):
    return {
        role: api_tokens.create_token(f"{role} system", role, users["admin"])[1]
        for role in ("agent", "manager", "admin")
    }


@pytest.fixture
def api(client, tokens):
    """Calls the API as a role: api("get", url, role="agent", json=...)."""

    def call(method, url, role="agent", **kwargs):
        headers = {
            "Authorization": f"Bearer {tokens[role]}",
            "Autopal-Instance-ID": TENANT,
            **kwargs.pop("headers", {}),
        }
        return client.open(url, method=method.upper(), headers=headers, **kwargs)

    return call


# A valid record's cells: the import tests' good row, its SSN typed with dashes.
VALID_CELLS = {**{k: v for k, v in GOOD.items() if k != "action"}, "ssn": "999-99-9999"}


@pytest.fixture
def make_customer(statuses):
    from webapp.rules.compiled import CompiledRules
    from webapp.rules.context import RuleContext
    from webapp.services.actor import Actor
    from webapp.services.customers import create_customer

    made = []

    def make(**cells):
        """A customer; each one a different person (birth date) unless the cells say so,
        the shared SSN, phone and address confirmed as possible duplicates."""
        made.append(1)
        birthday = f"1985-01-{len(made):02d}" if len(made) < 29 else f"19{len(made):02d}-02-01"
        verdict = CompiledRules(RuleContext.load()).check_new(
            {**VALID_CELLS, "birthday": birthday, **cells}
        )
        assert verdict.ok, verdict.errors
        return create_customer(verdict.record, Actor.system("test"), confirmed=True)

    return make


# ---- browser tests -------------------------------------------------------------------


@pytest.fixture
def live_server(app):
    app.config["WTF_CSRF_ENABLED"] = True  # the browser goes through CSRF like a user
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"Debian's Chromium is not at {executable}: apt-get install -y chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # The back button must then come through the HTTP cache, where a page and
                # its htmx partial share a URL (see test_browser_back_button).
                "--disable-features=BackForwardCache",
            ],
        )
        yield browser
        browser.close()


@contextmanager
def _browser_page(browser, live_server):
    """A page in a browser context of its own: its own cookies, so its own sign-in. The
    Content-Security-Policy is in force: anything it blocks fails the test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not blocked, blocked


@pytest.fixture
def page(browser, live_server, users):
    with _browser_page(browser, live_server) as first:
        yield first


@pytest.fixture
def second_page(browser, live_server, users):
    """A second person at another browser, for tests where two people collide."""
    with _browser_page(browser, live_server) as second:
        yield second


def browser_login(page, role: str):
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(PASSWORDS[role])
    page.get_by_role("button", name="Sign in").click()
    # Each role's start page: the Customer Manager for agents, "Today" for the others.
    page.wait_for_url("**/customers" if role == "agent" else "**/")


def upload_and_verify(page, path) -> None:
    """On the imports page: upload a customer file, then ask for its verify."""
    page.goto("/imports")
    page.get_by_label("Customer file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Verify").click()


def verify_then_import(page, path, rows: int) -> None:
    """upload_and_verify, then, once the counts show the file's `rows`, its import."""
    from playwright.sync_api import expect

    upload_and_verify(page, path)
    expect(page.locator(".counts")).to_contain_text(f"{rows:,}", timeout=60_000)
    page.get_by_role("button", name=f"Import {rows:,} rows").click()


def wait_for_htmx(page):
    """Until htmx has swapped and settled, new content has no triggers yet. (A locator,
    not wait_for_function: that evaluates a string, which the CSP forbids.)"""
    from playwright.sync_api import expect

    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)


def tiny_png(rgb=(40, 120, 200), size=24) -> bytes:
    """A real PNG (one colour, size × size) that browsers draw, for photo uploads."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
