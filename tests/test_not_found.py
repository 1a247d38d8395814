"""Every URL that names a row by its ID answers a missing one with a 404 (the API in its
own JSON error shape), never a 500: walked over the app's whole URL map, so a new route
is held to it without being listed here."""

import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.conftest import BASE
from webapp.models import CustomerStatus

MISSING_IDS = ("999999", "0", str(2**70))  # none stored; 2**70 does not fit in 64 bits
# Values for the other parts of a URL, so the ID is what is missing (not, say, the list).
SAMPLES = {"kind": "note-categories", "action": "rename", "tab": "summary"}
# The queue page names RQ jobs by their string IDs; one that is gone (finished, removed,
# expired in the meantime) is said in the page's message area, which htmx swaps in.
SAID_IN_PAGE = {"queues.act": "That job is gone"}


def id_rules(app):
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        ids = [
            name
            for name, converter in converters.items()
            if isinstance(converter, IntegerConverter) or name.endswith("_id")
        ]
        if ids:
            yield rule, ids


def url_for_rule(rule, ids, missing: str) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if name in ids:
            values[name] = missing
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = SAMPLES.get(name, "x")
    path = re.sub(r"<(?:[^<>]*:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
    assert "<" not in path, path
    return path


def methods(rule) -> list[str]:
    return [m for m in ("GET", "POST", "PUT", "DELETE") if m in rule.methods]


def test_every_url_with_an_id_answers_a_missing_one_with_404(app, client, login, api):
    login("admin")
    walked = 0
    for rule, ids in id_rules(app):
        for missing in MISSING_IDS:
            url = url_for_rule(rule, ids, missing)
            for method in methods(rule):
                if rule.endpoint.startswith("api."):
                    response = api(method, url, role="admin", json={})
                    assert response.status_code == 404, (method, url, response.status_code)
                    assert response.json["error"]["type"] == "NotFound", (method, url)
                elif rule.endpoint in SAID_IN_PAGE:
                    response = client.open(url, method=method, follow_redirects=True)
                    assert response.status_code == 200, (method, url)
                    assert SAID_IN_PAGE[rule.endpoint] in response.get_data(as_text=True)
                else:
                    response = client.open(url, method=method)
                    assert response.status_code == 404, (method, url, response.status_code)
                    assert "Not found" in response.get_data(as_text=True), (method, url)
                walked += 1
    assert walked > 100  # the walk reached the routes (customers, settings, imports, api)


def test_a_non_numeric_id_is_not_found_either(app, client, login, api):
    login("admin")
    for rule, ids in id_rules(app):
        url = url_for_rule(rule, ids, "nope")
        for method in methods(rule):
            if rule.endpoint.startswith("api."):
                response = api(method, url, role="admin", json={})
                assert response.status_code == 404, (method, url)
                assert response.json["error"]["type"] == "NotFound", (method, url)
            elif rule.endpoint in SAID_IN_PAGE:  # any text is a job ID there
                response = client.open(url, method=method, follow_redirects=True)
                assert SAID_IN_PAGE[rule.endpoint] in response.get_data(as_text=True)
            else:
                assert client.open(url, method=method).status_code == 404, (method, url)


@pytest.mark.parametrize("action", ["rename", "default", "active", "delete"])
def test_unknown_status_is_not_found(client, login, statuses, action):
    login("manager")
    assert CustomerStatus.get_or_none(CustomerStatus.id == 999999) is None
    response = client.post(f"/settings/statuses/999999/{action}", data={"title": "X"})
    assert response.status_code == 404
    htmx = client.post(
        f"/settings/statuses/999999/{action}", data={"title": "X"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 404


def test_api_urls_that_match_no_endpoint_answer_in_the_api_shape(client, api, login):
    for url in (f"{BASE}/Nope", f"{BASE}/Customers(nope)", "/api/nothing/here"):
        response = api("get", url)
        assert response.status_code == 404, url
        assert response.json["error"]["type"] == "NotFound", url
    login("agent")
    assert "Not found" in client.get("/nothing/here").get_data(as_text=True)  # a page
