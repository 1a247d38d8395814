"""The search grammar against a model: generated queries (fragments of the customers'
names, emails, phones, SSNs and IDs, accents and case changed, words combined, with and
without a status filter) must find exactly the customers a plain Python reading of the
rules finds, in name order, through every page of both ways of finding a page (sorting
the few, or reading the name index for the many)."""

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.models import Customer, CustomerStatus
from webapp.services import search

PEOPLE = [
    # first, last, company, email, phone, ssn
    ("Renée", "O'Brien", None, "renee.ob@example.com", "8015550147", "111223344"),
    ("Jean-Luc", "Tremblay", None, "jl@example.ca", "4165550100", "222334455"),
    ("José", "Álvarez", None, None, "3055550147", "333445566"),
    ("Ann", "Anderson", "Anvil Works", "ann@anvil.example", "2125550101", "444556677"),
    ("Zoë", "Smith", None, "zoe.smith@example.com", "8015559999", "555667788"),
    ("Sam", "Smithers", "Smith & Sons Supply", None, "7185550147", "666778899"),
    ("Mary Ann", "Lee", None, "maryann@example.com", "2025550123", "777889900"),
    ("Lee", "Mary", None, None, "6045550148", "888990011"),
    ("Ángel", "Núñez", "Núñez Auto", "angel@nunez.example", "5055551234", "999001122"),
    ("Chloé", "Smith", None, None, "9175550147", "123451234"),
]


@pytest.fixture
def population(make_customer, statuses):
    made = []
    for number, (first, last, company, email, phone, ssn) in enumerate(PEOPLE, start=1):
        cells = {
            "firstName": first,
            "lastName": last,
            "priPhone": phone,
            "ssn": ssn,
            "importId": f"P-{number}",
            "email": email or "",
        }
        if company:
            cells.update(
                customerType="company",
                companyName=company,
                companyContact=f"{first} {last}",
                gender="",
            )
        customer = make_customer(**cells)
        if number % 3 == 0:
            customer.status = statuses["Inactive"]
            customer.save()
        made.append(Customer.get_by_id(customer.id))
    return made


# ---- the model ------------------------------------------------------------------------


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_words(customer) -> list[str]:
    names = (customer.first_name, customer.last_name, customer.company_name or "")
    return [w for name in names for w in re.findall(r"[^\W_]+", folded(name))]


def model_matches(term: str, customer) -> bool:
    if term == customer.import_id:
        return True
    digits = re.sub(r"[\s\-().+]", "", term)
    if digits.isascii() and digits.isdigit():
        phones = [p.number for p in customer.phones]
        return (
            (len(digits) < 19 and int(digits) == customer.id)
            or (len(digits) == 4 and customer.ssn_last4 == digits)
            or (len(digits) >= 6 and any(p.startswith(digits) for p in phones))
            or (len(digits) >= 4 and any(p.endswith(digits) for p in phones))
        )
    if "@" in term:
        return bool(customer.email) and folded(customer.email).startswith(folded(term))
    wanted = re.findall(r"[^\W_]+", folded(term))
    have = name_words(customer)
    return bool(wanted) and all(any(h.startswith(w) for h in have) for w in wanted)


def model_search(population, text: str, status_id) -> list[int]:
    terms = text.split()[: search.MAX_TERMS]
    found = [
        c
        for c in population
        if all(model_matches(t, c) for t in terms) and (not status_id or c.status_id == status_id)
    ]
    found.sort(key=lambda c: (c.last_name_key, c.first_name_key, c.id))
    return [c.id for c in found]


# ---- generated queries ------------------------------------------------------------------


def fragments(population):
    """Pieces of what is stored, changed the way people type them."""
    pieces = []
    for c in population:
        for name in (c.first_name, c.last_name, c.company_name or ""):
            for word in re.findall(r"[^\W_]+", name):
                pieces += [word[:n] for n in range(1, len(word) + 1)]
        pieces += [c.import_id, str(c.id), c.ssn_last4 or ""]
        if c.email:
            pieces += [c.email[:n] for n in (3, c.email.index("@") + 2, len(c.email))]
        for phone in c.phones:
            pieces += [
                phone.number[:3],
                phone.number[:6],
                phone.number[-4:],
                phone.number[-7:],
                f"({phone.number[:3]}) {phone.number[3:6]}-",
            ]
    return sorted({p for p in pieces if p})


def typed(piece: str, style: int) -> str:
    if style == 1:
        return piece.upper()
    if style == 2:
        return folded(piece)  # accents left out
    return piece


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_search_finds_what_the_rules_say_through_every_page(population, data, monkeypatch):
    monkeypatch.setattr(search, "PAGE_SIZE", 2)  # many pages from few customers
    pieces = fragments(population)
    chosen = data.draw(
        st.lists(st.tuples(st.sampled_from(pieces), st.integers(0, 2)), min_size=0, max_size=3)
    )
    noise = data.draw(st.sampled_from(["", "", "zzz", "9", "@", "-", "Ann Smith"]))
    text = " ".join([typed(p, s) for p, s in chosen] + ([noise] if noise else []))
    statuses = [None] + [s.id for s in CustomerStatus.select()]
    status_id = data.draw(st.sampled_from(statuses))
    many = data.draw(st.booleans())
    # Either way of finding a page, forced: sort the listed matches, or (as for a search
    # with more matches than it counts) test row by row.
    monkeypatch.setattr(search, "SORT_MAX", 0 if many else 10**6)
    if many:
        monkeypatch.setattr(search, "COUNT_LIMIT", data.draw(st.integers(0, 3)))

    order = data.draw(st.sampled_from(sorted(search.ORDERS)))
    expected = model_search(population, text, status_id)
    if order == "newest":
        expected = sorted(expected, reverse=True)
    found, after, start = [], None, 1
    for _ in range(len(population) + 2):
        page = search.search(text, status_id, after=after, start=start, order=order)
        assert page.start == len(found) + 1  # the position the pager shows
        found += [c.id for c in page.customers]
        if not page.after:
            break
        after, start = page.after, start + len(page.customers)
    assert found == expected, (text, status_id, many, order)
    # The last page, read backwards from the end, then pages back to the first.
    backwards, before, start = [], search.LAST_PAGE, 0
    for _ in range(len(population) + 2):
        page = search.search(text, status_id, before=before, start=start, order=order)
        backwards = [c.id for c in page.customers] + backwards
        # A place is shown only where it is known (an exact count, or the first page).
        assert page.start in (0, len(expected) - len(backwards) + 1)
        if not page.before:
            break
        # As the pager's Previous link: the place before this one, when this one's is known.
        before, start = page.before, max(page.start - search.PAGE_SIZE, 1) if page.start else 0
    assert backwards == expected, (text, status_id, many, order, "backwards")
    first = search.search(text, status_id)
    if len(expected) <= search.COUNT_LIMIT:
        assert (first.count, first.count_is) == (len(expected), "exact")
    else:
        assert (first.count, first.count_is) == (search.COUNT_LIMIT, "more than")


def model_name_search(population, term: str) -> list[int]:
    """The API's name search: every word starts a word of the names; in ID order."""
    wanted = re.findall(r"[^\W_]+", folded(term))
    return sorted(
        c.id for c in population if all(any(h.startswith(w) for h in name_words(c)) for w in wanted)
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_api_name_search_lists_in_id_order_what_the_rules_say(
    population, api, data, monkeypatch
):
    """Autopal.Search on customerName, through both ways of finding a page in ID order
    (reading customers in ID order with a test on each, or sorting the listed matches),
    whatever the window, the start and the direction."""
    from webapp.api import search as api_search

    words_of_names = sorted({w for c in population for w in name_words(c)})
    chosen = data.draw(st.lists(st.sampled_from(words_of_names), min_size=1, max_size=2))
    term = " ".join(typed(w[: data.draw(st.integers(1, len(w)))], 1) for w in chosen)
    term += data.draw(st.sampled_from(["", "*"]))
    window = data.draw(st.integers(1, 12))
    monkeypatch.setattr(api_search, "RESULT_WINDOW", window)
    monkeypatch.setattr(search, "WALK_MAX", data.draw(st.sampled_from([0, 10**9])))
    start = data.draw(st.integers(0, window - 1))
    top = data.draw(st.integers(1, 5))
    descending = data.draw(st.booleans())

    expected = model_name_search(population, term)
    args = {"$start": start, "$top": top}
    if descending:
        args["$orderby"] = "id desc"
        expected.reverse()
    response = api(
        "post",
        "/api/public/api/1/Customers/Autopal.Search()",
        json={"query": {"match": {"customerName": {"query": term, "operator": "and"}}}},
        query_string=args,
    )
    assert response.status_code == 200, response.get_json()
    found = response.get_json()["d"]
    assert found["summary"]["total"] == min(len(expected), window), term
    page = expected[:window][start : start + top]
    assert [c["id"] for c in found["results"]] == page, (term, args)

    # The walk through ranges of IDs, made to take many short strides (as when the
    # matches are fewer than the count foretold): every match, in order, once.
    monkeypatch.setattr(search, "WALK_SPAN_MIN", 1)
    highest = max(c.id for c in population)
    walked = search.NameMatches(term.rstrip("*"))._walk(
        len(expected) + 1, descending, highest, total=10**9
    )
    assert walked == expected, term
