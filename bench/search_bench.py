"""Search at a lender's scale: load N customers, then time every kind of search over HTTP.

    python bench/search_bench.py --customers 1000000                    # SQLite file
    python bench/search_bench.py --customers 1000000 --database postgresql://postgres@127.0.0.1/test
    python bench/search_bench.py --reuse URL                            # search an earlier load

Loading goes through the import's own column mapping (services.customer_record: the
same customer, address and phone rows, folded keys and reversed phone numbers) into a
database brought up by the migrations, with executemany on SQLite and COPY on PostgreSQL.
The secondary indexes and the name words' triggers are dropped for the load; the name
words are then filled in one statement (migrations/0003's own) and the indexes built.
The searches run against gunicorn (one worker, one thread) as a signed-in agent with
keep-alive, and through the API with a token; each kind is timed `--repeat` times with
different terms taken from the loaded data, and p50 / p95 / p99 are printed in ms.
"""

import argparse
import csv
import http.client
import io
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def names(text: str) -> list[str]:
    return text.split()


LAST = names(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
    "Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins "
    "Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez "
    "Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel "
    "Myers Long Ross Foster Jiménez Müller Çelik Tremblay Gagnon Roy Côté Bouchard "
    "Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier Bélanger Lévesque Bergeron "
    "Leblanc Paquette Girard Simard Boucher Caron Beaulieu Cloutier Dubé Poirier Fournier "
    "Lapointe Leclerc Lefebvre Poulin Thibault"
)
FIRST = names(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa "
    "Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven "
    "Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian "
    "Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
    "Jeffrey Cynthia Ryan Amy Jacob Kathleen Gary Angela Nicholas Dorothy Eric Shirley "
    "Jonathan Emma Stephen Brenda Larry Pamela Justin Nicole Scott Anna Brandon Samantha "
    "Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Frank Carolyn "
    "Patrick Janet Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler Catherine "
    "Aaron Diane José Renée Zoë André Hélène Frédéric Chloé Noémie Jérôme François Ángel "
    "Sofía Lucía Martín Nicolás Iñaki"
)
COMPANY_WORDS = names(
    "Acme Summit Harbor Pioneer Granite Cedar Maple Liberty Eagle Prairie Coastal "
    "Northern Valley Atlas Keystone Beacon Heritage Frontier Redwood Silver"
)
COMPANY_KINDS = names("Logistics Motors Farms Builders Holdings Dental Supply Auto Marine Foods")
STATUSES = ("Active", "Inactive", "Bankruptcy", "Collections")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database", help="postgresql://… (a new schema is made there)")
    parser.add_argument("--reuse", help="a database URL loaded by an earlier run")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="search-bench-"))
    os.environ.update(INSTANCE_PATH=str(folder), SECRET_KEY="bench", LOG_LEVEL="WARNING")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    # Searches are timed here, not the per-token rate limit (runs against several databases
    # in one minute share its Redis counters).
    os.environ.setdefault("API_RATE_PER_MINUTE", "1000000")
    url = args.reuse or _new_database(args.database, folder)
    os.environ["DATABASE_URL"] = url
    from webapp import create_app

    app = create_app()
    with app.app_context():
        if not args.reuse:
            load(args.customers, random.Random(args.seed))
        password, token = _agent()
        samples = _samples(random.Random(args.seed + 1), args.repeat)
    print(f"database: {url}", flush=True)
    server = _serve(url, folder)
    try:
        results = measure(server, password, token, samples, args.repeat)
    finally:
        server.terminate()
    report(results, url)


# ---- loading ------------------------------------------------------------------------


def _new_database(server_url: str | None, folder: Path) -> str:
    if not server_url:
        return f"sqlite:///{folder / 'search.db'}"
    import psycopg2

    schema = f"search_{uuid.uuid4().hex[:8]}"
    with psycopg2.connect(server_url) as connection, connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    return f"{server_url}{'&' if '?' in server_url else '?'}schema={schema}"


def load(count: int, rng: random.Random, batch: int = 50_000) -> None:
    from webapp.db import db
    from webapp.schema import upgrade
    from webapp.services.statuses import create_status

    started = time.perf_counter()
    upgrade()
    statuses = [create_status(t, make_default=t == "Active").id for t in STATUSES]
    postgres = not db.obj.__class__.__name__.startswith("Sqlite")
    if not postgres:
        db.pragma("cache_size", -1_000_000)  # 1 GB while loading
    rebuild = _drop_indexes(postgres)
    for first in range(1, count + 1, batch):
        rows = [_record(i, rng, statuses) for i in range(first, min(first + batch, count + 1))]
        _store(rows, postgres)
        print(f"  loaded {first + len(rows) - 1:,} customers", end="\r", flush=True)
    _name_words_migration().fill(db.obj)  # what the triggers would have written
    for statement in rebuild:
        db.execute_sql(statement)
    if postgres:
        db.execute_sql("SELECT setval(pg_get_serial_sequence('customer', 'id'), %s)", (count,))
        db.commit()
        # As autovacuum leaves a table in use: statistics, and the visibility map that
        # lets an index be read without the rows (a bulk load has neither yet).
        vacuum = db.obj._connect()  # a connection of its own: VACUUM runs outside any
        vacuum.autocommit = True  # transaction
        vacuum.cursor().execute("VACUUM ANALYZE")
        vacuum.close()
    else:
        db.execute_sql("ANALYZE")
    print(f"\nloaded {count:,} customers in {time.perf_counter() - started:.0f} s", flush=True)


STATES = names("CA TX FL NY IL PA OH GA NC MI")  # ten states: one in ten lives in each


def _record(number: int, rng: random.Random, statuses: list[int]) -> dict:
    kind = rng.choices(("individual", "company", "flooringCustomer"), (85, 10, 5))[0]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    record = {
        "id": number,
        "importId": f"B{number:08d}",
        "status": rng.choice(statuses),
        "customerType": kind,
        "firstName": first,
        "lastName": last,
        "ssn": f"{rng.randrange(1, 899):03d}{rng.randrange(1, 99):02d}{rng.randrange(1, 9999):04d}",
        "idType": "ssn",
        "birthday": None,
        "gender": "unknown",
        "email": f"{first}.{last}.{number}@example.com".lower(),
        "username": f"user{number}",
        "priPhone": f"{rng.randrange(201, 989)}{rng.randrange(200, 999)}{rng.randrange(10000):04d}",
        "priPhoneType": "cell",
        "priAddress": f"{rng.randrange(1, 9999)} {rng.choice(LAST)} St",
        "priCity": "Springfield",
        "priState": rng.choice(STATES),
        "priZipcode": f"{rng.randrange(60000, 62999)}",
        "priCountry": "usa",
    }
    if kind != "individual":
        record["companyName"] = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {number}"
        record["companyContact"] = f"{first} {last}"
    if rng.random() < 0.5:
        record["creditLimit"] = str(rng.randrange(500, 20000, 50))
    if rng.random() < 0.3:
        record["secPhone"] = f"{rng.randrange(201, 989)}555{rng.randrange(10000):04d}"
        record["secPhoneType"] = "home"
    return record


def _store(records: list[dict], postgres: bool) -> None:
    """Through the import's own column mapping, then in bulk."""
    from webapp.services.customer_record import address_rows, customer_columns, phone_rows

    customers, addresses, phones = [], [], []
    for record in records:
        columns = customer_columns(record)
        customers.append({"id": record["id"], **columns})
        addresses += [
            {**row, "customer_id": record["id"], "kind": kind}
            for kind, row in address_rows(record).items()
        ]
        phones += [{**row, "customer_id": record["id"]} for row in phone_rows(record)]
    _bulk("customer", customers, postgres)
    _bulk("address", addresses, postgres)
    _bulk("phone", phones, postgres)


def _bulk(table: str, rows: list[dict], postgres: bool) -> None:
    from webapp.db import db
    from webapp.models import Address, Customer, Phone

    model = {"customer": Customer, "address": Address, "phone": Phone}[table]
    fields = [f for f in model._meta.sorted_fields if f.name != "id" or "id" in rows[0]]
    defaults = [f.default() if callable(f.default) else f.default for f in fields]
    columns = [f.column_name for f in fields]
    values = [
        [
            _sql_value(row.get(f.name, row.get(f.column_name, default)))
            for f, default in zip(fields, defaults, strict=True)
        ]
        for row in rows
    ]
    if postgres:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([["\\N" if v is None else v for v in row] for row in values])
        buffer.seek(0)
        names = ", ".join(f'"{c}"' for c in columns)
        db.cursor().copy_expert(
            f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )
        db.commit()
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    with db.atomic():
        db.connection().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)


def _sql_value(value):
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(" ") if hasattr(value, "hour") else value.isoformat()
    if hasattr(value, "id"):
        return value.id
    return value


LOADED = ("customer", "address", "phone", "customer_name_word")


def _drop_indexes(postgres: bool) -> list[str]:
    """A database builds an index faster once than row by row: drop the secondary indexes
    and the triggers (those of the name words, filled once after the load) of the loaded
    tables, and return the statements that make them again."""
    from webapp.db import db

    tables = ", ".join(f"'{t}'" for t in LOADED)
    if postgres:
        found = db.execute_sql(
            "SELECT 'INDEX', indexname, indexdef FROM pg_indexes "
            f"WHERE schemaname = current_schema() AND tablename IN ({tables}) "
            "AND indexname NOT LIKE '%%_pkey' UNION ALL "
            "SELECT 'TRIGGER', tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = 'customer'::regclass AND NOT tgisinternal"
        ).fetchall()
    else:
        found = db.execute_sql(
            "SELECT upper(type), name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND tbl_name IN ({tables}) AND sql IS NOT NULL"
        ).fetchall()
    for kind, name, _ in found:
        db.execute_sql(
            f'DROP {kind} "{name}"' + (" ON customer" if postgres and kind == "TRIGGER" else "")
        )
    if postgres:
        db.commit()
    return [definition for _, _, definition in found]


def _name_words_migration():
    import importlib

    return importlib.import_module("webapp.migrations.0003_name_words")


def _agent() -> tuple[str, str]:
    from webapp.models import User
    from webapp.services.api_tokens import create_token
    from webapp.services.users import create_user, set_password

    password = "bench-Agent-pass-1"
    user = User.get_or_none(User.username == "benchagent")
    if user is None:
        user = create_user("benchagent", password, "agent")
    set_password(user, password)
    _, token = create_token("search bench", "agent", user)
    return password, token


# ---- what to search for -------------------------------------------------------------


def _samples(rng: random.Random, repeat: int) -> dict[str, list[str]]:
    """Terms taken from the loaded data: every search finds someone."""
    from webapp.models import Customer, CustomerStatus, Phone

    top = Customer.select(Customer.id).order_by(Customer.id.desc()).scalar()
    ids = [rng.randrange(1, top + 1) for _ in range(repeat)]
    picked = {c.id: c for c in Customer.select().where(Customer.id.in_(ids))}
    phones = {p.customer_id: p.number for p in Phone.select().where(Phone.customer.in_(ids))}
    statuses = [s.id for s in CustomerStatus.select()]
    people = [picked[i] for i in ids if i in picked]
    return {
        "exact customer ID": [str(c.id) for c in people],
        "phone digits": [phones[c.id] for c in people if c.id in phones],
        "SSN last 4": [c.ssn_last4 for c in people if c.ssn_last4],
        "name prefix": [c.last_name[: rng.randrange(3, 6)] for c in people],
        "status filter + name": [f"{rng.choice(statuses)}|{c.last_name[:4]}" for c in people],
        "email": [c.email for c in people if c.email],
        "API $filter lastName eq": [c.last_name for c in people],
        "API Autopal.Search name wildcard": [f"{c.last_name[:4].lower()}*" for c in people],
        "state": [rng.choice(STATES) for _ in people],
    }


# ---- timing ---------------------------------------------------------------------------


def _serve(url: str, folder: Path) -> subprocess.Popen:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "1",
            "webapp:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    server.port = port
    return server


class Client:
    """One keep-alive connection with a session cookie."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie, **(headers or {})}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self.cookie = value.split(";")[0]
        return response.status, text

    def sign_in(self, username: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrf_token": csrf, "username": username, "password": password}
        )
        status, _ = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302, "sign-in failed"


def measure(server, password: str, token: str, samples: dict, repeat: int) -> dict:
    from webapp.api import ODATA

    page = Client(server.port)
    page.sign_in("benchagent", password)
    api = Client(server.port)
    api_headers = {
        "Authorization": f"Bearer {token}",
        "Autopal-Instance-ID": os.environ.get("TENANT_ID", "5200001"),
    }

    def manager(query: str):
        return page.request("GET", f"/customers?{query}")

    def search_terms(kind: str):
        for term in samples[kind]:
            yield lambda t=term: manager(urllib.parse.urlencode({"q": t}))

    def search(body: dict):
        text = json.dumps(body)
        headers = {**api_headers, "Content-Type": "application/json"}
        return lambda: api.request(
            "POST", "/api/public/api/1/Customers/Autopal.Search()", text, headers
        )

    deep = _deep_page_token(manager)
    kinds = {
        "exact customer ID": search_terms("exact customer ID"),
        "phone digits": search_terms("phone digits"),
        "SSN last 4": search_terms("SSN last 4"),
        "name prefix": search_terms("name prefix"),
        "status filter + name": (
            (
                lambda s=s: manager(
                    urllib.parse.urlencode({"status": s.split("|")[0], "q": s.split("|")[1]})
                )
            )
            for s in samples["status filter + name"]
        ),
        "email": search_terms("email"),
        "page 500 of a list": (
            (lambda: manager(urllib.parse.urlencode({"after": deep, "start": 12476})))
            for _ in range(repeat)
        ),
        "last page of the list": (
            (lambda: manager(urllib.parse.urlencode({"before": "last"}))) for _ in range(repeat)
        ),
        "newest first": (
            (lambda: manager(urllib.parse.urlencode({"sort": "newest"}))) for _ in range(repeat)
        ),
        "newest first + status filter + name": (
            (
                lambda s=s: manager(
                    urllib.parse.urlencode(
                        {"status": s.split("|")[0], "q": s.split("|")[1], "sort": "newest"}
                    )
                )
            )
            for s in samples["status filter + name"]
        ),
        "API $filter lastName eq": (
            (
                lambda n=n: api.request(
                    "GET",
                    f"{ODATA}/Customers()?"
                    + urllib.parse.urlencode({"$filter": f"lastName eq '{n}'", "$top": "25"}),
                    headers=api_headers,
                )
            )
            for n in samples["API $filter lastName eq"]
        ),
        "API Autopal.Search name wildcard": (
            search(
                {
                    "query": {
                        "bool": {
                            "must": [{"query_string": {"query": w, "fields": ["customerName"]}}]
                        }
                    }
                }
            )
            for w in samples["API Autopal.Search name wildcard"]
        ),
        "API Autopal.Search match lastName": (
            search({"query": {"match": {"lastName": n}}})
            for n in samples["API $filter lastName eq"]
        ),
        # loanpro-mcp-server's search_customers (customers.go L38-88): *term* over five
        # fields, or a match on either name.
        "API Autopal.Search MCP *term*": (
            search(
                {
                    "query": {
                        "bool": {
                            "should": [
                                {
                                    "query_string": {
                                        "query": f"*{n.lower()}*",
                                        "fields": [
                                            "firstName",
                                            "lastName",
                                            "email",
                                            "ssn",
                                            "companyName",
                                        ],
                                    }
                                },
                                {"match": {"firstName": n}},
                                {"match": {"lastName": n}},
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    "size": 10,
                }
            )
            for n in samples["API $filter lastName eq"]
        ),
        "API Autopal.Search state filter + avg": (
            search(
                {
                    "query": {"bool": {"filter": [{"term": {"state": state}}]}},
                    "aggs": {"limit": {"avg": {"field": "creditLimit"}}},
                }
            )
            for state in samples["state"]
        ),
    }
    results = {}
    for kind, calls in kinds.items():
        timings = []
        for call in list(calls)[:repeat]:
            started = time.perf_counter()
            status, text = call()
            timings.append((time.perf_counter() - started) * 1000)
            assert status == 200, (kind, status, text[:300])
        results[kind] = timings
        print(f"  {kind}: done", flush=True)
    return results


def _deep_page_token(manager) -> str:
    """Follow Next 499 times from the first page of the whole list: page 500's token."""
    query = ""
    for _ in range(499):  # (fewer when the book has fewer pages)
        _, text = manager(query)
        found = re.search(r'href="/customers\?(after=[^"]+)"', text)
        if not found:
            break
        query = found.group(1).replace("&amp;", "&")
    return urllib.parse.parse_qs(query)["after"][0]


def report(results: dict, url: str) -> None:
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"\n{kind}: ms per request (p50 / p95 / p99), {len(next(iter(results.values())))} each")
    for name, timings in results.items():
        p50, p95, p99 = (percentile(timings, share) for share in (0.50, 0.95, 0.99))
        print(f"  {name:<36} {p50:7.1f} {p95:7.1f} {p99:7.1f}")


def percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


if __name__ == "__main__":
    main()
