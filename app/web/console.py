"""The admin console at /console (placeholder until the console lands)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.settings import Settings


@dataclass
class ConsoleMount:
    """What the console adds to the web server."""

    routes: dict[str, Any] = field(default_factory=dict)  # Panel pages by URL path
    extra_patterns: list[tuple[Any, ...]] = field(default_factory=list)  # tornado handlers
    serve_kwargs: dict[str, Any] = field(default_factory=dict)  # extra pn.serve options


def console_mount(settings: Settings) -> ConsoleMount:
    return ConsoleMount()
