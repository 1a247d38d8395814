"""Import speed against the raw limit, measured in one run on the same file.

    python bench/import_bench.py                 # 100k rows, SQLite
    python bench/import_bench.py --rows 1000000 --database postgresql://postgres@127.0.0.1/test

raw        = csv parse + one bulk load (COPY on PostgreSQL, executemany on SQLite) of the
             raw rows into one text table, in one transaction: no index, no check
raw writes = the rows an import of the file writes (customers, addresses, phones,
             employers, creation history) made from verify's staged records and bulk
             loaded the same way into the real tables with their indexes and triggers:
             the same writes, no validation, no lookups
raw writes (indexes after) = the same on PostgreSQL with the tables' secondary indexes
             (search: GIN, trigram, btree; not the unique ones, which enforce rules)
             dropped first and built again after the load, the build timed too: what a
             large import would gain by deferring them
database alone = the database's own share of those writes (PostgreSQL): after an
             untimed verify and import, the rows the import wrote to the same tables are
             copied out, the tables emptied, and the rows copied back, one COPY per table,
             indexes and triggers in place: no Python builds a row, the server's work only
verify xN  = our verify pass (every rule, every lookup; stages each row's outcome),
             queued: the file cut into chunks, N real RQ workers judging them at once,
             then the last step (rows other chunks touch judged again in file order)
import     = our import pass (applies what verify staged, re-checking versions and
             unique values, through the customer services, in checkpointed chunks), in
             this process: its pieces one after the other
import x2   = the same, queued: 2 real RQ workers applying its pieces at once (each
             chunk linked to no other's rows is a piece; the linked ones one together)
import updates = the same pass on a file updating every customer the file added (the
             generator's rows with another seed, action update), once those are in
undo       = "Undo import" of the file's import, once it is in: every customer it added
             deleted again, with its rows, history entries and webhook events
undo updates = "Undo import" of the updates file's import (see import updates), once
             both are in: every customer given back its values from before it
Each measured part runs in a fresh child process on a fresh database (a new schema on
PostgreSQL); its peak RSS is the largest of that process and every worker and work horse
it started. The workers use Redis database 14, emptied first.
"""

import argparse
import contextlib
import csv
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "tools" / "gen_customers.py"
INDEXES_AFTER = "raw writes (indexes after)"
DATABASE_ALONE = "database alone"
UPDATES = "import updates"
UNDO = "undo"
UNDO_UPDATES = "undo updates"
PARTS = (
    "raw",
    "raw writes",
    INDEXES_AFTER,
    DATABASE_ALONE,
    "verify x1",
    "verify x2",
    "import",
    "import x2",
    UPDATES,
    UNDO,
    UNDO_UPDATES,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--bad", type=int, default=0, help="every K-th row carries a defect")
    parser.add_argument("--database", help="postgresql://… (a new schema per part)")
    parser.add_argument("--parts", default=",".join(PARTS), help="which, comma-separated")
    parser.add_argument("--child", nargs=3, metavar=("PART", "FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        part, path, url = args.child
        print(json.dumps(CHILDREN[part](Path(path), url)))
        return
    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        path = args.file or generate(args.rows, Path(folder) / "customers.csv", args.bad)
        results = {}
        for part in args.parts.split(","):
            url, drop = new_database(args.database, Path(folder), part)
            try:
                results[part] = run_child(part, path, url)
            finally:
                drop()
    report(path, results, "PostgreSQL" if args.database else "SQLite")


def generate(rows: int, path: Path, bad: int) -> Path:
    if not GENERATOR.exists():
        sys.exit(f"Give --file, or put the shared generator at {GENERATOR}")
    started = time.perf_counter()
    command = [sys.executable, str(GENERATOR), str(rows), str(path)]
    subprocess.run(command + (["--bad", str(bad)] if bad else []), check=True)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def new_database(server_url: str | None, folder: Path, part: str):
    """A fresh database for one part: (its URL, how to drop it)."""
    if not server_url:
        name = folder / f"{part.replace(' ', '-')}.db"
        return f"sqlite:///{name}", lambda: [
            Path(f"{name}{end}").unlink(missing_ok=True) for end in ("", "-wal", "-shm")
        ]
    import psycopg2

    schema = f"import_bench_{uuid.uuid4().hex[:8]}"

    def run(sql: str) -> None:
        connection = psycopg2.connect(server_url)
        connection.autocommit = True
        connection.cursor().execute(sql)
        connection.close()

    run(f'CREATE SCHEMA "{schema}"')
    url = f"{server_url}{'&' if '?' in server_url else '?'}schema={schema}"
    return url, lambda: run(f'DROP SCHEMA "{schema}" CASCADE')


def run_child(part: str, path: Path, url: str) -> dict:
    finished = subprocess.run(
        [sys.executable, __file__, "--child", part, str(path), url],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if finished.returncode:
        sys.exit(finished.stderr)
    for line in finished.stderr.splitlines():
        if line.startswith(("split into", "started to", "verify ended")):
            print(f"{'':>12}{line}", flush=True)
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    outcome = ""
    if "failed" in result:
        outcome = f" ({result['written']:,} written, {result['failed']:,} refused)"
    print(f"{part:>25}: {result['rows']:,} rows in {result['seconds']:.2f} s{outcome}", flush=True)
    return result


# ---- the parts ------------------------------------------------------------------------


def raw(path: Path, url: str) -> dict:
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        if url.startswith("sqlite"):
            database = sqlite3.connect(url.removeprefix("sqlite:///"))
            database.execute("PRAGMA journal_mode=wal")
            database.execute(f"CREATE TABLE raw ({columns})")
            marks = ", ".join("?" * len(header))
            database.executemany(f"INSERT INTO raw VALUES ({marks})", reader)
            database.commit()
            count = database.execute("SELECT COUNT(*) FROM raw").fetchone()[0]
        else:
            import psycopg2

            server, schema = url.split("?schema=")
            database = psycopg2.connect(server, options=f"-c search_path={schema}")
            cursor = database.cursor()
            cursor.execute(f"CREATE TABLE raw ({columns})")
            handle.seek(0)
            cursor.copy_expert("COPY raw FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
            database.commit()
            cursor.execute("SELECT COUNT(*) FROM raw")
            count = cursor.fetchone()[0]
    return _result(count, started)


def ours(part: str, path: Path, url: str) -> dict:
    """verify, import, undo, or raw writes (bulk loads of what verify staged)."""
    folder = tempfile.mkdtemp(prefix="ours-")
    os.environ.update(INSTANCE_PATH=folder, DATABASE_URL=url, REDIS_URL="redis://127.0.0.1:6379/14")
    sys.path.insert(0, str(ROOT))
    from webapp import create_app
    from webapp.db import db
    from webapp.importing import lifecycle, runner, undo
    from webapp.models import ImportJob
    from webapp.schema import upgrade
    from webapp.services.statuses import create_status

    app = create_app()
    with app.app_context(), db.connection_context():
        upgrade()
        create_status("Active")
        job = _received(lifecycle, path)
        if not part.startswith("verify"):  # the import and its limit follow a verify
            runner.verify(job.id)
        if part == DATABASE_ALONE:
            if url_is_sqlite():
                return {**_result(0, time.perf_counter()), "state": "skipped (PostgreSQL only)"}
            runner.ingest(job.id)
            return {**copied_back(db), "state": "done"}
        if part in (UPDATES, UNDO_UPDATES):  # the adds go in first, untimed; then changed
            runner.ingest(job.id)
            job = _received(lifecycle, updates_file(path))
            runner.verify(job.id)
        if part in (UNDO, UNDO_UPDATES):  # the import goes in, untimed; undo queued, run here
            runner.ingest(job.id)
            ImportJob.move(job.id, "queued", {ImportJob.phase: "undo"})
        started = time.perf_counter()
        if part == "raw writes":
            return {**_result(bulk_writes(job.id), started), "state": "done"}
        if part == INDEXES_AFTER:
            if url_is_sqlite():
                return {**_result(0, started), "state": "skipped (PostgreSQL only)"}
            definitions = dropped_indexes(db)
            written = bulk_writes(job.id)
            for definition in definitions:
                db.execute_sql(definition)
            return {**_result(written, started), "state": "done"}
        if part.startswith("verify"):
            done = queued(job.id, "verify", int(part[-1]))
        elif part == "import x2":
            done = queued(job.id, "import", 2)
        elif part in (UNDO, UNDO_UPDATES):
            done = undo.undo(job.id)
        else:
            done = runner.ingest(job.id)
        undone = done.undo_deleted + done.undo_restored
        result = _result(undone if part in (UNDO, UNDO_UPDATES) else done.rows_done, started)
        result.update(
            state=done.state,
            failed=done.failed,
            written=done.would_add if part.startswith("verify") else done.added + done.updated,
        )
    return result


def _received(lifecycle, path: Path):
    with open(path, "rb") as stream:
        return lifecycle.receive(stream, path.name, None)


def updates_file(path: Path) -> Path:
    """An update of each row of `path` (as many rows, other values), made once. The
    generator leaves customerId blank; an update names its customer there (by import
    ID), so it is filled in."""
    made = path.with_name(f"{path.stem}-updates.csv")
    if not made.exists():
        with open(path, "rb") as rows:
            count = sum(1 for _ in rows) - 1
        generated = made.with_suffix(".generated")
        command = [sys.executable, str(GENERATOR), str(count), str(generated)]
        subprocess.run([*command, "--action", "update", "--seed", "2"], check=True)
        with open(generated, newline="") as source, open(made, "w", newline="") as target:
            rows = csv.DictReader(source)
            written = csv.DictWriter(target, rows.fieldnames)
            written.writeheader()
            written.writerows({**row, "customerId": row["importId"]} for row in rows)
        generated.unlink()
    return made


def queued(job_id: int, phase: str, workers: int):
    """Queue the verify (or the import) as the app does, with `workers` workers waiting
    for it: one cuts the file while the others judge the chunks already cut (or they
    apply its pieces at once)."""
    from webapp.importing import lifecycle
    from webapp.models import ImportJob
    from webapp.queueing import redis_connection

    redis_connection().flushdb()
    log = Path(os.environ["INSTANCE_PATH"]) / "workers.log"
    with log.open("w") as written:
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "jobs.worker"], cwd=ROOT, stdout=written, stderr=written
            )
            for _ in range(workers)
        ]
    lifecycle.start(ImportJob.get_by_id(job_id), phase)
    while (done := ImportJob.get_by_id(job_id)).state in ("queued", "verifying", "importing"):
        time.sleep(0.2)
    for worker in started:
        worker.terminate()
        worker.wait()
    last = (done.finished_at - done.started_at).total_seconds()
    print(f"started to {done.state} in {last:.1f} s", file=sys.stderr)
    for line in log.read_text().splitlines():  # what the last step took, among others
        if "ended" in line:
            print(line.split(": ", 1)[-1], file=sys.stderr)
    return done


def bulk_writes(job_id: int, size: int = 10_000) -> int:
    """What the import writes for the staged adds, loaded in bulk per 10,000 rows, with
    the cycle collector run as seldom as in the import's passes (importing/collector.py)."""
    from webapp.importing import collector

    with collector.seldom():
        return _bulk_writes(job_id, size)


def _bulk_writes(job_id: int, size: int) -> int:
    from webapp.db import db
    from webapp.importing import staging
    from webapp.models import Address, ChangeEntry, Customer, Employer, Phone
    from webapp.models.base import utcnow
    from webapp.services.customer_record import (
        address_rows,
        customer_columns,
        employer_row,
        phone_rows,
    )

    postgres = not url_is_sqlite()
    written = 0
    for chunk in staging.staged_chunks(job_id, size, 0):
        records = [staging.decode(row.record) for row in chunk if row.ok]
        with db.atomic():
            first = (Customer.select(Customer.id).order_by(Customer.id.desc()).scalar() or 0) + 1
            ids = range(first, first + len(records))
            pairs = list(zip(ids, records, strict=True))
            now = utcnow()
            tables = {
                Customer: [{"id": i, **customer_columns(r)} for i, r in pairs],
                Address: [
                    {**row, "customer": i, "kind": kind}
                    for i, r in pairs
                    for kind, row in address_rows(r).items()
                ],
                Phone: [{**row, "customer": i} for i, r in pairs for row in phone_rows(r)],
                Employer: [{**row, "customer": i} for i, r in pairs if (row := employer_row(r))],
                ChangeEntry: [
                    {
                        "customer_id": i,
                        "at": now,
                        "actor": "bench",
                        "source": "bench",
                        "action": "create",
                        "version": 1,
                        "new_value": json.dumps(
                            {k: str(v) for k, v in r.items() if v not in (None, "", [])}
                        ),
                    }
                    for i, r in pairs
                ],
            }
            for model, rows in tables.items():
                _load(db, model, rows, postgres)
        if postgres:
            db.execute_sql("SELECT setval('customer_id_seq', %s)", (ids[-1],))
        written += len(records)
    return written


def written_models() -> tuple:
    """The tables an import of new customers writes (and bulk_writes fills)."""
    from webapp.models import Address, ChangeEntry, Customer, Employer, Phone

    return (Customer, Address, Phone, Employer, ChangeEntry)


def copied_back(db) -> dict:
    """The database's own share of an import's writes, timed: the rows the import wrote to
    the tables "raw writes" fills are copied out, the tables emptied, and the rows copied
    back, one COPY per table, with every index and trigger in place (PostgreSQL)."""
    from webapp.models import Customer, CustomerNameWord

    models = written_models()
    cursor = db.cursor()
    with contextlib.ExitStack() as files:
        dumps = []
        for model in models:
            columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
            table = model._meta.table_name
            dump = files.enter_context(tempfile.TemporaryFile("w+"))
            rows = f'SELECT {columns} FROM "{table}" ORDER BY id'
            cursor.copy_expert(f"COPY ({rows}) TO STDOUT", dump)
            dumps.append((table, columns, dump))
        written = Customer.select().count()
        emptied = ", ".join(f'"{m._meta.table_name}"' for m in (*models, CustomerNameWord))
        db.execute_sql(f"TRUNCATE {emptied} CASCADE")
        started = time.perf_counter()
        for table, columns, dump in dumps:
            dump.seek(0)
            with db.atomic():
                cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', dump)
        return _result(written, started)


def dropped_indexes(db) -> list[str]:
    """Drop the secondary indexes of the tables bulk_writes fills; their definitions."""
    tables = [m._meta.table_name for m in written_models()]
    found = db.execute_sql(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = current_schema() AND t.relname = ANY(%s) "
        "AND NOT x.indisunique AND NOT x.indisprimary",
        (tables,),
    ).fetchall()
    for name, _ in found:
        db.execute_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def url_is_sqlite() -> bool:
    return os.environ["DATABASE_URL"].startswith("sqlite")


def _load(db, model, rows: list[dict], postgres: bool) -> None:
    fields = [f for f in model._meta.sorted_fields if f.name != "id" or "id" in rows[0]]
    defaults = [f.default() if callable(f.default) else f.default for f in fields]
    values = [
        [_sql(row.get(f.name, default)) for f, default in zip(fields, defaults, strict=True)]
        for row in rows
    ]
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    table = model._meta.table_name
    if postgres:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["\\N" if v is None else v for v in row] for row in values])
        buffer.seek(0)
        db.cursor().copy_expert(
            f"COPY \"{table}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )
    else:
        marks = ", ".join("?" * len(fields))
        db.connection().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)


def _sql(value):
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(" ") if hasattr(value, "hour") else value.isoformat()
    if hasattr(value, "id"):
        return value.id
    return value if value is None or isinstance(value, int | float) else str(value)


def _result(rows: int, started: float) -> dict:
    seconds = time.perf_counter() - started
    peak_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_rss_mib": peak_kib / 1024,
    }


CHILDREN = {"raw": raw, **{part: (lambda p, u, part=part: ours(part, p, u)) for part in PARTS[1:]}}


def report(path: Path, results: dict, database: str) -> None:
    first = next(iter(results.values()))
    base = {name: results[name]["rows_per_s"] for name in ("raw", "raw writes") if name in results}
    print(f"\nfile: {path.name}, {first['rows']:,} rows, {database}")
    print(f"{'part':<26}{'seconds':>9}{'rows/s':>10}{'of raw':>8}{'of writes':>11}{'peak RSS':>11}")
    for part, result in results.items():
        rate = result["rows_per_s"]
        shares = "".join(
            f"{rate / base[name]:>{width}.1%}" if name in base else f"{'':>{width}}"
            for name, width in (("raw", 8), ("raw writes", 11))
        )
        print(
            f"{part:<26}{result['seconds']:>9.1f}{rate:>10,.0f}{shares}"
            f"{result['peak_rss_mib']:>7.0f} MiB"
        )
    if {"verify x2", "import"} <= set(results):
        both = results["verify x2"]["seconds"] + results["import"]["seconds"]
        print(f"{'verify x2 + import':<26}{both:>9.1f}{results['import']['rows'] / both:>10,.0f}")
    if {"verify x2", "import x2"} <= set(results):
        both = results["verify x2"]["seconds"] + results["import x2"]["seconds"]
        rate = results["import x2"]["rows"] / both
        print(f"{'verify x2 + import x2':<26}{both:>9.1f}{rate:>10,.0f}")
    for phase, one in (("verify", "verify x1"), ("import", "import")):
        if {one, f"{phase} x2"} <= set(results):
            speedup = results[one]["seconds"] / results[f"{phase} x2"]["seconds"]
            print(f"{phase} with 2 workers: {speedup:.2f}x {phase} with 1")


if __name__ == "__main__":
    main()
