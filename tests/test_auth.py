"""Sign-in, the login wall on every route, roles, CSRF."""

import pytest

from tests.conftest import PASSWORDS
from webapp import create_app
from webapp.models import User


def test_every_route_but_login_and_static_needs_a_signed_in_user(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("auth.login", "static", "api.openapi"):
            continue  # the API's description is public, like the login page
        url = rule.build({arg: _sample_value(rule, arg) for arg in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url)
            if response.status_code == 302:
                assert "/login" in response.location
            checked += 1
    assert checked >= 10


def _sample_value(rule, arg):
    """A value the rule's converter accepts: one of an `any(...)`'s words, else 1."""
    choices = getattr(rule._converters[arg], "items", None)
    return sorted(choices)[0] if choices else 1


def test_htmx_requests_are_sent_to_login_as_a_whole_page(client):
    response = client.get("/customers?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_wrong_password_and_inactive_user_are_refused(client, users):
    page = client.post("/login", data={"username": "agent", "password": "nope"})
    assert page.status_code == 200 and b"do not match" in page.data
    User.update(active=False).where(User.username == "agent").execute()
    page = client.post("/login", data={"username": "agent", "password": PASSWORDS["agent"]})
    assert page.status_code == 200


def test_passwords_are_stored_as_argon2_hashes(users):
    for user in User.select():
        assert user.password_hash.startswith("$argon2id$")


def test_login_only_redirects_within_the_site(client, users):
    data = {"username": "agent", "password": PASSWORDS["agent"]}
    away = client.post("/login?next=https://evil.example/", data=data)
    assert away.location == "/"  # the start page, which sends an agent to the Customers
    client.post("/logout")
    inside = client.post("/login?next=/customers/new", data=data)
    assert inside.location == "/customers/new"


@pytest.mark.parametrize("role,status", [("agent", 403), ("manager", 200), ("admin", 200)])
def test_settings_are_for_managers_and_admins(client, login, statuses, role, status):
    login(role)
    assert client.get("/settings/statuses").status_code == status
    assert client.post("/settings/statuses", data={"title": "X"}).status_code in (
        (403,) if status == 403 else (302,)
    )


def test_forms_without_a_csrf_token_are_refused(database_url, users, statuses):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "TESTING": True})
    client = app.test_client()
    refused = client.post("/login", data={"username": "agent", "password": PASSWORDS["agent"]})
    assert refused.status_code == 400 and b"nothing was saved" in refused.data
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post(
        "/login", data={"username": "agent", "password": PASSWORDS["agent"], "csrf_token": token}
    )
    assert accepted.status_code == 302
    # htmx sends the token in a header, taken from the page's hx-headers. Signing in
    # renewed the CSRF secret: the token from before is refused from then on.
    page = client.get("/settings/statuses")
    assert page.status_code == 403
    signed_in = page.get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    assert signed_in != token
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 400
    assert client.post("/logout", headers={"X-CSRFToken": signed_in}).status_code == 302
