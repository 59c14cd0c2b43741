"""`python -m bench.cold_start`: wall time of `python -m app ask` as a fresh process on the sample index.

Indexes data/sample into a temporary data dir (moderation as configured by the defaults, i.e. on),
then runs each question as its own process, as a user at a terminal does, and reports the wall time of
each run and the median, with the CPU time (user + system) of the process, which a busy shared machine
inflates far less than the wall time. The first run after indexing also pays for a cold OS file cache;
the target (≤ 3 s per question) is about the median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / ".cache" / "models"
QUESTIONS = [
    "How do I re-index a folder?",
    "How many daily backup copies should I keep?",
    "What is the capital of Mongolia?",
    "My email is jane.doe@example.com, how do I add a folder to the index?",
]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")}
    env.update({"CITEWISE_DATA_DIR": str(data_dir), "CITEWISE_MODEL_CACHE_DIR": str(MODELS),
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"})
    return env


def run(repeats: int) -> dict[str, object]:
    """Index the samples, then time `python -m app ask` per question, `repeats` times each."""
    with tempfile.TemporaryDirectory(prefix="citewise-cold-") as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run([sys.executable, "-m", "ingest", "sync", str(ROOT / "data" / "sample"), "--collection",
                        "sample", "--json"], cwd=ROOT, env=_env(data_dir), check=True, capture_output=True)
        runs: list[dict[str, object]] = []
        for _ in range(repeats):
            for question in QUESTIONS:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "app", "ask", question], cwd=ROOT,
                                      env=_env(data_dir), capture_output=True, text=True)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                runs.append({"question": question, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                             "exit": done.returncode})
        walls = [float(r["wall_s"]) for r in runs]  # type: ignore[arg-type]
        cpus = [float(r["cpu_s"]) for r in runs]  # type: ignore[arg-type]
        return {"runs": runs, "median_s": round(statistics.median(walls), 2), "max_s": round(max(walls), 2),
                "median_cpu_s": round(statistics.median(cpus), 2), "load_1min": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2, help="Times each question is asked.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args()
    result = run(args.repeats)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for r in result["runs"]:  # type: ignore[union-attr]
        print(f"{r['wall_s']:6.2f} s wall {r['cpu_s']:5.2f} s cpu  exit {r['exit']}  {r['question']}")  # type: ignore[index]
    print(f"median {result['median_s']} s wall ({result['median_cpu_s']} s cpu), max {result['max_s']} s, "
          f"over {len(result['runs'])} runs; load average {result['load_1min']}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
