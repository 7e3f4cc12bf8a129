"""The reproducibility signature (as sacrebleu's): what decided a report's findings, in full and in one line.

Two reports with the same signature and the same input sha256 have the same findings.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from checker import __version__
from checker.rules import INFOS
from checker.segment import SEGMENTER_VERSION

if TYPE_CHECKING:
    from checker.engine import Engine


def make_signature(engine: Engine) -> dict[str, Any]:
    """Built from the engine's settings and the parts it uses (loading them if they are not yet loaded)."""
    s, m = engine.settings, engine.models
    needs = engine.needs
    thresholds: dict[str, float] = {}
    if "garble" in needs:
        g = m.garble
        error = s.threshold if s.threshold is not None else g.threshold
        thresholds["garble_error"] = error
        thresholds["garble_warning"] = min(s.warning if s.warning is not None else g.warning, error)
    if "nli" in needs:
        thresholds["nli_contradiction"] = s.nli_threshold if s.nli_threshold is not None else m.nli.threshold
    refs = [{"name": p.name, "version": p.version, "sha256": p.sha256}
            for n in needs if (p := getattr(m, n)) is not None]
    return {
        "checker": __version__,
        "models": refs,
        "dtype": m.lm.dtype_name,
        "thresholds": thresholds,
        "rules": {rid: ("off" if not s.enabled(rid) else s.severity(rid, info.default_severity))
                  for rid, info in sorted(INFOS.items())},
        "allow": sorted(s.allow),
        "segmenter": SEGMENTER_VERSION,
    }


def short_signature(sig: dict[str, Any]) -> str:
    """One line, e.g. `checker:0.2.0|lm:gemma-3-270m@a5fd3b62|garble:garble-lr@1c2d…|dtype:float32|…`."""
    if not sig:
        return ""
    parts = [f"checker:{sig.get('checker', '?')}"]
    names = {"gemma-3-270m": "lm", "nli-minilm": "nli"}
    for ref in sig.get("models", []):
        kind = names.get(ref["name"], "garble" if "garble" in ref["name"] else ref["name"])
        parts.append(f"{kind}:{ref['name']}@{(ref.get('sha256') or '-')[:8]}")
    parts.append(f"dtype:{sig.get('dtype', '?')}")
    th = sig.get("thresholds", {})
    if th:
        parts.append("thr:" + "/".join(f"{th[k]:.3f}" for k in sorted(th)))
    custom = {k: v for k, v in sig.get("rules", {}).items() if v != _default(k)}
    extra = {"rules": custom, "allow": sig.get("allow", [])}
    parts.append("rules:default" if not custom and not extra["allow"] else
                 "rules:" + hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest()[:8])
    parts.append(f"seg:{sig.get('segmenter', '?')}")
    return "|".join(parts)


def _default(rule_id: str) -> str | None:
    info = INFOS.get(rule_id)
    return info.default_severity if info else None
