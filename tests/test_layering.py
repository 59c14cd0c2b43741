"""The import layering of docs/DESIGN.md holds: no module imports a layer above its own.

Foundation (settings, text, embeddings, index) < ingest < answer pipeline < composition root and entry
points (services, CLIs, web, evaluations). Lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOUNDATION = ("app.settings", "app.text", "app.sqlite_db", "app.embeddings", "app.index")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in ("app", "ingest")}


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _graph() -> dict[str, set[str]]:
    files = [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("ingest").rglob("*.py")]
    return {_module(f): _imports(f) for f in files}


def test_the_foundation_imports_only_the_foundation() -> None:
    wrong = {m: sorted(i for i in imports if not _within(i, FOUNDATION))
             for m, imports in _graph().items() if _within(m, FOUNDATION)}
    assert not {m: i for m, i in wrong.items() if i}, "the foundation must not import higher layers"


def test_ingestion_builds_on_the_foundation_only() -> None:
    allowed = (*FOUNDATION, "ingest", "app.errors")
    wrong = {m: sorted(i for i in imports if not _within(i, allowed))
             for m, imports in _graph().items() if _within(m, ("ingest",)) and m != "ingest.cli"}
    assert not {m: i for m, i in wrong.items() if i}, "ingestion must not import the answer pipeline"


def test_the_answer_pipeline_never_imports_ingestion() -> None:
    top = ("app.services", "app.cli", "app.web", "app.evals", "app.__main__")
    wrong = {m: sorted(i for i in imports if _within(i, ("ingest",)))
             for m, imports in _graph().items() if _within(m, ("app",)) and not _within(m, top)}
    assert not {m: i for m, i in wrong.items() if i}, "the answer pipeline must not import ingest"
