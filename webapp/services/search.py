"""The Customer Manager's search, at a lender's scale: each kind of term goes to an index
made for it, and a page never reads or counts more than it shows.

A term matches a customer when it is
- the start of a word of their first, last or company name: the start of the last name
  is found in the last name's ordered index, the other words in the index of name
  words (customer_name_word); case and accents aside;
- with an @ in it, the start of their email; or their import ID;
- their customer ID (digits), the last four of their SSN (4 digits), or the start (6
  digits or more: an area code and exchange) or the end (4 or more) of one of their
  phone numbers. Shorter phone fragments would match thousands in a large book, and
  nobody is found by an area code alone.
Every term must match. Results are in name order (last, first, ID), and a page goes on
after the last row of the page before (keyset), so page 500 costs what page 1 does.

A page merges the first rows of a few sources, each read in name order cheaply: a range
of the last-name index; a range of the name-word index, whose entries carry the name
order, sorted (up to SORT_MAX entries); a list of IDs small enough to sort (up to
SORT_MAX); or, for a test that many rows pass (the other words of names are spread over
the alphabet), the name index read in order with the test made on each row.
"""

import base64
import json
import re
from dataclasses import dataclass

from peewee import SQL, PostgresqlDatabase, Tuple, fn

from webapp.db import db
from webapp.models import Customer, CustomerNameWord, CustomerStatus, Phone
from webapp.models.base import estimated_rows
from webapp.rules.folding import fold, words
from webapp.rules.spec import is_digits

PAGE_SIZE = 25
LAST_PAGE = "last"  # the `before` token of the last page: read backwards from the end
COUNT_LIMIT = 1000  # counted exactly up to here; "more than 1,000" beyond
SORT_MAX = 5000  # matches listed and sorted up to here; read in name order beyond
WALK_MAX = 50_000  # customers read in ID order, at most, for a page of a common name
WALK_SPAN_MIN = 1000  # IDs in the first range read
MAX_TERMS = 6
PHONE_START_MIN, PHONE_END_MIN = 6, 4  # digits of a phone number's start, of its end
SORT = (Customer.last_name_key, Customer.first_name_key, Customer.id)
Word = CustomerNameWord
WORD_SORT = (Word.last_name_key, Word.first_name_key, Word.customer_id)
_PUNCTUATION = re.compile(r"[\s\-().+]")


@dataclass
class Page:
    customers: list
    count: int
    count_is: str  # "exact"; "more than" (count is COUNT_LIMIT); "about" (an estimate)
    start: int  # the 1-based position of the first row shown
    after: str | None  # the token of the next page, when there is one
    before: str | None  # the token of the previous page, when there is one


@dataclass(frozen=True)
class Order:
    """How a page lists its customers: their sort columns, the same columns on the name
    words, and whether going forward reads them descending. Each keeps its keyset."""

    label: str
    columns: tuple
    word_columns: tuple
    descending: bool = False

    def key_of(self, customer) -> list:
        return [getattr(customer, column.name) for column in self.columns]


ORDERS = {
    # Last, first, ID: how a servicer looks people up; or the latest added first.
    "name": Order("Name, A to Z", SORT, WORD_SORT),
    "newest": Order("Newest first", (Customer.id,), (Word.customer_id,), descending=True),
}


@dataclass
class Source:
    """Customers a page draws from: a query of Customer IDs that reads in name order, or
    a range of name words whose index entries are sorted into it."""

    query: object  # of Customer IDs; or of CustomerNameWord rows (`words`)
    count: int  # how many, up to COUNT_LIMIT + 1 (more than the limit: that many)
    tested: bool = False  # read in name order, each row tested (too many to sort)
    words: bool = False

    def page(self, key: list | None = None, backwards: bool = False, order: Order = None):
        """The sort keys (the order's columns, the ID last) of this source's part of a
        page: `backwards` reads the columns descending."""
        order = order or ORDERS["name"]
        if self.words:
            columns = order.word_columns
            return _in_order(self.query.select(*columns).distinct(), columns, key, backwards)
        return page_query(self.query, key, backwards, order)


def search(
    text: str = "",
    status_id: int | None = None,
    customer_type: str | None = None,
    after: str | None = None,
    before: str | None = None,
    start: int = 1,
    order: str = "name",
) -> Page:
    terms = text.replace("\x00", "").split()[:MAX_TERMS]  # (PostgreSQL text holds no NUL)
    sources, count, count_is = sources_for(terms, status_id, customer_type)
    sort = ORDERS.get(order, ORDERS["name"])
    last_page = before == LAST_PAGE
    backwards = last_page or (before is not None and _key(before, sort) is not None)
    key = (
        None
        if last_page
        else _key(before, sort)
        if backwards
        else _key(after, sort)
        if after
        else None
    )
    if key is None and not last_page:
        start = 1
    descending = backwards != sort.descending  # how the columns are read for this page
    ids = {row[-1] for source in sources for row in source.page(key, descending, sort).tuples()}
    customers = _customers(list(ids), descending, sort)
    size = PAGE_SIZE
    if last_page and count_is == "exact" and count:
        size = count % PAGE_SIZE or PAGE_SIZE  # the pages keep their places: 26–30 of 30
    beyond = len(customers) > size
    customers = customers[:size]
    if last_page:  # read backwards from the end: its place is known when the count is
        start = max(count - len(customers) + 1, 1) if count_is == "exact" else 0
    if backwards:
        customers.reverse()
        has_previous, has_next = beyond, not last_page
        if not has_previous:
            start = 1  # back at the first page: its place is known again
    else:
        has_previous, has_next = key is not None, beyond
    _attach_primary_phones(customers)
    return Page(
        customers,
        count,
        count_is,
        start,
        after=_token(customers[-1], sort) if has_next and customers else None,
        before=_token(customers[0], sort) if has_previous and customers else None,
    )


def _attach_primary_phones(customers: list) -> None:
    """Each row's primary phone number (`primary_number`, None when it has none): one query for
    the page's rows, by the phone index's customer column."""
    phones = (
        dict(
            Phone.select(Phone.customer, Phone.number)
            .where(Phone.customer.in_([c.id for c in customers]) & (Phone.is_primary == True))  # noqa: E712
            .tuples()
        )
        if customers
        else {}
    )
    for customer in customers:
        customer.primary_number = phones.get(customer.id)


def page_query(matches, key: list | None = None, backwards: bool = False, order: Order = None):
    """The sort keys of a page of `matches` (a query of Customer IDs) in `order` (name
    order unless said): the first page, or the one after (before, going back) the row
    whose sort key is `key`; one row more than a page, which tells whether there is
    another. Read from an index alone (the name index; the primary key for the newest):
    whatever the planner guesses of a range's size, no customer row is read until the
    page's own."""
    columns = (order or ORDERS["name"]).columns
    return _in_order(matches.select(*columns), columns, key, backwards)


def _in_order(rows, sort: tuple, key: list | None, backwards: bool):
    if key is not None:
        rows = rows.where(Tuple(*sort) < Tuple(*key) if backwards else Tuple(*sort) > Tuple(*key))
    rows = rows.order_by(*(c.desc() for c in sort)) if backwards else rows.order_by(*sort)
    return rows.limit(PAGE_SIZE + 1)


def _customers(ids: list[int], descending: bool, order: Order) -> list:
    """The sources' rows together, with their statuses, in the order's own order, as the
    database sorts it (its collation, which the keyset comparisons use too)."""
    if not ids:
        return []
    rows = Customer.select(Customer, CustomerStatus).join(CustomerStatus).where(_among(ids))
    return list(_in_order(rows, order.columns, None, descending))


# ---- where the matches come from ------------------------------------------------------


def sources_for(terms: list[str], status_id=None, customer_type=None):
    """The sources of a search's matches, and their count for the page: exact up to
    COUNT_LIMIT, "more than" past it, or for the whole book on PostgreSQL the planner's
    estimate ("about")."""
    base = Customer.select(Customer.id)
    filters = _filters(status_id, customer_type)
    if filters:
        base = base.where(*filters)
    if not terms:
        if not filters and isinstance(db.obj, PostgresqlDatabase):
            book = estimated_rows(Customer)  # about how many, without counting
            if book > COUNT_LIMIT:
                return [Source(base, book)], book, "about"
        sources = [Source(base, base.limit(COUNT_LIMIT + 1).count())]
    elif len(terms) == 1 and _one_name_word(terms[0]):
        sources = _name_sources(terms[0], base, filters)
    elif len(terms) == 1 and len(_digits(terms[0]) or "") == 4:
        sources = _last_four_sources(terms[0], base, bool(filters))
    else:
        sources = [_listed_or_tested(base, terms, bool(filters))]
    found = sum(s.count for s in sources)
    if found > COUNT_LIMIT:
        return sources, COUNT_LIMIT, "more than"
    return sources, found, "exact"


def _name_sources(term: str, base, filters: list) -> list[Source]:
    """One word of a name: those whose last name starts with it (a range of the last-name
    index, in name order already), and those with another name word that does (a range
    of the name-word index, sorted; or, when it is too long to sort, the name index read
    in order with each row tested: first names and company words are spread over the
    alphabet of last names, so a page finds its rows soon)."""
    word = words(term)[0]
    last = starts_with(Customer.last_name_key, word)
    by_last = base.where(last)
    sources = [Source(by_last, by_last.limit(COUNT_LIMIT + 1).count())]
    in_range = _word_range(word)
    others = _other_words_range(word).where(*_word_filters(filters))
    needed = COUNT_LIMIT + 1 - sources[0].count  # (none, when the last names pass it)
    count = _count_others(others, needed)
    # Testing rows in order pays when matches are many (a page finds its rows soon);
    # sorting the range when they are few, or the range is short.
    many = count > COUNT_LIMIT or needed <= 0
    if many and in_range.limit(SORT_MAX + 1).count() > SORT_MAX:
        tested = base.where(~last, _other_words_test(word))
        sources.append(Source(tested, count, tested=True))
    elif count or needed <= 0:
        sources.append(Source(others, count, words=True))
    named = base.where(Customer.import_id == term)
    sources.append(Source(named, named.count()))
    return sources


def _last_four_sources(term: str, base, filtered: bool) -> list[Source]:
    """Four digits: the last four of an SSN (a range of the SSN index, in name order
    already; a thousand customers share one in ten million), and what else four digits
    can be (an ID, an import ID, the end of a phone number), listed and sorted."""
    digits = _digits(term)
    ssn = Customer.ssn_last4 == digits
    by_ssn = base.where(ssn)
    sources = [Source(by_ssn, by_ssn.limit(COUNT_LIMIT + 1).count())]
    in_ssn = {row[0] for row in Customer.select(Customer.id).where(ssn).tuples()}
    others = _subquery(term_matches(term, ssn=False)).limit(SORT_MAX + 1)
    ids = [row[0] for row in others.tuples() if row[0] not in in_ssn]
    if len(ids) > SORT_MAX:
        other_ssn = Customer.ssn_last4.is_null() | (Customer.ssn_last4 != digits)
        tested = base.where(row_matches(term), other_ssn)
        return sources + [Source(tested, tested.limit(COUNT_LIMIT + 1).count(), tested=True)]
    return sources + [_listed(base, ids, filtered)]


def _count_others(others, needed: int) -> int:
    """How many customers the other name words add, up to `needed`: none when the last
    names alone reach the limit. Entries are read as the index streams them, in growing
    batches, until `needed` customers are seen or the range ends, never the whole range
    gathered to drop repeats (one customer with two matching words, "Ann Annette", is
    one)."""
    batch = needed
    while batch > 0:
        entries = others.limit(batch).alias("entries")
        seen, distinct = (
            Word.select(fn.COUNT(SQL("*")), fn.COUNT(entries.c.customer_id.distinct()))
            .from_(entries)
            .tuples()
            .get()
        )
        if seen < batch or distinct >= needed:
            return min(distinct, needed)
        batch *= 4  # the batch's repeats kept it short of `needed`: read further
    return 0


def _listed_or_tested(base, terms: list[str], filtered: bool) -> Source:
    """Any other search: the IDs every term matches, from the terms' indexes alone; tested
    row by row in name order when there are too many to sort."""
    ids = _candidates(terms, SORT_MAX + 1)
    if len(ids) > SORT_MAX:
        tested = base
        for term in terms:
            tested = tested.where(row_matches(term))
        return Source(tested, tested.limit(COUNT_LIMIT + 1).count(), tested=True)
    return _listed(base, ids, filtered)


def _listed(base, ids: list[int], filtered: bool) -> Source:
    if not ids:
        return Source(base.where(SQL("1 = 0")), 0)
    listed = base.where(_among(ids))
    # Each ID is a customer's (read from the customers and their phones): only a filter
    # needs them counted again.
    return Source(listed, listed.count() if filtered else len(ids))


def _filters(status_id, customer_type) -> list:
    filters = [Customer.status == status_id] if status_id else []
    return filters + ([Customer.customer_type == customer_type] if customer_type else [])


def _word_filters(filters: list) -> list:
    """The same filters on the name words' copies of the columns."""
    copies = {Customer.status: Word.status_id, Customer.customer_type: Word.customer_type}
    return [copies[f.lhs] == f.rhs for f in filters]


def term_matches(term: str, ssn: bool = True):
    """The IDs of the customers one term matches: a UNION of index lookups (`ssn`: the
    last four of an SSN among them)."""
    parts = [Customer.select(Customer.id).where(Customer.import_id == term)]
    digits = _digits(term)
    if digits:
        if len(digits) < 19:  # an ID fits in 64 bits
            parts.append(Customer.select(Customer.id).where(Customer.id == int(digits)))
        if len(digits) == 4 and ssn:
            parts.append(Customer.select(Customer.id).where(Customer.ssn_last4 == digits))
        if len(digits) >= PHONE_END_MIN:
            parts.append(Phone.select(Phone.customer).where(_phone_matches(digits)))
    elif "@" in term:
        email = starts_with(Customer.email_key, fold(term))
        parts.append(Customer.select(Customer.id).where(email))
    elif wanted := words(term):
        parts.append(_subquery(name_word_matches(" ".join(wanted))))
    return _union(parts)


def name_word_matches(term: str):
    """The IDs of the customers with a name word starting with each word of `term`."""
    found = None
    for word in words(term) or ["\x00"]:
        by_last = Customer.select(Customer.id).where(starts_with(Customer.last_name_key, word))
        either = by_last | _word_range(word)
        found = either if found is None else found & _subquery(either)
    return found


@dataclass
class NameMatches:
    """The customers with a name word starting with each word of `term`, as the API's
    search lists them: in ID order, counted up to a limit.

    A common name is paged by reading customers in ID order with the test made on each
    row: its matches are spread over the IDs, so a page comes after a few thousand rows,
    where listing the matches to sort them would read tens of thousands of index entries
    and hash them all. A rarer one (or a deep page) is listed and sorted."""

    term: str

    def ids(self):
        return name_word_matches(self.term)

    def count(self, limit: int) -> int:
        """How many, up to `limit`: for one word, as its two indexes stream their entries
        (which no customer is in twice), not every match gathered to drop repeats."""
        wanted = words(self.term)
        if len(wanted) > 1:
            return _subquery(self.ids()).limit(limit).count()
        by_last = Customer.select(Customer.id).where(starts_with(Customer.last_name_key, wanted[0]))
        found = by_last.limit(limit).count()
        return found + _count_others(_other_words_range(wanted[0]), limit - found)

    def page(self, start: int, size: int, descending: bool, total: int) -> list[int]:
        """The IDs of one page in ID order, given how many there are (`total`, counted up
        to a limit): read in ID order when that reaches the page within WALK_MAX rows."""
        highest = Customer.select(fn.MAX(Customer.id)).scalar() or 0
        if total and (start + size) * highest <= WALK_MAX * total:
            return self._walk(start + size, descending, highest, total)[start:]
        order = SQL(f"1 {'DESC' if descending else 'ASC'}")
        rows = self.ids().order_by(order).offset(start).limit(size)
        return [row[0] for row in rows.tuples()]

    def _walk(self, wanted: int, descending: bool, highest: int, total: int) -> list[int]:
        """The first `wanted` matches in ID order, read through ranges of IDs sized to
        hold them (the matches spread over the IDs): each query reads one range of the
        primary key, whatever the planner guesses of the name test."""
        test = _name_test(words(self.term))
        span = max(WALK_SPAN_MIN, wanted * highest // total * 2)
        found: list[int] = []
        edge = highest + 1 if descending else 0
        while len(found) < wanted and (edge > 1 if descending else edge < highest):
            if descending:
                ids, edge = (Customer.id < edge) & (Customer.id >= edge - span), edge - span
            else:
                ids, edge = (Customer.id > edge) & (Customer.id <= edge + span), edge + span
            order = Customer.id.desc() if descending else Customer.id.asc()
            rows = Customer.select(Customer.id).where(ids, test).order_by(order)
            found += [row[0] for row in rows.limit(wanted - len(found)).tuples()]
            span *= 2  # fewer matches here than the count foretold: take longer strides
        return found


def row_matches(term: str):
    """The same test as term_matches, made on a customer row (for reading in order)."""
    test = Customer.import_id == term
    digits = _digits(term)
    if digits:
        if len(digits) < 19:
            test |= Customer.id == int(digits)
        if len(digits) == 4:
            test |= Customer.ssn_last4 == digits
        if len(digits) >= PHONE_END_MIN:
            phones = Phone.select(SQL("1")).where(
                (Phone.customer == Customer.id) & _phone_matches(digits)
            )
            test |= fn.EXISTS(phones)
    elif "@" in term:
        test |= starts_with(Customer.email_key, fold(term))
    elif wanted := words(term):
        test |= _name_test(wanted)
    return test


def _name_test(wanted: list[str]):
    """Each of the words `wanted` starts a word of the names (tested on a customer row)."""
    named = None
    for word in wanted:
        either = starts_with(Customer.last_name_key, word) | _other_words_test(word)
        named = either if named is None else named & either
    return named


def _word_range(word: str):
    """The name-word index's entries for words starting with `word` (their customers)."""
    return Word.select(Word.customer_id).where(starts_with(Word.word, word))


def _other_words_range(word: str):
    """The name-word entries for `word` of customers whose last name does not start with
    it (those are the last-name index's): no customer is in both."""
    return _word_range(word).where(~starts_with(Word.last_name_key, word))


def _other_words_test(word: str):
    """A word of the names other than the start of the last name starts with `word`."""
    return Customer.other_name_words ** f"% {word}%"


def _candidates(terms: list[str], limit: int) -> list[int]:
    return [row[0] for row in candidates_query(terms, limit).tuples()]


def candidates_query(terms: list[str], limit: int):
    """The IDs every term matches (up to `limit`), from the terms' indexes alone."""
    found = None
    for term in terms:
        matches = term_matches(term)
        found = matches if found is None else found & _subquery(matches)
    return _subquery(found).limit(limit)


def _subquery(compound):
    """A compound select as a plain one (SQLite reads A UNION B INTERSECT C left to right,
    whatever the parentheses)."""
    alias = compound.alias(f"m{id(compound) % 100000}")
    return Customer.select(SQL(f'"{alias._alias}".*')).from_(alias)


def _phone_matches(digits: str):
    matches = starts_with(Phone.number_reversed, digits[::-1])
    if len(digits) >= PHONE_START_MIN:
        matches |= starts_with(Phone.number, digits)
    return matches


def _digits(term: str) -> str | None:
    digits = _PUNCTUATION.sub("", term)
    return digits if is_digits(digits) else None


def _one_name_word(term: str) -> bool:
    return not _digits(term) and "@" not in term and len(words(term)) == 1


def _union(parts: list):
    union = parts[0]
    for part in parts[1:]:
        union = union | part
    return union


def _among(ids: list[int]):
    """Customer.id is one of `ids`, bound as one parameter (a list of thousands would
    otherwise be thousands of parameters)."""
    if isinstance(db.obj, PostgresqlDatabase):
        return Customer.id == fn.ANY(SQL("%s::bigint[]", [ids]))
    return Customer.id.in_(SQL("(SELECT value FROM json_each(?))", [json.dumps(ids)]))


def starts_with(column, prefix: str):
    """`column` starts with `prefix`, as a range: it uses the column's index on SQLite and
    PostgreSQL alike (LIKE would not, under most collations)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (column >= prefix) & (column < upper)


def _token(customer, order: Order) -> str:
    key = order.key_of(customer)
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _key(token: str | None, order: Order) -> list | None:
    """A page token back to its sort key in `order` (texts, then the ID); None for
    anything that is not one."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    if (
        isinstance(key, list)
        and len(key) == len(order.columns)
        and all(isinstance(k, str) for k in key[:-1])
        and isinstance(key[-1], int)
        and not isinstance(key[-1], bool)
        and abs(key[-1]) < 2**63
    ):
        return key
    return None
