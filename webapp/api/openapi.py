"""/api/openapi.json: the API described as OpenAPI 3, built from the same route list the
blueprint serves (a test checks that every API route is described)."""

from flask import jsonify

from webapp.api import ODATA, bp
from webapp.api.entities import (
    EXPAND_PATTERN,
    MAX_PAGE,
    MAX_START,
    NAVIGATION,
    NOPAGING_MAX,
    SELECT_PATTERN,
)
from webapp.api.fields import TOP_FIELDS
from webapp.api.loan_entities import LOAN_NAVIGATION, STORED_ROLES
from webapp.api.loans import ACCESS_FLAGS, LOAN_FILTER_PATTERN
from webapp.api.odata import (
    CUSTOMER_FILTERS,
    FILTER_PATTERN,
    ORDERABLE,
    ORDERBY_PATTERN,
    list_pattern,
)
from webapp.api.search import RESULT_WINDOW
from webapp.api.search_documents import customer_document, loan_document

_ERROR = {
    "description": "",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}


def _responses(ok: str, *errors: int) -> dict:
    texts = {
        400: "The request could not be read",
        401: "No valid token or tenant ID",
        403: "The token's role may not do this",
        404: "Not found",
        409: "Clashes with stored data",
        422: "A field breaks a rule",
        412: "The customer changed since the version If-Match names",
        429: "Too many requests for this token",
    }
    responses = {"200": {"description": ok, **_OBJECT}}
    for code in (400, 401, 404, 429, *errors):
        responses[str(code)] = {**_ERROR, "description": texts[code]}
    return responses


def _search(documents: str, document) -> dict:
    sortable = sorted(n for n, f in document.fields.items() if f.sortable is not None)
    return {
        "summary": f"Search {documents} (Elasticsearch query subset)",
        "description": (
            f"A search reaches its first {RESULT_WINDOW:,} results: summary.total counts up "
            "to there, and from + size ($start + $top) stays within it. Ten to a page."
        ),
        "parameters": [
            _query(
                "$top", "Page size", {"type": "integer", "minimum": 0, "maximum": RESULT_WINDOW}
            ),
            _query(
                "$start",
                "Rows to skip",
                {"type": "integer", "minimum": 0, "maximum": RESULT_WINDOW - 1},
            ),
            _query(
                "$orderby",
                "e.g. 'id desc'; fields: " + ", ".join(sortable),
                {"type": "string", "pattern": list_pattern(sortable, "(?: (?:asc|desc))?")},
            ),
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Search"}}},
        },
        "responses": _responses(f"Matching {documents} as search documents", 422),
    }


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "format": "int64", "minimum": 1},
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of GET Customers(id): the write is refused (412) when "
    "the customer has changed since. Without it, a PUT changes the "
    "fields it names on the customer as it is now.",
    "schema": {"type": "string", "pattern": '^(\\*|(W/)?"[0-9]{1,11}")$'},
}
_TOP = _query(
    "$top",
    f"Page size (default 50, at most {MAX_PAGE})",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
)
_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CustomerBody"}}},
}
_ORDERBY = _query(
    "$orderby",
    "e.g. 'lastName desc,id'; fields: " + ", ".join(ORDERABLE),
    {"type": "string", "pattern": ORDERBY_PATTERN},
)
_LOAN_FILTER = _query(
    "$filter", "e.g. id eq 5 or id eq 7", {"type": "string", "pattern": LOAN_FILTER_PATTERN}
)
_EXPAND_ANY = _query(
    "$expand", "Navigation to include", {"type": "string", "pattern": EXPAND_PATTERN}
)
_LIST_OPTIONS = [
    _TOP,
    _query("$skip", "Rows to skip", {"type": "integer", "minimum": 0, "maximum": MAX_START}),
    _ORDERBY,
    _query(
        "$select", "Comma-separated fields to return", {"type": "string", "pattern": SELECT_PATTERN}
    ),
    _query(
        "$expand",
        "Navigation to include: " + ", ".join(NAVIGATION),
        {"type": "string", "pattern": EXPAND_PATTERN},
    ),
    _query(
        "$filter",
        "Comparisons (eq ne lt le gt ge) joined by and / or, with parentheses "
        "and not; substringof('text', field), contains(field, 'text'), "
        "startswith, endswith; datetime'YYYY-MM-DDThh:mm:ss' literals. The "
        "pattern shows the everyday subset. Fields: " + ", ".join(CUSTOMER_FILTERS),
        {"type": "string", "pattern": FILTER_PATTERN},
    ),
    _query(
        "nopaging",
        f"Present (with any value): the whole list in one answer, for lists of up to "
        f"{NOPAGING_MAX:,} customers (a longer one is refused: page it)",
        {"type": "string"},
    ),
]


def document() -> dict:
    base = ODATA.removeprefix("/api")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Customer servicing API",
            "version": "1",
            "description": "Customers, statuses and loan links in the shape of "
            "LoanPro's public API.",
        },
        "servers": [{"url": "/api"}],
        "security": [{"bearer": [], "tenant": []}],
        "paths": {
            f"{base}/Customers()": {
                "get": {
                    "summary": "List customers",
                    "parameters": _LIST_OPTIONS,
                    "responses": _responses("A page of customers"),
                },
                "post": {
                    "summary": "Add a customer",
                    "requestBody": _BODY,
                    "responses": _responses("The new customer", 409, 422),
                },
            },
            f"{base}/Customers({{id}})": {
                "parameters": [_ID],
                "get": {
                    "summary": "One customer",
                    "parameters": _LIST_OPTIONS[3:5],
                    "responses": _responses("The customer"),
                },
                "put": {
                    "summary": "Change a customer (only the fields sent)",
                    "parameters": [_IF_MATCH],
                    "requestBody": _BODY,
                    "responses": _responses("The customer as saved", 409, 412, 422),
                },
                "delete": {
                    "summary": "Delete a customer for good (loans stay)",
                    "parameters": [_IF_MATCH],
                    "responses": _responses("Deleted", 403, 412),
                },
            },
            f"{base}/Customers({{id}})/{{navigation}}": {
                "parameters": [
                    _ID,
                    {
                        "name": "navigation",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(NAVIGATION)},
                    },
                ],
                "get": {
                    "summary": "A customer's addresses, phones, employer, references, "
                    "custom field values or loans",
                    "responses": _responses("The related entity or list"),
                },
            },
            f"{base}/Customers({{id}})/Autopal.OfacTest()": {
                "parameters": [_ID],
                "post": {
                    "summary": "Screen the customer against the loaded OFAC SDN list",
                    "responses": _responses("matchesFound (0 or 1) and the matches", 409),
                },
            },
            f"{base}/CustomerStatuses()": {
                "get": {
                    "summary": "The tenant's customer statuses",
                    "responses": _responses("All statuses"),
                },
            },
            f"{base}/Loans()": {
                "get": {
                    "summary": "Loans, by $filter (id, displayId, loanStatusText, daysPastDue, "
                    "principalBalance, payoff, nextPaymentDate)",
                    "parameters": [_TOP, _LOAN_FILTER, _EXPAND_ANY],
                    "responses": _responses("A page of loans"),
                },
            },
            f"{base}/Loans({{id}})/{{navigation}}": {
                "parameters": [
                    _ID,
                    {
                        "name": "navigation",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(LOAN_NAVIGATION)},
                    },
                ],
                "get": {
                    "summary": "A loan's setup, settings, status, customers, payments or "
                    "transactions",
                    "responses": _responses("The related entity or list"),
                },
            },
            f"{base}/Loans({{id}})": {
                "parameters": [_ID],
                "get": {
                    "summary": "A loan, with $expand of " + ", ".join(LOAN_NAVIGATION),
                    "parameters": [_EXPAND_ANY],
                    "responses": _responses("The loan"),
                },
                "put": {
                    "summary": "Link customers to a loan with a role, set their access, or "
                    "unlink them",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/LoanCustomers"}
                            }
                        },
                    },
                    "responses": _responses("The loan with its customers", 409, 422),
                },
            },
            "/public/api/1/Customers/Autopal.Search()": {
                "post": _search("customers", customer_document())
            },
            "/public/api/1/Loans/Autopal.Search()": {"post": _search("loans", loan_document())},
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "tenant": {"type": "apiKey", "in": "header", "name": "Autopal-Instance-ID"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["message", "type", "code"],
                            "properties": {
                                "message": {"type": "string"},
                                "type": {"type": "string"},
                                "code": {"type": "integer"},
                                "details": {"type": "array"},
                            },
                        },
                        "warnings": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "CustomerBody": {
                    "type": "object",
                    "description": "LoanPro's field names (or the import file's column "
                    "names). The customer rules (required fields by type, "
                    "formats, address checks) apply as on the Instructions "
                    "page; a body that breaks one gets 422 with each field "
                    "named. On PUT only the fields sent change; null clears.",
                    "properties": {
                        **{name: {"type": "string", "nullable": True} for name in TOP_FIELDS},
                        "status": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                        "PrimaryAddress": {"$ref": "#/components/schemas/Address"},
                        "MailAddress": {"$ref": "#/components/schemas/Address"},
                        "Phones": {
                            "type": "object",
                            "properties": {
                                "results": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "phone": {"type": "string"},
                                            "type": {"type": "string"},
                                            "isPrimary": {"type": "integer"},
                                            "isSecondary": {"type": "integer"},
                                        },
                                    },
                                }
                            },
                        },
                        "Employer": {"type": "object"},
                        "References": {
                            "type": "object",
                            "properties": {
                                "results": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                        "CustomFieldValues": {
                            "type": "object",
                            "properties": {
                                "results": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "customFieldId": {"type": "integer"},
                                            "customFieldValue": {"type": "string"},
                                        },
                                    },
                                }
                            },
                        },
                    },
                },
                "Address": {
                    "type": "object",
                    "properties": {
                        part: {"type": "string", "nullable": True}
                        for part in ("address1", "city", "state", "zipcode", "country")
                    },
                },
                "LoanCustomers": {
                    "type": "object",
                    "required": ["Customers"],
                    "properties": {
                        "Customers": {
                            "type": "object",
                            "required": ["results"],
                            "properties": {
                                "results": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "description": "The customer by __id or by "
                                        "__metadata.uri (.../Customers(id=N)); then "
                                        "__setLoanRole, access flags (1 or 0), or "
                                        "__destroy: true to unlink.",
                                        "properties": {
                                            "__id": {"type": "integer"},
                                            "__metadata": {
                                                "type": "object",
                                                "properties": {"uri": {"type": "string"}},
                                            },
                                            "__setLoanRole": {
                                                "type": "string",
                                                "enum": [
                                                    f"loan.customerRole.{role}"
                                                    for role in STORED_ROLES
                                                ],
                                            },
                                            "__destroy": {"type": "boolean"},
                                            **{
                                                flag: {"type": "integer", "enum": [0, 1]}
                                                for flag in ACCESS_FLAGS
                                            },
                                        },
                                    },
                                }
                            },
                        }
                    },
                },
                "Search": {
                    "type": "object",
                    "description": "Elasticsearch's query DSL: bool (must, filter, must_not, "
                    "should, minimum_should_match), match, match_phrase, term, terms, range, "
                    "exists, query_string, match_all; size, from, sort and aggs (sum, avg, "
                    "min, max, value_count, cardinality, stats, terms). A field the document "
                    "lacks matches nothing. Customer fields: "
                    + ", ".join(sorted(customer_document().fields)),
                    "properties": {
                        "query": {"type": "object"},
                        "size": {"type": "integer", "minimum": 0, "maximum": RESULT_WINDOW},
                        "from": {"type": "integer", "minimum": 0, "maximum": RESULT_WINDOW},
                        "sort": {},
                        "aggs": {"type": "object"},
                    },
                },
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
