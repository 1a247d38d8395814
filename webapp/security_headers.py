"""Headers on every answer that keep a browser from being turned against our users: no
script or style but our own files (the templates have no inline ones; htmx reads its
settings from a meta tag), no framing, no type sniffing, no referrer beyond this site,
nothing stored by the browser or a proxy from pages and API answers that hold personal
data, and HSTS when served over https."""

from flask import Flask, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.after_request(_secure)


def _secure(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        # One URL answers a whole page or the htmx partial of it: a cache (the browser's
        # own, when the back button brings a page back) must keep the two apart.
        response.vary.add("HX-Request")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
