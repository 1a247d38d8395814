"""The part of OData v2's query language LoanPro's API takes: $filter, $orderby, $select.

$filter is parsed into a Peewee expression over a table of allowed fields only, so no
text from a query string ever reaches SQL except as a bound parameter."""

import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from peewee import OP, SQL, Expression, NodeList, Value, fn

from webapp.models import Customer, CustomerStatus
from webapp.rules.folding import fold
from webapp.services.refusal import Refused
from webapp.services.search import starts_with


class QueryRefused(Refused):
    """A query option we cannot read; the message says where."""


@dataclass(frozen=True)
class Filterable:
    column: object
    kind: str = "text"  # text | number | date | datetime | enum
    prefix: str = ""  # LoanPro's enum prefix, stripped from literals
    key: object = None  # the folded, indexed copy that eq / startswith / ordering use


def _status_by_title(op: str, value):
    titles = CustomerStatus.select(CustomerStatus.id).where(
        fn.LOWER(CustomerStatus.title) == str(value).lower()
    )
    return Customer.status.in_(titles) if op == "eq" else Customer.status.not_in(titles)


CUSTOMER_FILTERS = {
    "id": Filterable(Customer.id, "number"),
    "customId": Filterable(Customer.import_id),
    "firstName": Filterable(Customer.first_name, key=Customer.first_name_key),
    "middleName": Filterable(Customer.middle_name),
    "lastName": Filterable(Customer.last_name, key=Customer.last_name_key),
    "companyName": Filterable(Customer.company_name, key=Customer.company_name_key),
    "email": Filterable(Customer.email, key=Customer.email_key),
    "accessUserName": Filterable(Customer.username),
    "customerType": Filterable(Customer.customer_type, "enum", "customer.type."),
    "gender": Filterable(Customer.gender, "enum", "customer.gender."),
    "statusId": Filterable(Customer.status, "number"),
    "status": Filterable(_status_by_title, "status"),
    "creditLimit": Filterable(Customer.credit_limit, "number"),
    "birthDate": Filterable(Customer.birth_date, "date"),
    "created": Filterable(Customer.created_at, "datetime"),
    "lastUpdate": Filterable(Customer.updated_at, "datetime"),
}
ORDERABLE = {name: f.key or f.column for name, f in CUSTOMER_FILTERS.items() if f.kind != "status"}


def list_pattern(names, suffix: str = "") -> str:
    """A regex for a comma-separated list of `names` (each optionally followed by
    `suffix`): the OpenAPI document publishes it and the server checks with it."""
    item = f"(?:{'|'.join(re.escape(n) for n in sorted(names, key=len, reverse=True))}){suffix}"
    return f"^{item}(?:,{item})*$"


ORDERBY_PATTERN = list_pattern(ORDERABLE, "(?: (?:asc|desc))?")


def filter_pattern(fields: dict) -> str:
    """The everyday part of the $filter grammar as a regex, for the OpenAPI document
    (the server reads more: parentheses, not, contains/startswith/endswith)."""
    text = "|".join(n for n, f in fields.items() if f.kind in ("text", "enum"))
    numbers = "|".join(n for n, f in fields.items() if f.kind == "number")
    dates = "|".join(n for n, f in fields.items() if f.kind in ("date", "datetime"))
    when = (
        "datetime'(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
        "T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]'"
    )
    literal = "'(?:[^'\\x00-\\x1f]|'')*'"
    comparison = (
        f"(?:(?:{numbers}) (?:eq|ne|lt|le|gt|ge) -?[0-9]{{1,15}}"
        f"|(?:{text}) (?:eq|ne) {literal}"
        f"|substringof\\({literal}, ?(?:{text})\\)"
        f"|(?:{dates}) (?:eq|ne|lt|le|gt|ge) {when})"
    )
    return f"^{comparison}(?: (?:and|or) {comparison})*$"


FILTER_PATTERN = filter_pattern(CUSTOMER_FILTERS)

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<datetime>datetime'[^']*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
)""",
    re.VERBOSE,
)
COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge"}
MAX_COMPARISONS = 100  # in one $filter
MAX_DEPTH = 20  # of parentheses and nots
TEXT_FUNCTIONS = {"substringof", "contains", "startswith", "endswith"}


def _balanced(parts: list, join):
    """a OR b OR c … as a balanced tree: a long chain would nest as deep as it is long,
    past what the databases' parsers take."""
    while len(parts) > 1:
        pairs = [join(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        parts = pairs + (parts[-1:] if len(parts) % 2 else [])
    return parts[0]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryRefused(
                f"$filter: cannot read '{text[position : position + 20]}' "
                f"(at character {position + 1})."
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


class _Parser:
    def __init__(self, text: str, fields: dict[str, Filterable]):
        if "\x00" in text:  # databases refuse NUL inside text
            raise QueryRefused("$filter: contains a NUL character.")
        self.tokens = _tokens(text)
        self.at = 0
        self.fields = fields
        self.depth = self.comparisons = 0

    def peek(self, value: str | None = None) -> bool:
        if self.at >= len(self.tokens):
            return False
        return value is None or self.tokens[self.at][1].lower() == value

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            wanted = f"; expected {expected!r}" if expected else ""
            raise QueryRefused(f"$filter ends too early{wanted}.")
        token = self.tokens[self.at]
        if expected is not None and token[1].lower() != expected:
            raise QueryRefused(f"$filter: expected {expected!r}, found {token[1]!r}.")
        self.at += 1
        return token

    def parse(self):
        expression = self.either()
        if self.at != len(self.tokens):
            raise QueryRefused(f"$filter: unexpected {self.tokens[self.at][1]!r}.")
        return expression

    def either(self):
        parts = [self.both()]
        while self.peek("or"):
            self.take()
            parts.append(self.both())
        return _balanced(parts, operator.or_)

    def both(self):
        parts = [self.unary()]
        while self.peek("and"):
            self.take()
            parts.append(self.unary())
        return _balanced(parts, operator.and_)

    def unary(self):
        if self.peek("not") or self.peek("("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryRefused(f"$filter: nested more than {MAX_DEPTH} deep.")
            try:
                if self.take()[1].lower() == "not":
                    return ~self.unary()
                expression = self.either()
                self.take(")")
                return expression
            finally:
                self.depth -= 1
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise QueryRefused(f"$filter: more than {MAX_COMPARISONS} comparisons.")
        kind, word = self.take()
        if kind != "word":
            raise QueryRefused(f"$filter: expected a field name, found {word!r}.")
        if word.lower() in TEXT_FUNCTIONS:
            return self.text_function(word.lower())
        field = self.field(word)
        _, op = self.take()
        if op.lower() not in COMPARISONS:
            raise QueryRefused(f"$filter: {op!r} is not one of {', '.join(sorted(COMPARISONS))}.")
        return compare(field, op.lower(), self.literal(field))

    def text_function(self, name: str):
        self.take("(")
        if self.at >= len(self.tokens):
            raise QueryRefused(f"$filter ends inside {name}(…).")
        first = self.tokens[self.at]
        if name == "substringof":  # substringof('text', field)
            text = self.literal(Filterable(None))
            self.take(",")
            field = self.field(self.take()[1])
        else:  # contains(field, 'text')
            field = self.field(first[1]) if first[0] == "word" else None
            if field is None:
                raise QueryRefused(f"$filter: {name} takes a field first.")
            self.take()
            self.take(",")
            text = self.literal(Filterable(None))
        self.take(")")
        if self.peek("eq"):  # "substringof('x', name) eq true"
            self.take()
            self.take("true")
        if field.kind not in ("text", "enum"):
            raise QueryRefused(f"$filter: {name} works on text fields only.")
        if name == "startswith" and field.key is not None and str(text):
            return starts_with(field.key, fold(str(text)))  # the key's index
        # The text is matched as typed: its % and _ are not wildcards.
        literal = re.sub(r"([\\%_])", r"\\\1", str(text))
        pattern = {"startswith": f"{literal}%", "endswith": f"%{literal}"}.get(name, f"%{literal}%")
        return Expression(field.column, OP.ILIKE, NodeList((Value(pattern), SQL("ESCAPE '\\'"))))

    def field(self, name: str) -> Filterable:
        if name not in self.fields:
            raise QueryRefused(
                f"$filter: no field {name!r}; filterable fields are "
                f"{', '.join(sorted(self.fields))}."
            )
        return self.fields[name]

    def literal(self, field: Filterable):
        kind, text = self.take()
        if kind == "string":
            value = text[1:-1].replace("''", "'")
            return (
                value[len(field.prefix) :]
                if field.prefix and value.startswith(field.prefix)
                else value
            )
        if kind == "number":
            number = float(text) if "." in text else int(text)
            if abs(number) >= 2**63:
                raise QueryRefused(f"$filter: {text} is too large a number.")
            return number
        if kind == "datetime":
            return _datetime(text[9:-1])
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        raise QueryRefused(f"$filter: expected a value, found {text!r}.")


def _datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", ""))
    except ValueError:
        raise QueryRefused(
            f"$filter: datetime'{text}' is not a date and time (use datetime'2024-01-31T00:00:00')."
        ) from None


KIND_NAMES = {
    "text": "text",
    "enum": "text",
    "number": "a number",
    "date": "a date (datetime'2024-01-31T00:00:00')",
    "datetime": "a date and time (datetime'2024-01-31T00:00:00')",
}


def _fits(kind: str, value) -> bool:
    """Whether a literal can be compared with a field of this kind (the databases would
    otherwise refuse the query, or compare text with numbers)."""
    if isinstance(value, bool):
        return kind in ("number", "text", "enum")  # flags are stored as 0 / 1 or text
    if kind == "number":
        return isinstance(value, int | float)
    if kind in ("date", "datetime"):
        return isinstance(value, dt.date)
    return isinstance(value, str)


def _literal(value) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value).lower()


def compare(field: Filterable, op: str, value):
    if field.kind == "status":
        if op not in ("eq", "ne"):
            raise QueryRefused("$filter: status takes eq or ne (or use statusId).")
        return field.column(op, value)
    column = field.column
    if isinstance(value, dt.datetime) and field.kind == "date":
        value = value.date()
    if field.kind in ("text", "enum") and type(value) in (int, float):
        value = str(value)  # customId eq 123: the text 123
    if value is not None and not _fits(field.kind, value):
        raise QueryRefused(
            f"$filter: {_literal(value)} is not {KIND_NAMES[field.kind]}, which this field holds."
        )
    if value is None:
        if op not in ("eq", "ne"):
            raise QueryRefused("$filter: null takes eq or ne.")
        return column.is_null(op == "eq")
    if field.key is not None and isinstance(value, str) and op in ("eq", "ne"):
        column, value = field.key, fold(value)  # case- and accent-blind, through the index
    elif field.kind in ("text", "enum") and isinstance(value, str) and op in ("eq", "ne"):
        column, value = fn.LOWER(column), value.lower()  # as case-blind as the UI search
    operations: dict[str, Callable] = {
        "eq": lambda c, v: c == v,
        "ne": lambda c, v: c != v,
        "lt": lambda c, v: c < v,
        "le": lambda c, v: c <= v,
        "gt": lambda c, v: c > v,
        "ge": lambda c, v: c >= v,
    }
    return operations[op](column, value)


def parse_filter(text: str, fields: dict[str, Filterable] = CUSTOMER_FILTERS):
    return _Parser(text, fields).parse()


def parse_orderby(text: str, columns: dict = ORDERABLE) -> list:
    if not text:
        return []
    if not re.fullmatch(ORDERBY_PATTERN, text):
        raise QueryRefused(
            f"$orderby: cannot read {text!r}; give fields of "
            f"{', '.join(sorted(columns))}, each optionally followed by "
            "' asc' or ' desc', separated by commas."
        )
    order = []
    for part in text.split(","):
        name, _, direction = part.partition(" ")
        order.append(columns[name].desc() if direction == "desc" else columns[name].asc())
    return order
