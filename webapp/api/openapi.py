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
from webapp.api.odata import CUSTOMER_FILTERS, FILTER_PATTERN, ORDERABLE, ORDERBY_PATTERN
from webapp.api.search import RESULT_WINDOW, SEARCH_FIELDS

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
            f"{base}/CustomerStatuses()": {
                "get": {
                    "summary": "The tenant's customer statuses",
                    "responses": _responses("All statuses"),
                },
            },
            f"{base}/Loans({{id}})": {
                "parameters": [_ID],
                "put": {
                    "summary": "Link customers to a loan with a role",
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
                "post": {
                    "summary": "Search customers (Elasticsearch query subset)",
                    "description": (
                        f"A search reaches its first {RESULT_WINDOW:,} results: summary.total "
                        f"counts up to there, a page ends there, and $start is below it."
                    ),
                    "parameters": [
                        _TOP,
                        _query(
                            "$start",
                            "Rows to skip",
                            {"type": "integer", "minimum": 0, "maximum": RESULT_WINDOW - 1},
                        ),
                        _ORDERBY,
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Search"}}
                        },
                    },
                    "responses": _responses("Matching customers", 422),
                },
            },
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
                                        "required": ["__metadata"],
                                        "properties": {
                                            "__metadata": {
                                                "type": "object",
                                                "required": ["uri"],
                                                "properties": {"uri": {"type": "string"}},
                                            },
                                            "__setLoanRole": {
                                                "type": "string",
                                                "enum": [
                                                    "loan.customerRole.primary",
                                                    "loan.customerRole.secondary",
                                                    "loan.customerRole.other",
                                                    "loan.customerRole.authorizedUser",
                                                ],
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
                    "description": "{'query': {'bool': {'must': [{'query_string': "
                    "{'query': 'smi*', 'fields': ['customerName']}}]}}}; "
                    "match, range on birthDate. "
                    "Fields: " + ", ".join(SEARCH_FIELDS),
                    "properties": {"query": {"type": "object"}},
                },
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
