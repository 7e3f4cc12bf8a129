"""Garble probability: a small logistic model over sentence features, fitted on TED MQM (see models/garble/)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from checker.features import FEATURES

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "models" / "garble" / "garble-lr.json"


class GarbleModel:
    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        raw = path.read_bytes()  # read once: the same bytes give the spec and the sha256 in reports
        spec = json.loads(raw)
        self.features: list[str] = spec["features"]
        missing = set(self.features) - set(FEATURES)
        if missing:
            raise ValueError(f"garble model needs unknown features: {sorted(missing)}")
        self.mean = spec["mean"]
        self.scale = spec["scale"]
        self.coef = spec["coef"]
        self.intercept = spec["intercept"]
        self.threshold: float = spec["threshold"]
        self.warning: float = spec["warning"]
        self.name = spec.get("name", "garble-lr")
        self.version = spec.get("version", "1")
        self.sha256 = hashlib.sha256(raw).hexdigest()

    def probability(self, row: dict[str, float]) -> float:
        z = self.intercept + sum(c * (row[f] - m) / s for f, c, m, s in
                                 zip(self.features, self.coef, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, row: dict[str, float]) -> dict[str, float]:
        """Per-feature push towards 'garbled', used to word the reason."""
        return {f: c * (row[f] - m) / s for f, c, m, s in zip(self.features, self.coef, self.mean, self.scale)}
