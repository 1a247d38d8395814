"""Signing in and staying signed in, as an attacker and a forgetful user would meet it:
failed sign-ins slow down per username and per address, every refusal costs the same,
weak passwords are refused, and sign-out, a password change, an admin's "sign out
everywhere" and idleness end sessions in every browser at once."""

import time

import pytest
from flask import g

from tests.conftest import PASSWORDS
from webapp import create_app
from webapp.models import User
from webapp.queueing import redis_connection
from webapp.services import sign_in_throttle
from webapp.services import users as user_service
from webapp.services.users import UserRefused, create_user, set_password


@pytest.fixture(autouse=True)
def user_loaded_per_request(app):
    """Each request loads its user afresh, as in production, where each has its own app
    context (here the test's app context, and its `g`, spans every request)."""

    def forget_the_last_requests_user():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_the_last_requests_user)


def sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def signed_in(client) -> bool:
    return client.get("/customers").status_code == 200


def lock_seconds(kind: str, name: str) -> int:
    return redis_connection().ttl(f"sign-in:{kind}:{name}:locked")


def wait_is_over():
    for key in redis_connection().keys("sign-in:*:locked"):
        redis_connection().delete(key)


def test_failed_sign_ins_lock_a_username_for_growing_times(client, users):
    # From a new address each time: the username's own lock is what is tested here.
    for n in range(sign_in_throttle.FREE_FAILURES):
        failed = sign_in(client, "agent", "wrong password", address=f"198.51.100.{n}")
        assert b"do not match" in failed.data
    assert lock_seconds("account", "agent") < 0  # the free failures lock nothing
    sign_in(client, "agent", "wrong again", address="198.51.100.50")
    first = lock_seconds("account", "agent")
    assert 0 < first <= sign_in_throttle.FIRST_LOCK_SECONDS

    # Locked: even the right password waits, with a message that says how long.
    locked = sign_in(client, "agent", PASSWORDS["agent"], address="198.51.100.60")
    assert locked.status_code == 429 and b"Too many failed sign-ins" in locked.data
    assert not signed_in(client)

    wait_is_over()
    sign_in(client, "agent", "wrong a third time", address="198.51.100.70")
    assert lock_seconds("account", "agent") > first  # each lock twice the one before

    wait_is_over()
    assert sign_in(client, "agent", PASSWORDS["agent"]).status_code == 302
    assert redis_connection().get("sign-in:account:agent") is None  # success clears


def test_failed_sign_ins_lock_an_address_across_usernames(client, users):
    for n in range(sign_in_throttle.FREE_FAILURES + 1):
        sign_in(client, f"guess{n}", "password", address="203.0.113.9")
    locked = sign_in(client, "manager", PASSWORDS["manager"], address="203.0.113.9")
    assert locked.status_code == 429
    # Another address is not held back by it.
    assert (
        sign_in(client, "manager", PASSWORDS["manager"], address="198.51.100.4").status_code == 302
    )


def test_an_ipv6_client_is_counted_by_its_slash_64(client, users):
    for n in range(sign_in_throttle.FREE_FAILURES + 1):
        sign_in(client, f"guess{n}", "password", address=f"2001:db8:1:2::{n + 1:x}")
    locked = sign_in(client, "manager", PASSWORDS["manager"], address="2001:db8:1:2:ffff::9")
    assert locked.status_code == 429


def test_attempts_racing_past_the_free_ones_take_one_lock_each(app, users):
    """Counted before the password is checked, each by its own increment: of attempts
    racing at the limit, one goes on and the others find the lock it took."""
    for _ in range(sign_in_throttle.FREE_FAILURES):
        assert sign_in_throttle.attempt("agent", "192.0.2.1") == 0
    assert sign_in_throttle.attempt("agent", "192.0.2.2") == 0  # the sixth takes the lock
    assert sign_in_throttle.attempt("agent", "192.0.2.3") > 0  # a racer finds it taken


def test_unknown_deactivated_and_wrong_password_cost_one_check_each(users, monkeypatch):
    """The same work, so the time of a refusal tells nothing about the account."""
    checks = []
    real = user_service.password_matches
    monkeypatch.setattr(
        user_service, "password_matches", lambda h, p: checks.append(1) or real(h, p)
    )
    users["manager"].active = False
    users["manager"].save()
    for username, password in (
        ("nobody", "whatever-123"),
        ("manager", PASSWORDS["manager"]),  # deactivated
        ("agent", "wrong password"),
    ):
        checks.clear()
        assert user_service.authenticate(username, password) is None
        assert len(checks) == 1, username


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Whitfield2024!x", "the username or the person's name"),
        ("password123!", "most used passwords"),
        ("qwertyuiop", "most used passwords"),
        ("1234567890", "most used passwords"),
        ("aaaaaaaaaaaa", "repeats"),
        ("short", "at least 10 characters"),
        ("dana.whitfield", "username"),
    ],
)
def test_common_and_trivial_passwords_are_refused(app, password, reason):
    with pytest.raises(UserRefused) as refused:
        create_user("dana.whitfield", password, "agent", "Dana Whitfield")
    assert reason in str(refused.value)
    assert not User.select().where(User.username == "dana.whitfield").exists()


def test_a_hard_password_is_accepted(app):
    user = create_user("dana.whitfield", "violet-anchor-trombone-42", "agent")
    assert user_service.authenticate("dana.whitfield", "violet-anchor-trombone-42") == user


def two_browsers(app, role: str):
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        assert sign_in(browser, role, PASSWORDS[role]).status_code == 302
        assert signed_in(browser)
    return first, second


def test_signing_out_ends_the_users_sessions_in_every_browser(app, users):
    here, elsewhere = two_browsers(app, "agent")
    other_user = app.test_client()
    sign_in(other_user, "manager", PASSWORDS["manager"])
    here.post("/logout")
    assert not signed_in(here) and not signed_in(elsewhere)
    assert signed_in(other_user)
    page = elsewhere.get("/customers", follow_redirects=True)
    assert b"You were signed out" in page.data


def test_a_password_change_keeps_this_session_and_ends_the_others(app, users):
    here, elsewhere = two_browsers(app, "agent")
    weak = here.post(
        "/account/password",
        data={"current": PASSWORDS["agent"], "new": "password123", "again": "password123"},
    )
    assert b"harder to guess" in weak.data and signed_in(elsewhere)
    wrong = here.post(
        "/account/password",
        data={"current": "not it", "new": "violet-anchor-42!", "again": "violet-anchor-42!"},
    )
    assert b"not your current password" in wrong.data
    changed = here.post(
        "/account/password",
        data={
            "current": PASSWORDS["agent"],
            "new": "violet-anchor-42!",
            "again": "violet-anchor-42!",
        },
    )
    assert changed.status_code == 302
    assert signed_in(here) and not signed_in(elsewhere)
    assert sign_in(app.test_client(), "agent", "violet-anchor-42!").status_code == 302


def test_an_admin_signs_a_user_out_everywhere(app, users):
    first, second = two_browsers(app, "agent")
    admin = app.test_client()
    sign_in(admin, "admin", PASSWORDS["admin"])
    page = admin.get("/settings/users").get_data(as_text=True)
    assert "Sign out everywhere" in page and "agent" in page
    assert first.post(f"/settings/users/{users['agent'].id}/sign-out").status_code == 403
    done = admin.post(f"/settings/users/{users['agent'].id}/sign-out")
    assert done.status_code == 302
    assert not signed_in(first) and not signed_in(second) and signed_in(admin)


def test_a_session_ends_after_its_idle_time(app, client, users):
    sign_in(client, "agent", PASSWORDS["agent"])
    assert signed_in(client)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = time.time() - idle + 60  # a minute to spare: still in
    assert signed_in(client)  # and the request renewed it
    with client.session_transaction() as session:
        session["seen"] = time.time() - idle - 1
    page = client.get("/customers", follow_redirects=True)
    assert b"without activity" in page.data and not signed_in(client)


def test_a_page_polling_by_itself_does_not_keep_a_session_alive(app, client, users):
    sign_in(client, "agent", PASSWORDS["agent"])
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = time.time() - idle + 2
    assert client.get("/customers", headers={"X-Poll": "1"}).status_code == 200
    time.sleep(2.5)
    assert client.get("/customers", headers={"X-Poll": "1"}).status_code == 302


@pytest.mark.parametrize("environment, secure", [("production", True), ("development", False)])
def test_the_session_cookie_is_https_only_outside_development(
    database_url, users, monkeypatch, environment, secure
):
    monkeypatch.setenv("APP_ENV", environment)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    answer = sign_in(app.test_client(), "agent", PASSWORDS["agent"])
    cookie = answer.headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure, cookie


def test_set_password_refuses_a_weak_one_and_keeps_the_old(users):
    with pytest.raises(UserRefused):
        set_password(users["agent"], "qwerty12345")
    assert user_service.authenticate("agent", PASSWORDS["agent"]) is not None


def test_polling_parts_of_pages_say_they_poll(app, client, users):
    """The queue page's live part marks its requests, in valid JSON, as polls."""
    import json
    import re

    sign_in(client, "admin", PASSWORDS["admin"])
    page = client.get("/admin/queue").get_data(as_text=True)
    polling = re.findall(r"hx-trigger=\"every \d+s\" hx-headers='([^']*)'", page)
    assert polling and all(json.loads(h) == {"X-Poll": "1"} for h in polling)
