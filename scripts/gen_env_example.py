"""Regenerate `.env.example` from the settings' descriptions and defaults (a test keeps it in step)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.settings import Settings  # noqa: E402

SECRET_ALIASES = {"openai_api_key": "OPENAI_API_KEY", "llm_base_url": "OPENAI_BASE_URL"}


def render() -> str:
    lines = [
        "# citewise settings: copy to .env and uncomment what you change.",
        "# Every value shown is the default. Secrets come only from the environment or .env.",
        "",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        if name == "prompts_dir":
            default = "prompts"
        shown = "" if default is None else str(default).lower() if isinstance(default, bool) else str(default)
        alias = f" (or {SECRET_ALIASES[name]})" if name in SECRET_ALIASES else ""
        lines.append(f"# {field.description}{alias}")
        lines.append(f"# CITEWISE_{name.upper()}={shown}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    (ROOT / ".env.example").write_text(render())
    print("wrote .env.example")
