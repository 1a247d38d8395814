"""Logging for the web app and the RQ workers: one line per event, no personal data.

`configure_logging()` runs once per process (create_app, and the worker's start-up) and
sends every logger (ours, Flask's, werkzeug's, gunicorn's, RQ's) through one handler:

    2024-06-01 10:15:22,123 WARNING webapp.services.webhooks: Webhook #3 ...

The rule for our own log calls: name records by their IDs (customer ID, import job ID,
line number, webhook ID, event ID), never by their content. No names, SSNs, emails,
phone numbers, passwords, tokens or request bodies go into a message. `RedactFilter` is
only the safety net behind that rule, for text we do not write ourselves (a library's
exception message, an access-log query string)."""

import logging
import os
import re
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "webapp"
REDACTED = "[redacted]"

# Loggers of the libraries we run under; they keep their own levels but go through our
# handler (or, where gunicorn has its own handlers, through our format and filter).
LIBRARY_LOGGERS = (
    "werkzeug",
    "rq",
    "rq.worker",
    "rq.scheduler",
    "gunicorn.error",
    "gunicorn.access",
)
# Their DEBUG lines carry data: peewee logs every query with its parameters.
NEVER_DEBUG = ("peewee",)

# A number on its own: not inside a word, an ID like 3f2a91..., or a decimal fraction.
_ALONE_BEFORE, _ALONE_AFTER = r"(?<!\w)(?<!\d\.)", r"(?!\w|\.\d)"
_CARD = re.compile(rf"{_ALONE_BEFORE}\d(?:[ -]?\d){{12,18}}{_ALONE_AFTER}")
_SSN = re.compile(rf"{_ALONE_BEFORE}\d{{3}}([- ]?)\d{{2}}\1\d{{4}}{_ALONE_AFTER}")
_SECRET = re.compile(
    r"""(?ix)
    (["']?\b(?:password|passwd|pwd|secret|token|api[_-]?key)\w*["']?\s*[:=]\s*)
    ("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}\])]+)
    """
)
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL_CREDENTIALS = re.compile(r"(//[^/\s:@]+:)[^/\s@]+@")
_QUERY = re.compile(r"(?<=[\w/])\?[^\s\"']+")


class LoggedFailure(Exception):
    """An expected failure of a job that has already been logged as one warning line;
    the worker records it for retries but logs no traceback for it (see jobs.worker)."""


def redact(text: str, access_log: bool = False) -> str:
    """Mask what looks like personal data or a secret: card numbers (13-19 digits),
    SSN-like numbers (9 digits, with or without dashes), `password=...` /
    `"password": ...` values (and token, secret, API key), email addresses and the
    password in a URL. In an access log, query strings too: searches carry names."""
    text = _URL_CREDENTIALS.sub(rf"\1{REDACTED}@", text)
    text = _SECRET.sub(rf"\1{REDACTED}", text)
    text = _CARD.sub(REDACTED, text)
    text = _SSN.sub(REDACTED, text)
    text = _EMAIL.sub(REDACTED, text)
    if access_log:
        text = _QUERY.sub(f"?{REDACTED}", text)
    return text


class RedactFilter(logging.Filter):
    """Applies `redact` to a record's finished message and traceback, in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        access_log = record.name in ("werkzeug", "gunicorn.access")
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw text, still masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message, access_log), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """`time level logger: message`; a traceback (only ever for an unexpected error)
    stays on the same line, its line breaks written as \\n."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).rstrip().replace("\r\n", "\n").replace("\n", "\\n")


def configure_logging(app_or_config=None) -> str:
    """Set up logging for this process; safe to call again (it replaces, never adds).
    Takes the Flask app or its config; the level is LOG_LEVEL (default INFO, also for
    a name logging does not know). Returns the level set."""
    config = getattr(app_or_config, "config", app_or_config) or {}
    level = str(config.get("LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        level = "INFO"

    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        # The process's own stderr: not a stream a tool swaps in for a while (click's
        # test runner, pytest's capsys), which would mix log lines into command output.
        handler = logging.StreamHandler(sys.__stderr__ or sys.stderr)
        handler.set_name(HANDLER_NAME)
        root.addHandler(handler)
    _through_us(handler)
    root.setLevel(level)

    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if name.startswith("gunicorn") and logger.handlers:
            # gunicorn's own handlers write where its --*-logfile options say.
            for own in logger.handlers:
                _through_us(own)
        else:  # a stream handler of their own (RQ's, werkzeug's) would double lines
            for own in [h for h in logger.handlers if type(h) is not logging.NullHandler]:
                logger.removeHandler(own)
            logger.propagate = True
    for name in NEVER_DEBUG:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))

    if hasattr(app_or_config, "logger"):  # Flask adds a handler of its own otherwise
        from flask.logging import default_handler

        app_or_config.logger.removeHandler(default_handler)
    return level


def _through_us(handler: logging.Handler) -> None:
    handler.setFormatter(OneLineFormatter(FORMAT))
    if not any(isinstance(f, RedactFilter) for f in handler.filters):
        handler.addFilter(RedactFilter())
