"""Import speed against the raw limit, measured in one run on the same file.

    python bench/import_bench.py                 # 100k rows
    python bench/import_bench.py --rows 1000000
    python bench/import_bench.py --file my.csv

raw    = csv parse + one SQLite executemany of the raw rows into one 54-column table,
         in one transaction: the limit, with no index, no check and no history
verify = our verify pass (every rule, every lookup; writes nothing to customers)
ingest = our import pass (checks again, writes customers, addresses, phones, employers
         and history through the services, commits in checkpointed chunks)
Each measured part runs in a fresh child process, so its peak RSS is its own.
"""

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "tools" / "gen_customers.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--bad", type=int, default=0, help="every K-th row carries a defect")
    parser.add_argument("--child", nargs=2, metavar=("PART", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        path = args.file or generate(args.rows, Path(folder) / "customers.csv", args.bad)
        results = {part: run_child(part, path) for part in ("raw", "verify", "ingest")}
    report(path, results)


def generate(rows: int, path: Path, bad: int) -> Path:
    if not GENERATOR.exists():
        sys.exit(f"Give --file, or put the shared generator at {GENERATOR}")
    started = time.perf_counter()
    command = [sys.executable, str(GENERATOR), str(rows), str(path)]
    subprocess.run(command + (["--bad", str(bad)] if bad else []), check=True)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def run_child(part: str, path: Path) -> dict:
    finished = subprocess.run(
        [sys.executable, __file__, "--child", part, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if finished.returncode:
        sys.exit(finished.stderr)
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    print(f"{part:>6}: {result['rows']:,} rows in {result['seconds']:.2f} s", flush=True)
    return result


def raw(path: Path) -> dict:
    folder = tempfile.mkdtemp(prefix="raw-")
    database = sqlite3.connect(f"{folder}/raw.db")
    database.execute("PRAGMA journal_mode=wal")
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        database.execute(f"CREATE TABLE raw ({columns})")
        marks = ", ".join("?" * len(header))
        database.executemany(f"INSERT INTO raw VALUES ({marks})", reader)
        database.commit()
    count = database.execute("SELECT COUNT(*) FROM raw").fetchone()[0]
    return _result(count, started)


def ours(part: str, path: Path) -> dict:
    folder = tempfile.mkdtemp(prefix="ours-")
    os.environ.update(INSTANCE_PATH=folder, DATABASE_URL=f"sqlite:///{folder}/bench.db")
    sys.path.insert(0, str(ROOT))
    from webapp import create_app
    from webapp.db import db
    from webapp.importing import lifecycle, runner
    from webapp.schema import upgrade
    from webapp.services.statuses import create_status

    app = create_app()
    with app.app_context(), db.connection_context():
        upgrade()
        create_status("Active")
        with open(path, "rb") as stream:
            job = lifecycle.receive(stream, path.name, None)
        if part == "ingest":  # ingest comes after a verify, as in the product
            runner.verify(job.id)
        started = time.perf_counter()
        done = (runner.verify if part == "verify" else runner.ingest)(job.id)
        result = _result(done.rows_done, started)
        result.update(
            state=done.state,
            failed=done.failed,
            written=done.added if part == "ingest" else done.would_add,
        )
    return result


def _result(rows: int, started: float) -> dict:
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_rss_mib": peak_kib / 1024,
    }


CHILDREN = {
    "raw": raw,
    "verify": lambda p: ours("verify", p),
    "ingest": lambda p: ours("ingest", p),
}


def report(path: Path, results: dict) -> None:
    raw_rate = results["raw"]["rows_per_s"]
    both = results["verify"]["seconds"] + results["ingest"]["seconds"]
    combined = results["verify"]["rows"] / both
    print(f"\nfile: {path.name}, {results['raw']['rows']:,} rows")
    print(f"{'part':<16}{'rows/s':>12}{'ours/raw':>10}{'peak RSS':>12}")
    for part, result in results.items():
        print(
            f"{part:<16}{result['rows_per_s']:>12,.0f}{result['rows_per_s'] / raw_rate:>10.1%}"
            f"{result['peak_rss_mib']:>9.0f} MiB"
        )
    print(f"{'verify + ingest':<16}{combined:>12,.0f}{combined / raw_rate:>10.1%}")


if __name__ == "__main__":
    main()
