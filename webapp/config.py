"""Configuration read from the environment, with defaults that run on one machine."""

import os
import secrets
from pathlib import Path


def load_config(instance_path: str) -> dict:
    """Build the Flask config from environment variables.

    SECRET_KEY falls back to a random key kept in the instance folder, so sessions
    survive restarts without anyone having to invent a secret for a demo.
    """
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'webapp.db'}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEFAULT_CUSTOMER_TYPE": _customer_type(os.environ.get("DEFAULT_CUSTOMER_TYPE")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "200")) * 1024 * 1024,
        "DOCUMENT_MAX_MB": int(os.environ.get("DOCUMENT_MAX_MB", "20")),
        # The least role that may see a full SSN or EIN on screen (each look is recorded).
        "REVEAL_TAX_ID_ROLE": os.environ.get("REVEAL_TAX_ID_ROLE", "manager"),
        # Rows an import commits at a time (a retried job resumes after the last one).
        "IMPORT_CHUNK_ROWS": int(os.environ.get("IMPORT_CHUNK_ROWS", "1000")),
        # Rows of one verify job: fewer jobs cost less queueing, smaller ones share out
        # better over the workers.
        "IMPORT_VERIFY_CHUNK_ROWS": int(os.environ.get("IMPORT_VERIFY_CHUNK_ROWS", "5000")),
        # Verify's last step names a file's possible duplicates in parts of about this
        # many rows (as many parts as that takes, rounded up to a power of two), each a
        # job for whichever worker is free: a part's memory stays flat in file size.
        "IMPORT_DUPLICATE_PART_ROWS": int(os.environ.get("IMPORT_DUPLICATE_PART_ROWS", "250000")),
        # Days an uploaded import file (full SSNs and all) is kept after its import ends.
        "IMPORT_FILE_DAYS": int(os.environ.get("IMPORT_FILE_DAYS", "30")),
        # The tenant ID API clients send in Autopal-Instance-ID (one tenant per install).
        "TENANT_ID": os.environ.get("TENANT_ID", "5200001"),
        "API_RATE_PER_MINUTE": int(os.environ.get("API_RATE_PER_MINUTE", "600")),
        # Seconds between webhook delivery attempts (4 retries after the first try).
        "WEBHOOK_RETRY_INTERVALS": [
            int(s) for s in os.environ.get("WEBHOOK_RETRY_INTERVALS", "10,60,300,1800").split(",")
        ],
        # Webhooks may target loopback / private addresses only when this is "1" (a
        # receiver on the same network); otherwise such URLs are refused.
        "WEBHOOK_ALLOW_PRIVATE": os.environ.get("WEBHOOK_ALLOW_PRIVATE", "0") == "1",
        # Days the webhook delivery log (which holds event bodies) is kept.
        "WEBHOOK_LOG_DAYS": int(os.environ.get("WEBHOOK_LOG_DAYS", "30")),
        # DEBUG, INFO, WARNING or ERROR; for the web app and the workers (webapp/logs.py).
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "SESSION_COOKIE_HTTPONLY": True,
        # Sent over https only, except in development (APP_ENV=development: the demo
        # and the tests, served over plain http on this machine).
        "SESSION_COOKIE_SECURE": _flag(
            "SESSION_COOKIE_SECURE", os.environ.get("APP_ENV", "production") != "development"
        ),
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        # How many reverse proxies in front of the app set X-Forwarded-For / -Proto
        # (0: none; the client's address is the connection's).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _instance_secret(instance: Path) -> str:
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _customer_type(setting: str | None) -> str:
    from webapp.rules.customer_fields import CUSTOMER_TYPES, FIELDS_BY_NAME

    if not setting:
        return FIELDS_BY_NAME["customerType"].default
    if setting not in CUSTOMER_TYPES:
        raise ValueError(
            f"DEFAULT_CUSTOMER_TYPE must be one of {', '.join(CUSTOMER_TYPES)}, not {setting!r}"
        )
    return setting
