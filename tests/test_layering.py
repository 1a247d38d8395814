"""House rules on how the code is layered, read from the source with `ast`:

- the web app (webapp/) never imports the workers' package (jobs/); it enqueues their
  entry points by dotted name (webapp/queueing.py), and jobs imports webapp, not back;
- htmx request headers are read through htmx-flask (`request.htmx`), never by hand."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

from webapp import queueing

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webapp", "jobs")


def sources(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, tree: ast.AST):
    """(line, dotted module) for every import in the file, at any depth: `import x`,
    `from x import y` (relative ones resolved), importlib.import_module("x") and
    __import__("x") with a literal name."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from webapp import jobs`-style submodules
                yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else function.id
                if isinstance(function, ast.Name)
                else ""
            )
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                yield node.lineno, first.value


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_web_app_never_imports_jobs():
    found = [
        f"{path.relative_to(ROOT)}:{line}: imports {module}"
        for path, tree in sources("webapp")
        for line, module in imported(path, tree)
        if top(module) == "jobs"
    ]
    assert not found, "the web app imports the jobs package:\n" + "\n".join(found)


def test_no_import_cycle_between_webapp_and_jobs():
    """jobs may import webapp; a cycle needs webapp to reach jobs back, directly or via
    any other first-party package."""
    first_party = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    edges: dict[str, set[str]] = {}
    for package in first_party:
        for path, tree in sources(package):
            for _, module in imported(path, tree):
                if top(module) in first_party and top(module) != package:
                    edges.setdefault(package, set()).add(top(module))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            after == goal or (after not in seen and reaches(after, goal, seen | {after}))
            for after in edges.get(start, ())
        )

    assert "webapp" in edges.get("jobs", set())  # the intended direction is seen
    assert not reaches("webapp", "jobs", {"webapp"}), edges


def test_the_running_web_app_loads_no_jobs_module():
    """The same, for imports no source text shows (a name built at run time)."""
    code = (
        "import sys\n"
        "from webapp import create_app\n"
        "app = create_app({'TESTING': True, 'DATABASE_URL': 'sqlite:///:memory:',"
        " 'SECRET_KEY': 'x'})\n"
        "from webapp.services import queue_monitor, webhooks\n"
        "from webapp.importing import cli, lifecycle, runner\n"
        "loaded = sorted(n for n in sys.modules if n == 'jobs' or n.startswith('jobs.'))\n"
        "assert not loaded, loaded\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]


def test_the_jobs_enqueued_by_name_exist():
    names = [
        value
        for name, value in vars(queueing).items()
        if name.isupper() and isinstance(value, str) and value.startswith("jobs.")
    ]
    assert len(names) == 9
    for dotted in names:
        module, _, function = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function, None)), dotted


VARY_ON_HTMX = ("webapp/security_headers.py", "HX-Request")


def test_htmx_headers_are_read_through_htmx_flask():
    """No HX-… header name in the web app's code: requests are asked `request.htmx`
    (and its attributes), responses are made with htmx_flask.make_response."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path, tree in sources("webapp")
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.lower().lstrip().startswith(("hx-", "http_hx_"))
        # Vary must name the request header; htmx-flask has no helper that writes it.
        and (str(path.relative_to(ROOT)), node.value) != VARY_ON_HTMX
    ]
    assert not found, "read htmx headers through htmx-flask:\n" + "\n".join(found)
