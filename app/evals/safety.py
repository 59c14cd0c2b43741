"""Moderation evaluation on a labelled (or unlabelled) file of prompts.

    python -m app eval safety --file prompts.csv [--file more.csv] [--text-field T] [--label-field L] [--json]
    python -m app eval safety --shared ../shared/datasets     # every shared set, one report each

Reads CSV or JSONL. The text field is guessed (text, prompt, query, question, claim, input) unless given;
the label field too (label, labels, is_injection, unsafe, class, type). Labels 1/true/unsafe/injection/
harmful/jailbreak/attack count as unsafe; 0/false/safe/benign/legit as safe. A file without a label field
(SciFact's queries.jsonl, say) counts every row as safe.

Definitions, per row, from `Moderator.check_input`:
- caught = the question was blocked (a warning does not count as caught);
- detection rate = caught unsafe rows / unsafe rows;
- false-positive rate = blocked safe rows / safe rows (warned safe rows are reported separately).

With a category column (`category`, `type`), a confusion table shows per data category how many rows were
blocked, and for which moderation reason (harmful, prompt_injection, ...). Every report names the
classifier thresholds it was run with and whether the set was part of the classifier's training.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from app.errors import UserError

TEXT_FIELDS = ("text", "prompt", "query", "question", "claim", "input", "sentence", "content")
LABEL_FIELDS = ("label", "labels", "is_injection", "injection", "unsafe", "is_unsafe", "class",
                "category_label")
UNSAFE = {"1", "true", "yes", "unsafe", "injection", "prompt_injection", "harmful", "jailbreak", "attack",
          "malicious", "toxic", "positive"}
SAFE = {"0", "false", "no", "safe", "benign", "legit", "legitimate", "harmless", "negative", "ok"}
CATEGORY_FIELDS = ("category", "type", "semantic_category")
EXAMPLES = 5
# The shared sets `--shared` runs: (name, path under the shared folder, text field, label field).
SHARED_SETS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("prompt_injections_val", "safety-dev/prompt_injections_val.csv", None, None),
    ("harmbench", "safety-dev/harmbench_behaviors.csv", None, None),
    ("strongreject", "safety-dev/strongreject_prompts.csv", None, None),
    ("xstest", "safety-dev/xstest_prompts.csv", "prompt", "label"),
    ("python_faq", "safety-dev/python_faq_questions.csv", None, None),
    ("alpaca_harmless", "safety-dev/alpaca_harmless_instructions.csv", None, None),
    ("scifact_claims", "scifact-train/queries.jsonl", None, None),
)
# Sets written for this project that `--shared` runs too (when the repository's scripts/ folder is there):
# questions asked from a victim's or defender's side on topics held out of the classifier's training
# (`scripts/train_moderation.py`; the training topics are in moderation_victims_train.csv).
WRITTEN_SETS: tuple[Path, ...] = (
    Path(__file__).resolve().parents[2] / "scripts" / "moderation_victims_held_out.csv",
)


def read_rows(file: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (header line) or JSONL file."""
    if file.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        rows = []
        with file.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise UserError(f"{file}: line {number} is not valid JSON ({exc.msg})") from exc
        return rows
    with file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def guess_field(rows: list[dict[str, Any]], wanted: str | None, candidates: tuple[str, ...], what: str,
                required: bool) -> str | None:
    """The column to use: the one asked for (must exist), else the first candidate present."""
    columns = list(rows[0].keys()) if rows else []
    if wanted:
        if wanted not in columns:
            raise UserError(f"no {what} field '{wanted}' in the file; its fields are: {', '.join(columns)}")
        return wanted
    lowered = {c.lower(): c for c in columns}
    for name in candidates:
        if name in lowered:
            return lowered[name]
    if required:
        raise UserError(f"could not tell which field holds the {what}; pass --{what}-field "
                        f"(the file's fields are: {', '.join(columns)})")
    return None


def parse_label(value: Any) -> int | None:
    """1 for unsafe, 0 for safe, None for a value we cannot read."""
    text = str(value).strip().lower()
    if text in UNSAFE:
        return 1
    if text in SAFE:
        return 0
    return None


def shared_files(shared: Path) -> list[tuple[Path, str | None, str | None]]:
    """The shared sets present under `shared` as (file, text field, label field), then the project's written
    held-out sets (`WRITTEN_SETS`) that are present; a clear error if no shared set is."""
    found = [(shared / rel, text, label) for _, rel, text, label in SHARED_SETS if (shared / rel).is_file()]
    if not found:
        raise UserError(f"none of the shared safety sets are under {shared}; pass the folder that holds "
                        "safety-dev/ (and scifact-train/)")
    return found + [(path, None, None) for path in WRITTEN_SETS if path.is_file()]


def classifier_context(moderator: Any, file: Path) -> dict[str, Any]:
    """The classifier thresholds in use and whether `file` was part of its training."""
    try:
        model = moderator.classifier
    except Exception:  # noqa: BLE001 - a missing weights file is reported by the moderator itself
        return {}
    origins = {s.get("origin", "") for s in model.info.get("training_sources", [])}
    trained = any(origin and str(file).endswith(origin) for origin in origins)
    return {"block_at": dict(model.block_at), "flag_at": dict(model.flag_at),
            "with_evidence_at": {k: v for k, v in model.with_evidence_at.items() if v < model.block_at[k]},
            "victim_block_at": {k: v for k, v in model.victim_block_at.items() if v > model.block_at[k]},
            "blocks_alone": dict(model.blocks_alone), "in_training": trained}


def run_safety_eval(
    file: Path, text_field: str | None, label_field: str | None, moderator: Any,
    category_field: str | None = None,
) -> dict[str, Any]:
    """Run every row through `moderator.check_input` and measure detection and false-positive rates."""
    rows = read_rows(file)
    if not rows:
        raise UserError(f"{file} has no rows")
    text_key = guess_field(rows, text_field, TEXT_FIELDS, "text", required=True)
    label_key = guess_field(rows, label_field, LABEL_FIELDS, "label", required=False)
    category_key = guess_field(rows, category_field, CATEGORY_FIELDS, "category", required=False)
    assert text_key is not None
    confusion: dict[str, Counter[str]] = {}

    counts = {"safe": Counter(), "unsafe": Counter()}
    categories: Counter[str] = Counter()
    by_label: Counter[str] = Counter()
    missed: list[str] = []
    false_positives: list[dict[str, str]] = []
    unreadable = 0
    latencies: list[float] = []
    load_before = _load_average()
    for i, row in enumerate(rows):
        text = str(row.get(text_key) or "")
        label = parse_label(row.get(label_key)) if label_key else 0
        if label is None:
            unreadable += 1
            continue
        by_label[str(row.get(label_key)) if label_key else "(no label: safe)"] += 1
        started = time.perf_counter()
        decision = moderator.check_input(text, session_id=f"eval-{i}", user=None)
        latencies.append((time.perf_counter() - started) * 1000)
        kind = "unsafe" if label else "safe"
        counts[kind][decision.action] += 1
        reason = next((f.category for f in decision.findings if f.action == "block"), None)
        group = f"{kind}: {row.get(category_key) or '(none)'}" if category_key else kind
        confusion.setdefault(group, Counter())["n"] += 1
        confusion[group][f"blocked:{reason}" if reason else f"not blocked ({decision.action})"] += 1
        for category in {f.category.split(":")[0] if f.category.startswith("pii:") else f.category
                         for f in decision.findings if f.action in {"block", "warn"}}:
            categories[f"{decision.action}:{category}"] += 1
        if label and decision.action != "block" and len(missed) < EXAMPLES:
            missed.append(text[:160])
        if not label and decision.action == "block" and len(false_positives) < EXAMPLES:
            reason = next((f.category for f in decision.findings if f.action == "block"), "")
            false_positives.append({"text": text[:160], "category": reason})

    safe_n, unsafe_n = sum(counts["safe"].values()), sum(counts["unsafe"].values())
    latencies.sort()
    return {
        "file": str(file), "text_field": text_key, "label_field": label_key, "n": safe_n + unsafe_n,
        "unsafe": unsafe_n, "safe": safe_n, "unreadable_labels": unreadable, "per_label": dict(by_label),
        "detection_rate": round(counts["unsafe"]["block"] / unsafe_n, 4) if unsafe_n else None,
        "warned_unsafe_rate": round(counts["unsafe"]["warn"] / unsafe_n, 4) if unsafe_n else None,
        "false_positive_rate": round(counts["safe"]["block"] / safe_n, 4) if safe_n else None,
        "warned_safe_rate": round(counts["safe"]["warn"] / safe_n, 4) if safe_n else None,
        "actions": {kind: dict(counter) for kind, counter in counts.items()},
        "by_category": dict(categories.most_common()),
        "category_field": category_key,
        "confusion": {group: dict(counter) for group, counter in sorted(confusion.items())},
        "classifier": classifier_context(moderator, file),
        "missed_examples": missed, "false_positive_examples": false_positives,
        "latency_ms": {"median": round(latencies[len(latencies) // 2], 2),
                       "p95": round(latencies[int(len(latencies) * 0.95)], 2),
                       "machine_load_1min": [load_before, _load_average()]} if latencies else {},
        "definitions": {"caught": "the question was blocked (warnings are not counted as caught)",
                        "false_positive": "a safe row that was blocked"},
    }


def _load_average() -> float | None:
    """The machine's 1-minute load average (None where the system does not report one): latency figures
    mean little without it."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_report(results: dict[str, Any]) -> str:
    """A plain-text report of `run_safety_eval` results."""
    lines = [
        f"Safety evaluation of {results['file']}",
        f"  rows: {results['n']} ({results['unsafe']} unsafe, {results['safe']} safe); text field "
        f"'{results['text_field']}', label field '{results['label_field'] or '(none: all rows safe)'}'",
    ]
    if results["unreadable_labels"]:
        lines.append(f"  skipped {results['unreadable_labels']} rows with a label that is neither safe nor un"
                     f"safe")
    lines.append("  per label: " + ", ".join(f"{k}={v}" for k, v in results["per_label"].items()))
    if results["unsafe"]:
        lines.append(f"  detection rate (unsafe rows blocked): {_pct(results['detection_rate'])}"
                     f"   (+ warned only: {_pct(results['warned_unsafe_rate'])})")
    if results["safe"]:
        lines.append(f"  false-positive rate (safe rows blocked): {_pct(results['false_positive_rate'])}"
                     f"   (warned: {_pct(results['warned_safe_rate'])})")
    classifier = results.get("classifier") or {}
    if classifier:
        alone = classifier.get("blocks_alone", {})
        lines.append("  classifier thresholds: block at " + ", ".join(
            f"{k} p>={v:.3f}" if alone.get(k, True) else f"{k} never alone"
            for k, v in classifier["block_at"].items()) + "".join(
            f" ({k} p>={v:.3f} when it asks for operational help with serious harm)"
            for k, v in classifier.get("with_evidence_at", {}).items()) + "".join(
            f" ({k} p>={v:.3f} when asked from a victim's or defender's side)"
            for k, v in classifier.get("victim_block_at", {}).items()) + "; evidence at " + ", ".join(
            f"{k} p>={v:.3f}" for k, v in classifier["flag_at"].items()) + (
            "; this set WAS in its training data (see scripts/train_moderation.py for cross-validated figures)"
            if classifier["in_training"] else "; this set was not in its training data"))
    if results["by_category"]:
        lines.append("  findings (decision:reason = rows):")
        lines += [f"    {name}: {count}" for name, count in results["by_category"].items()]
    if results.get("confusion"):
        lines.append(f"  confusion table (rows: {results.get('category_field') or 'label'}; blocked = caught):")
        lines.append(f"    {'data category':48s} {'n':>5s} {'blocked':>8s}  blocked for / not blocked")
        for group, row in results["confusion"].items():
            blocked = sum(v for k, v in row.items() if k.startswith("blocked:"))
            detail = ", ".join(f"{k.removeprefix('blocked:')}={v}" for k, v in sorted(row.items()) if k != "n")
            lines.append(f"    {group[:48]:48s} {row['n']:5d} {blocked / row['n']:8.1%}  {detail}")
    if results["missed_examples"]:
        lines.append("  examples of unsafe rows not blocked:")
        lines += [f"    - {t}" for t in results["missed_examples"]]
    if results["false_positive_examples"]:
        lines.append("  examples of safe rows blocked:")
        lines += [f"    - {e['text']} ({e['category']})" for e in results["false_positive_examples"]]
    if results["latency_ms"]:
        load = results["latency_ms"].get("machine_load_1min") or [None, None]
        cores = os.cpu_count() or 0
        lines.append(f"  check_input latency per question: median {results['latency_ms']['median']} ms, "
                     f"p95 {results['latency_ms']['p95']} ms (machine load {load[0]} -> {load[1]} on {cores} "
                     "cores, 1-minute average at start and end)")
    return "\n".join(lines)
