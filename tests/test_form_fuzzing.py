"""Every form of the pages, filled by a generator with what people and attackers type
(blanks, huge and odd numbers, dates that are not dates, NUL and other control
characters, U+10FFFF, long text, markup, the form's own choices and values out of them)
and sent: the answer may refuse, never fail (no 5xx, no exception). The forms are found
by walking the pages as an admin, so a new form is fuzzed without being listed here."""

import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import fuzzing

EXAMPLES = 1000
SKIPPED_ACTIONS = ("/logout",)  # signing out would end the walk, not test anything


class Forms(HTMLParser):
    """The forms and same-site links of a page."""

    def __init__(self):
        super().__init__()
        self.forms, self.links, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {
                "action": attrs.get("action") or attrs.get("hx-post") or "",
                "method": (
                    attrs.get("method") or ("post" if attrs.get("hx-post") else "get")
                ).lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea"):
            name = attrs.get("name")
            if name and name != "csrf_token":
                kind = attrs.get("type", tag)
                self._form["fields"].setdefault(name, {"kind": kind, "choices": []})
                if attrs.get("value"):
                    self._form["fields"][name]["choices"].append(attrs["value"])
        elif self._form is not None and tag == "option":
            fields = self._form["fields"]
            if fields and attrs.get("value") is not None:
                list(fields.values())[-1]["choices"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def walk(client, starts: list[str], limit: int = 60) -> list[dict]:
    """The POST forms of the pages reachable from `starts` (up to `limit` pages)."""
    seen, queue, forms = set(), list(starts), {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or path.endswith((".csv", ".json", ".xlsx", "/original")):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        page = Forms()
        page.feed(response.get_data(as_text=True))
        queue += [link for link in page.links if link not in seen]
        for form in page.forms:
            action = urljoin(url, form["action"] or url)
            if form["method"] == "post" and form["fields"] and not action.endswith(SKIPPED_ACTIONS):
                forms.setdefault(
                    (action, tuple(sorted(form["fields"]))), {**form, "action": action}
                )
    return list(forms.values())


HOSTILE = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\U0010ffff",
            "99999999999999999999999",
            "-1",
            "0",
            "1e309",
            "NaN",
            "2024-02-30",
            "13/45/2020",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            '=HYPERLINK("x")',
            "\u200b",
            "x" * 5000,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def value_for(field: dict):
    if field["kind"] == "file":
        return st.binary(max_size=200).map(lambda data: (io.BytesIO(data), "upload.csv"))
    if field["choices"]:
        return st.one_of(st.sampled_from(field["choices"]), HOSTILE)
    return HOSTILE


def test_every_form_refuses_hostile_input_without_failing(admin, make_customer):
    customer = make_customer()
    forms = walk(
        admin,
        [
            "/customers",
            f"/customers/{customer.id}",
            "/settings/statuses",
            "/imports",
            "/account/password",
            "/settings/users",
        ],
    )
    assert len(forms) >= 20, [f["action"] for f in forms]
    sent = []

    @given(data=st.data())
    @fuzzing(EXAMPLES)
    def refused_not_failed(data):
        form = data.draw(st.sampled_from(forms))
        values = {name: data.draw(value_for(field)) for name, field in form["fields"].items()}
        path = re.sub(r"^https?://[^/]+", "", form["action"])
        response = admin.post(path, data=values, content_type="multipart/form-data")
        sent.append(response.status_code)
        assert response.status_code < 500, (path, values, response.status_code)

    refused_not_failed()
    print(f"\n{len(sent)} generated submissions of {len(forms)} forms, none answered 5xx")
