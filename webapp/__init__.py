"""The customer side of a loan-servicing system: create_app() builds the web app."""

import os

from flask import Flask
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import request_guard, security_headers
from webapp.config import load_config
from webapp.db import bind_database, db
from webapp.logs import configure_logging
from webapp.models.users import ROLES

csrf = CSRFProtect()
htmx = Htmx()


def create_app(test_config: dict | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(root, "instance"),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config["REVEAL_TAX_ID_ROLE"] not in ROLES:  # a typo would break every Summary
        raise RuntimeError(
            f"REVEAL_TAX_ID_ROLE is {app.config['REVEAL_TAX_ID_ROLE']!r}; "
            f"it must be one of {', '.join(ROLES)}."
        )
    configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.database = bind_database(app.config["DATABASE_URL"])

    csrf.init_app(app)
    htmx.init_app(app)

    from webapp import (
        api,
        auth,
        cli,
        customers,
        errors,
        imports,
        queueing,
        queues,
        settings,
        templating,
    )

    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    queueing.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(queues.bp)
    csrf.exempt(api.bp)  # token-authenticated; no cookies are read
    cli.init_app(app)

    from webapp.services.webhooks import kick_after_write

    app.after_request(kick_after_write)
    security_headers.init_app(app)
    request_guard.init_app(app)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(_exc):
        if not db.is_closed():
            db.close()

    return app
