"""The REST API, in the shape of LoanPro's public API (base path, headers, OData-style
entity sets, JSON envelopes), so integrations written for it work with only the base URL
and the token changed. Everything goes through the same services as the UI."""

import time
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from peewee import DoesNotExist
from werkzeug.exceptions import HTTPException

from webapp.lookups import find
from webapp.queueing import redis_connection
from webapp.services import api_tokens
from webapp.services.actor import Actor
from webapp.services.refusal import Refused

BASE = "/api/public/api/1"
ODATA = f"{BASE}/odata.svc"
bp = Blueprint("api", __name__, url_prefix="/api")


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, details: list[dict] | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []
        self.code = code or {
            400: "BadRequest",
            401: "Unauthorized",
            403: "Forbidden",
            404: "NotFound",
            405: "MethodNotAllowed",
            409: "Conflict",
            412: "PreconditionFailed",
            422: "ValidationFailed",
            429: "TooManyRequests",
        }.get(status, "Error")

    @classmethod
    def refusal(
        cls, refused: Refused, status: int = 422, message: str | None = None, field=None
    ) -> "ApiError":
        """Any service's refusal in the API's shape: one detail per FieldError, its field
        named as the API names it (`field`, a function, maps the service's names)."""
        return cls(
            status,
            message or str(refused),
            [
                {"field": field(e.field) if field else e.field, "message": e.message}
                for e in refused.errors
            ],
        )


def error_body(error: ApiError):
    """LoanPro's error envelope ({"error": {"message", "type", "code"}}, the HTTP status as
    the code), with our field details beside it, and LoanPro's "warnings" list of
    sentences when the refusal is a transaction warning."""
    body = {
        "error": {
            "message": error.message,
            "type": error.code,
            "code": error.status,
            "details": error.details,
        }
    }
    if error.code == "TransactionWarningException":
        body["warnings"] = [f"({d['field']}) {d['message']}" for d in error.details]
    response = jsonify(body)
    response.status_code = error.status
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    response = error_body(error)
    if error.status == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_body(ApiError(error.code or 500, error.description or error.name))


@bp.errorhandler(Refused)
def _refused(refused: Refused):
    """A refusal no endpoint turned into its own answer."""
    return error_body(ApiError.refusal(refused))


@bp.errorhandler(DoesNotExist)
def _missing(_error: DoesNotExist):
    return error_body(ApiError(404, "Not found: it may have been removed."))


PUBLIC = {"api.openapi"}


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC:
        return
    token = api_tokens.token_for(_presented_token(request.headers.get("Authorization", "")))
    if token is None:
        raise ApiError(401, "Send a valid API token: 'Authorization: Bearer <token>'.")
    if request.headers.get("Autopal-Instance-ID", "") != current_app.config["TENANT_ID"]:
        raise ApiError(401, "Send this system's tenant ID in the 'Autopal-Instance-ID' header.")
    _count_request(token.id)
    g.api_token = token


def _presented_token(header: str) -> str:
    """The token of 'Bearer <token>', or a bare token: some LoanPro clients send the key
    as it was configured (loanpro-mcp-server sends the header verbatim)."""
    scheme, _, rest = header.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else header.strip()


def _count_request(token_id: int) -> None:
    """A fixed one-minute window per token, counted in Redis so every web worker shares it."""
    limit = current_app.config["API_RATE_PER_MINUTE"]
    key = f"api-rate:{token_id}:{int(time.time() // 60)}"
    redis = redis_connection()
    with redis.pipeline() as pipe:
        count, _ = pipe.incr(key).expire(key, 120).execute()
    if count > limit:
        raise ApiError(429, f"This token may make {limit} requests a minute; wait and retry.")


def needs_role(role: str):
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not g.api_token.has_role(role):
                raise ApiError(
                    403,
                    f"This token's role ({g.api_token.role}) may not do this; "
                    f"it takes a {role} token.",
                )
            return view(*args, **kwargs)

        return guarded

    return decorate


def by_id(model, row_id: int):
    """The row with this ID, or None (never a database error for an ID out of range); the
    endpoint answers a 404 that names what is missing."""
    return find(model, row_id)


def json_object(hint: str = "") -> dict:
    """The request's JSON object body, or a 400 that says what to send."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, hint or "Send a JSON object with 'Content-Type: application/json'.")
    return body


def absolute_uri(path: str) -> str:
    """An entity's address as LoanPro's __metadata gives it: absolute, under odata.svc."""
    return request.url_root.rstrip("/") + f"{ODATA}/{path}"


def expansions(text: str) -> dict[str, set[str]]:
    """$expand as navigation -> what to expand inside it ("Loans,Loans/StatusArchive" ->
    {"Loans": {"StatusArchive"}}). A name an entity does not have is ignored, as LoanPro
    ignores it."""
    found: dict[str, set[str]] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        head, _, rest = item.partition("/")
        found.setdefault(head, set())
        if rest:
            found[head].add(rest.partition("/")[0])
    return found


def bare_lists() -> bool:
    """With `nopaging`, LoanPro gives an expanded list as a bare array (the PHP SDK reads a
    customer's Loans that way); otherwise as {"results": [...]} (the Go client's way)."""
    return "nopaging" in request.args


def reads_full_tax_ids() -> bool:
    """Whether this request's token was granted full SSNs and tax ID numbers."""
    return bool(g.api_token.reads_full_tax_ids)


def api_actor() -> Actor:
    return Actor(None, f"api · {g.api_token.name}")


from webapp.api import customers, loans, openapi, search  # noqa: E402,F401
