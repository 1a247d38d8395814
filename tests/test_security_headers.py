"""Every answer carries the headers that keep a browser from being turned against our
users, and the pages give the Content-Security-Policy nothing inline to forbid."""

import re

from webapp.security_headers import CONTENT_SECURITY_POLICY


def test_pages_and_api_answers_carry_the_security_headers(client, login, api):
    login("agent")
    for response in (
        client.get("/login"),
        client.get("/customers"),
        api("get", "/api/public/api/1/odata.svc/Customers()"),
    ):
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"  # personal data stays out of caches
        assert "Strict-Transport-Security" not in headers  # plain http here
    static = client.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_when_served_over_https(client):
    assert (
        "max-age="
        in client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    )


def test_pages_have_no_inline_script_or_style(client, login, make_customer):
    login("admin")
    customer = make_customer()
    for url in ("/customers", f"/customers/{customer.id}", "/imports", "/settings/statuses"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page), url
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", page), url
