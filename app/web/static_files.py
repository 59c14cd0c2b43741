"""The chat's browser code and styles in app/web/static, read once and joined where a component needs them."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


def static_text(*names: str) -> str:
    """The static files `names` joined in order (an ES module puts its shared helpers first)."""
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in names)
