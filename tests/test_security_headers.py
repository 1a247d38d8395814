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


def test_every_url_that_answers_a_page_or_a_partial_varies_on_hx_request(
    app, client, login, make_customer
):
    """The same URL answers a whole page (a reload, the back button) or the htmx partial
    of it: every such answer says so in Vary, so no cache hands one out for the other."""
    login("admin")
    customer = make_customer()
    values = {"customer_id": customer.id, "tab": "phones", "kind": "note-categories"}
    dual = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/static")):
            continue
        if not set(rule.arguments) <= set(values) or "<any(" in rule.rule:
            continue
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        whole = client.get(url)
        partial = client.get(url, headers={"HX-Request": "true"})
        for response in (whole, partial):
            assert "HX-Request" in response.vary, url
        if whole.status_code == partial.status_code == 200 and whole.data != partial.data:
            dual.append(url)
    assert {"/customers", f"/customers/{customer.id}/phones", "/settings/statuses"} <= set(dual)
