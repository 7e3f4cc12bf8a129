"""`adequacy`: the probability that an English sentence carries a Major accuracy error, given its source.

A small logistic model over what the encoder and the figures tell about an aligned pair: how close the two
sentence vectors are and how far above the neighbours, how well each side's words find a counterpart on the other
(cosine of e5's token states, best match per token: the mean and the worst tenth), the length ratio, figures left
over on either side, untranslated source script in the English, and the English-only garble score. Trained on WMT
2020/2021 zh→en news MQM `train` documents (Major `Accuracy/*` against segments every rater passed), its warning
point chosen on `calib`, reported on `dev` (`python -m checker_dev.source_eval`; models/adequacy/MODEL_CARD.md).
A raw cosine is never the verdict: the model's weights and the calibrated point are.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from checker.bitext.numbers import compare, english_figures, source_figures
from checker.modelstore import ModelError, sha256_file, shipped

FEATURES = ("cosine", "margin", "cover_src", "cover_en", "worst_src", "worst_en", "length_ratio", "source_chars",
            "english_words", "figures_missing", "figures_extra", "source_script", "garble")
HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class PairText:
    """One aligned bead as the adequacy model reads it."""

    source: str
    english: str
    language: str
    margin: float = 0.0
    garble: float = 0.0


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6)


def features(pairs: list[PairText], encoder: Any) -> np.ndarray:
    """Feature rows (in FEATURES order), one per pair; `encoder.encode` gives vectors and token states."""
    if not pairs:
        return np.zeros((0, len(FEATURES)), np.float32)
    vecs, tokens, _spans = encoder.encode([p.source for p in pairs] + [p.english for p in pairs])
    n = len(pairs)
    rows = []
    for k, p in enumerate(pairs):
        ts, te = _unit(tokens[k]), _unit(tokens[n + k])
        if len(ts) and len(te):
            sim = ts @ te.T
            best_s, best_e = sim.max(axis=1), sim.max(axis=0)
        else:
            best_s = best_e = np.zeros(1)
        cmp = compare(source_figures(p.source, p.language), english_figures(p.english))
        rows.append([
            float(vecs[k] @ vecs[n + k]), p.margin, float(best_s.mean()), float(best_e.mean()),
            float(np.percentile(best_s, 10)), float(np.percentile(best_e, 10)),
            math.log(max(len(p.english), 1) / max(len(p.source), 1)), math.log(max(len(p.source), 1)),
            math.log(max(len(p.english.split()), 1)), float(len(cmp.missing)), float(len(cmp.extra)),
            float(bool(HAN.search(p.english)) and p.language in ("zh", "ja")), p.garble])
    return np.asarray(rows, np.float32)


class AdequacyModel:
    """Standardised features → logistic regression; `warning` is the calibrated point of `source-meaning`."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or shipped("adequacy/adequacy-lr.json")
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"adequacy model {path}: {exc}") from None
        if not isinstance(spec, dict) or "warning" not in spec:
            raise ModelError(f"adequacy model {path}: no calibrated 'warning' point")
        self._read(spec, str(path))
        self.sha256 = sha256_file(path)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> AdequacyModel:
        """A model from its JSON fields, not yet written (a training run's candidate)."""
        model = cls.__new__(cls)
        model._read(spec, "candidate")
        model.sha256 = ""
        return model

    def _read(self, spec: dict[str, Any], where: str) -> None:
        try:
            self.mean = np.asarray(spec["mean"], np.float64)
            self.scale = np.asarray(spec["scale"], np.float64)
            self.weights = np.asarray(spec["weights"], np.float64)
            self.bias = float(spec["bias"])
            self.warning = float(spec.get("warning", 0.5))
            if tuple(spec["features"]) != FEATURES:
                raise ModelError(f"{where}: trained on other features ({', '.join(spec['features'])})")
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"adequacy model {where}: {exc}") from None
        self.name = str(spec.get("name", "adequacy-lr"))
        self.version = str(spec.get("version", "1"))
        self.language_pairs = tuple(spec.get("language_pairs", ()))

    def predict(self, rows: np.ndarray) -> list[float]:
        if not len(rows):
            return []
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return [float(v) for v in 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))]


def load(threads: int | None = None) -> AdequacyModel:
    """The shipped adequacy model (the part loader `checker.models` names)."""
    return AdequacyModel()
