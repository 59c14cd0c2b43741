"""The console's charts as an admin reads them: tick labels and bar colours (no browser needed)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.moderation.audit import AuditLog
from app.query_log import QueryLog
from app.web.console.moderation import ModerationTab
from app.web.console.plots import MODE_COLORS
from app.web.console.usage import UsageTab


def _figures(objects: list[Any]) -> dict[str, Any]:
    """Bokeh figures inside the Panel objects of a tab, by title."""
    found: dict[str, Any] = {}

    def visit(obj: Any) -> None:
        title = getattr(getattr(obj, "title", None), "text", None)
        if title is not None and hasattr(obj, "renderers"):
            found[title] = obj
        for child in getattr(obj, "objects", None) or []:
            visit(child)
        inner = getattr(obj, "object", None)
        if inner is not None and not isinstance(inner, str):
            visit(inner)

    for obj in objects:
        visit(obj)
    return found


def _page(**stores: Any) -> Any:
    """The console page as the tabs see it: its shared stores (real logs written by the test)."""
    return SimpleNamespace(services=SimpleNamespace(**stores))


def _nice_steps(low: float, high: float) -> list[float]:
    """Tick steps Bokeh's adaptive ticker may choose (1, 2 or 5 times a power of ten) within a span."""
    steps = []
    for power in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        steps += [m * 10.0**power for m in (1, 2, 5) if low <= m * 10.0**power <= high]
    return steps


@pytest.mark.parametrize("scale", [0.00001, 0.0001, 0.01, 3.0, 4000.0])
def test_cost_axis_ticks_are_distinct_even_for_tiny_costs(tmp_path: Path, scale: float) -> None:
    log = QueryLog(tmp_path / "queries.sqlite3")
    now = datetime.now(UTC)
    for day, cost in enumerate((1.0, 2.5, 3.0)):
        log.record({"at": (now - timedelta(days=day)).isoformat(timespec="milliseconds"), "session": "s",
                    "question": f"question {day}", "mode": "llm", "answer": "An answer [1].", "model": "gpt-x",
                    "prompt_tokens": 800, "completion_tokens": 60, "cost_usd": cost * scale})
    charts = _figures(UsageTab(_page(query_log=log)).usage())
    axis = charts["Cost per day by model (USD)"].yaxis[0].formatter.format
    decimals = len(re.sub(r"[^0]", "", axis.split(".", 1)[1])) if "." in axis else 0
    top = 3.0 * scale * 1.1  # the largest day and the range's padding
    for step in _nice_steps(top / 12, top / 2):  # whatever step Bokeh picks for about six ticks
        labels = [f"{k * step:.{decimals}f}" for k in range(math.ceil(top / step) + 1)]
        assert len(set(labels)) == len(labels), f"{axis} shows {labels}"


def test_moderation_actions_are_coloured_by_what_happened(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.sqlite3")
    for action in ("allow", "allow", "allow", "block", "warn"):
        audit.record("s", "input", "prompt_injection" if action == "block" else "none", 0.9, action, "text")
    charts = _figures(ModerationTab(_page(audit_log=audit)).moderation())
    bars = charts["Decisions by action"].renderers[0]
    data = bars.data_source.data
    colour = dict(zip(data["label"], data[bars.glyph.fill_color], strict=True))
    assert colour["block"] == MODE_COLORS["blocked"]  # the red used for blocked answers everywhere
    assert colour["allow"] != colour["block"] and colour["warn"] != colour["block"]
    audit.close()
