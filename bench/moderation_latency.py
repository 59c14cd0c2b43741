"""Where the time of `Moderator.check_input` goes, per question: PII, rules, abuse model, safety classifier.

    python -m bench.moderation_latency [--shared ../shared/datasets] [--file prompts.csv ...] [--limit 300]

Each question runs through every part on its own (timed with `time.perf_counter`) and then through the whole
`check_input` (wall clock, and CPU time of the calling thread); the report gives median and p95 per part in
milliseconds, with the machine's 1-minute load
average at start and end (figures on a shared machine mean little without it). Without `--file` it reads
the shared Python FAQ and StrongREJECT sets; it skips cleanly when they are absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_SETS = ("safety-dev/python_faq_questions.csv", "safety-dev/strongreject_prompts.csv")
# The whole check's CPU time in the calling thread (onnxruntime runs there: one intra-op thread), which the
# machine's load barely moves; the wall-clock rows above it are what a reader waits.
CPU = "whole check_input, CPU time of the calling thread"


def _percentiles(values: list[float]) -> tuple[float, float]:
    ranked = sorted(values)
    return ranked[len(ranked) // 2], ranked[min(len(ranked) - 1, int(len(ranked) * 0.95))]


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def time_parts(moderator: Any, texts: list[str]) -> dict[str, list[float]]:
    """Milliseconds per text for each part of the input check and for the whole check."""
    from app.moderation.moderator import INPUT_RULES, bounded_rules
    from app.moderation.offensive import offensive_score
    from app.moderation.pii import find_pii

    parts: dict[str, Callable[[str], object]] = {
        "pii (patterns + gated presidio)": find_pii,
        "rules (injection, harm)": lambda t: bounded_rules(t, INPUT_RULES, "input"),
        "abuse model": offensive_score,
        "safety classifier (embedding + n-grams, whole and parts)": moderator._scores,
        "whole check_input": lambda t: moderator.check_input(t, "bench", None),
    }
    out: dict[str, list[float]] = {name: [] for name in [*parts, CPU]}
    for text in texts:
        for name, run in parts.items():
            started, cpu = time.perf_counter(), time.thread_time()
            run(text)
            out[name].append((time.perf_counter() - started) * 1000)
        out[CPU].append((time.thread_time() - cpu) * 1000)  # of the last part: the whole check
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--file", type=Path, action="append", help="a CSV/JSONL of questions (text column guessed)")
    parser.add_argument("--limit", type=int, default=300, help="at most this many questions per file")
    args = parser.parse_args()

    from app.evals.safety import TEXT_FIELDS, guess_field, read_rows
    from app.moderation.moderator import Moderator
    from app.settings import get_settings

    files = args.file or [args.shared / rel for rel in DEFAULT_SETS if (args.shared / rel).is_file()]
    if not files:
        print(f"no question files given and none of {', '.join(DEFAULT_SETS)} under {args.shared}; skipped")
        return
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 10**9, "rate_limit_burst": 10**9})
    moderator = Moderator(settings)
    moderator.warm_up()
    for file in files:
        rows = read_rows(file)
        field = guess_field(rows, None, TEXT_FIELDS, "text", required=True)
        texts = [str(r.get(field) or "") for r in rows][: args.limit]
        load_before = _load()
        timings = time_parts(moderator, texts)
        print(f"{file.name}: {len(texts)} questions, load average {load_before} -> {_load()} on "
              f"{os.cpu_count()} cores")
        for name, values in timings.items():
            median, p95 = _percentiles(values)
            print(f"  {name:58s} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
