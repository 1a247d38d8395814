"""The Elasticsearch query DSL that LoanPro's Autopal.Search() takes, answered in SQL over
a search document (api/search_documents.py says what each field is).

Elasticsearch's rules, as a client relies on them:
- a field the document does not have matches nothing (it is not an error), so a `should`
  over known and unknown fields still finds what the known ones match;
- `bool`: `must` and `filter` are required, `must_not` excluded, and `should` is
  required only when nothing else is (or when `minimum_should_match` says so);
  an empty `bool`, like `match_all`, matches everything;
- `match` finds the words of its text among the field's words (any of them, or all with
  "operator": "and"); `term` and `terms` compare whole values; `query_string` takes
  words with * and ? wildcards, `field:word`, and AND / OR / NOT between words;
- `range` compares numbers and dates; `exists` asks for a value.

What this module builds is a peewee expression; the caller pages, sorts and aggregates."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from peewee import SQL, Case, NodeList, Value, fn

from webapp.api.odata import QueryRefused
from webapp.rules.folding import fold

NOTHING = SQL("1 = 0")
EVERYTHING = SQL("1 = 1")


@dataclass(frozen=True)
class SearchField:
    """One field of a search document.

    kind: "text" (words), "keyword" (a whole value), "number", "flag" (0 / 1) or "date";
    text and keywords are compared folded (case and accents aside).
    column: the SQL expression of the value, on the document's own row or on `via`'s.
    via: for a value kept in another table, turns a condition on `column` into one on the
    document's row (e.g. "the customer has a primary address where …").
    value: the value as an expression on the document's row, for sorting and aggregating
    (`column` itself when there is no `via`; None: the field cannot be sorted on).
    matcher: a faster way to match a word or pattern (a LIKE pattern in, an expression
    or None out); `strict`: the matcher's None means no match, never a LIKE.
    prefix: LoanPro's enum prefix, taken off a value a query gives with it.
    folded: the column holds folded text already (an indexed search key)."""

    kind: str
    column: object
    via: object = None
    value: object = None
    matcher: object = None
    strict: bool = False
    prefix: str = ""
    folded: bool = False

    def where(self, condition):
        return self.via(condition) if self.via is not None else condition

    @property
    def sortable(self):
        return self.value if self.value is not None else (None if self.via else self.column)

    def text(self):
        return self.column if self.folded else fn.LOWER(self.column)


class Document:
    """A search document: its fields by name, and the fields `query_string` searches when
    the query names none."""

    def __init__(self, fields: dict[str, SearchField], default_fields: tuple[str, ...]):
        self.fields, self.default_fields = fields, default_fields

    def field(self, name: str) -> SearchField | None:
        return self.fields.get(name)


def expression(document: Document, clause) -> object:
    """The SQL condition of one query clause."""
    if not isinstance(clause, dict) or len(clause) != 1:
        raise QueryRefused('each clause is one object such as {"match": {"firstName": "Ann"}}.')
    ((kind, body),) = clause.items()
    builder = _CLAUSES.get(kind)
    if builder is None:
        raise QueryRefused(f"{kind!r} is not supported; use {', '.join(_CLAUSES)}.")
    if not isinstance(body, dict):
        raise QueryRefused(f"{kind} takes an object.")
    return builder(document, body)


def _bool(document: Document, body: dict):
    required = [expression(document, c) for k in ("must", "filter") for c in _listed(body, k)]
    # (mustNot: the older camelCase spelling, which loanpro-sdk-php's generator writes)
    excluded = [expression(document, c) for k in ("must_not", "mustNot") for c in _listed(body, k)]
    should = [expression(document, c) for c in _listed(body, "should")]
    if not (required or excluded or should):
        return EVERYTHING  # an empty bool, whatever minimum_should_match says
    least = body.get("minimum_should_match")
    wanted = _least(least, len(should)) if least is not None else int(bool(should) and not required)
    if wanted > len(should):
        required.append(NOTHING)
    elif wanted == 1:
        required.append(_any(should))
    elif wanted > 1:
        required.append(sum(Case(None, [(c, 1)], 0) for c in should) >= wanted)
    condition = _all(required) if required else EVERYTHING
    for clause in excluded:
        condition &= ~clause
    return condition


def _least(value, count: int) -> int:
    text = str(value).strip()
    try:
        if text.endswith("%"):
            number = int(count * abs(int(text[:-1])) / 100)
            return count - number if text.startswith("-") else number
        number = int(text)
    except ValueError:
        raise QueryRefused(
            f"minimum_should_match {value!r} is a whole number or a percentage."
        ) from None
    return count + number if number < 0 else number


def _match_all(document: Document, body: dict):
    return EVERYTHING


def _match(document: Document, body: dict, phrase: bool = False):
    name, value = _single(body, "match_phrase" if phrase else "match")
    options = value if isinstance(value, dict) else {}
    text = options.get("query") if isinstance(value, dict) else value
    field = document.field(name)
    if field is None:
        return NOTHING
    if field.kind != "text":
        return _equals(field, text)
    words = _words(text)
    if not words:
        return NOTHING
    if phrase:
        return _word_condition(field, " ".join(words))
    conditions = [_word_condition(field, w) for w in words]
    operator = str(options.get("operator", "or")).lower()
    return _all(conditions) if operator == "and" else _any(conditions)


def _match_phrase(document: Document, body: dict):
    return _match(document, body, phrase=True)


def _term(document: Document, body: dict):
    name, value = _single(body, "term")
    value = value.get("value") if isinstance(value, dict) else value
    field = document.field(name)
    return NOTHING if field is None else _equals(field, value)


def _terms(document: Document, body: dict):
    body = {k: v for k, v in body.items() if k != "boost"}
    name, values = _single(body, "terms")
    field = document.field(name)
    if not isinstance(values, list):
        raise QueryRefused("terms takes a list of values.")
    if field is None or not values:
        return NOTHING
    return _any([_equals(field, v) for v in values])


def _range(document: Document, body: dict):
    name, bounds = _single(body, "range")
    field = document.field(name)
    if not isinstance(bounds, dict):
        raise QueryRefused('range takes bounds such as {"gte": 10}.')
    if field is None:
        return NOTHING
    operators = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}
    condition = field.column.is_null(False)
    for op, value in bounds.items():
        if op in operators:
            condition &= getattr(field.column, operators[op])(_typed(field, value))
    return field.where(condition)


def _exists(document: Document, body: dict):
    field = document.field(str(body.get("field", "")))
    if field is None:
        return NOTHING
    condition = field.column.is_null(False)
    if field.kind in ("text", "keyword"):
        condition &= field.column != ""
    return field.where(condition)


_OPERATORS = {"AND", "OR", "&&", "||"}


def _query_string(document: Document, body: dict):
    text = str(body.get("query", "")).strip()
    if not text:
        raise QueryRefused("query_string needs a query.")
    names = body.get("fields") or ([body["default_field"]] if body.get("default_field") else None)
    names = list(names) if names else list(document.default_fields)
    default_and = str(body.get("default_operator", "OR")).upper() == "AND"
    # Words joined by the default operator unless an AND / OR between them says otherwise;
    # NOT (or a leading -) excludes a word.
    combined, joiner, negate = None, None, False
    for token in _tokens(text):
        upper = token.upper()
        if upper in _OPERATORS:
            joiner = "AND" if upper in ("AND", "&&") else "OR"
            continue
        if upper == "NOT" or token == "!":
            negate = True
            continue
        if token.startswith("-") and len(token) > 1:
            token, negate = token[1:], True
        condition = _query_word(document, token, names)
        if negate:
            condition, negate = ~condition, False
        if combined is None:
            combined = condition
        elif (joiner or ("AND" if default_and else "OR")) == "AND":
            combined &= condition
        else:
            combined |= condition
        joiner = None
    return combined if combined is not None else NOTHING


def _tokens(text: str) -> list[str]:
    """Words and "quoted phrases" (kept whole), without brackets."""
    return [m.group(1) or m.group(2) for m in re.finditer(r'"([^"]*)"|([^\s()]+)', text)]


def _query_word(document: Document, token: str, names: list[str]):
    name, colon, word = token.partition(":")
    if colon and word and not name.startswith("*"):
        names, token = [name], word
    conditions = [
        _pattern_condition(document.field(n), token) for n in names if document.field(n) is not None
    ]
    conditions = [c for c in conditions if c is not None]
    return _any(conditions) if conditions else NOTHING


def _pattern_condition(field: SearchField, token: str):
    """A query_string word (with * and ?) against one field; None where it cannot apply
    (a word against a number field, as Elasticsearch's lenient mode ignores it)."""
    if field.kind in ("number", "flag", "date"):
        if "*" in token or "?" in token:
            return None
        try:
            return _equals(field, token)
        except QueryRefused:
            return None
    if field.kind == "keyword":
        if "*" not in token and "?" not in token:
            return _equals(field, token)
        return _matched(field, _pattern(token.removeprefix(field.prefix))) or field.where(
            _like(field.text(), _pattern(token.removeprefix(field.prefix)))
        )
    return _word_condition(field, token)


def _matched(field: SearchField, pattern: str):
    """The field's own matcher's answer (NOTHING when a strict one has none), or None."""
    if field.matcher is None:
        return None
    condition = field.matcher(pattern)
    if condition is None and field.strict:
        return NOTHING
    return condition


def _like(column, pattern: str):
    """LIKE, not ILIKE: `column` is lower-cased text (SearchField.text) and the pattern
    folded, and PostgreSQL's ILIKE costs several times more per row."""
    # (written out: peewee turns its LIKE into GLOB on SQLite, which takes no ESCAPE)
    return NodeList((column, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)


def _word_condition(field: SearchField, word: str):
    """A word, or a wildcard pattern of one, among a text field's words (a phrase: its
    words in a row). A word matches whole: "ann" finds Ann, not Anna; "ann*" finds both."""
    pattern = _pattern(word)
    condition = _matched(field, pattern)
    if condition is not None:
        return condition
    text = field.text()
    if pattern.startswith("%") and pattern.endswith("%"):
        return field.where(_like(text, pattern))  # (any word containing it: one test)
    return field.where(
        _like(text, pattern)
        | _like(text, f"{pattern} %")
        | _like(text, f"% {pattern}")
        | _like(text, f"% {pattern} %")
    )


def _equals(field: SearchField, value):
    if field.kind in ("text", "keyword"):
        if value is None or isinstance(value, (dict, list)):
            raise QueryRefused("compare a text field with text.")
        text = fold(str(value).strip().removeprefix(field.prefix))
        if field.matcher is not None and field.kind == "keyword":
            condition = _matched(field, re.sub(r"([\\%_])", r"\\\1", text))
            if condition is not None:
                return condition
        return field.where(field.text() == text)
    return field.where(field.column == _typed(field, value))


def _typed(field: SearchField, value):
    if field.kind in ("number", "flag"):
        try:
            number = Decimal(int(value) if isinstance(value, bool) else str(value).strip())
        except InvalidOperation:
            raise QueryRefused(f"{value!r} is not a number.") from None
        return bool(number) if field.kind == "flag" else number
    if field.kind == "date":
        text = str(value).strip()
        if text == "now":
            return dt.date.today()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise QueryRefused(f"{value!r} is not a date (YYYY-MM-DD).") from None
    return fold(str(value))


def _pattern(term: str) -> str:
    """A word with * and ? as a LIKE pattern; % and _ typed by the client match
    themselves (the columns searched are compared folded, with `\\` as the escape)."""
    if "\x00" in term:
        raise QueryRefused("a search term contains a NUL character.")
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def _words(value) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", fold(str(value or ""))) if w]


def _single(body: dict, kind: str) -> tuple[str, object]:
    if len(body) != 1:
        raise QueryRefused(f'{kind} names one field, e.g. {{"{kind}": {{"lastName": "Smith"}}}}.')
    ((name, value),) = body.items()
    return str(name), value


def _listed(body: dict, key: str) -> list:
    value = body.get(key)
    return [] if value is None else value if isinstance(value, list) else [value]


def _all(conditions: list):
    result = conditions[0]
    for condition in conditions[1:]:
        result &= condition
    return result


def _any(conditions: list):
    result = conditions[0]
    for condition in conditions[1:]:
        result |= condition
    return result


_CLAUSES = {
    "bool": _bool,
    "match_all": _match_all,
    "match": _match,
    "match_phrase": _match_phrase,
    "term": _term,
    "terms": _terms,
    "range": _range,
    "exists": _exists,
    "query_string": _query_string,
}
