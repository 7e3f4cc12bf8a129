"""The reproducibility signature (as sacrebleu's): what decided a report's findings, in full and in one line.

Two reports with the same signature and the same input sha256 have the same findings. Each part contributes its
own entries: every model part its name, version and sha256 (and the LM its number format); every rule what of its
judgement depends on settings or models (resolved thresholds, `Rule.signature`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from checker import __version__
from checker.models import Models
from checker.rules import INFOS, Rule
from checker.segment import SEGMENTER_VERSION
from checker.settings import Settings


def make_signature(settings: Settings, models: Models, needs: Sequence[str], rules: Sequence[Rule]
                   ) -> dict[str, Any]:
    """From the settings, the parts the engine uses (loading them if they are not yet) and its rules."""
    thresholds: dict[str, Any] = {}
    for rule in rules:
        thresholds |= rule.signature(settings, models)
    refs = [{"part": n, "name": p.name, "version": p.version, "sha256": p.sha256}
            for n in needs if (p := getattr(models, n)) is not None]
    return {
        "checker": __version__,
        "models": refs,
        "dtype": models.lm.dtype_name,
        "thresholds": dict(sorted(thresholds.items())),
        "rules": {rid: ("off" if not settings.enabled(rid) else settings.severity(rid, info.default_severity))
                  for rid, info in sorted(INFOS.items())},
        "allow": sorted(settings.allow),
        **({"options": {rid: dict(sorted(o.items())) for rid, o in sorted(settings.options.items())}}
           if settings.options else {}),
        "segmenter": SEGMENTER_VERSION,
    }


OLD_PART_NAMES = {"gemma-3-270m": "lm", "nli-minilm": "nli"}  # reports written before refs named their part


def short_signature(sig: dict[str, Any]) -> str:
    """One line, e.g. `checker:0.2.0|lm:gemma-3-270m@a5fd3b62|garble:garble-tagger@1c2d…|dtype:bfloat16|…`."""
    if not sig:
        return ""
    parts = [f"checker:{sig.get('checker', '?')}"]
    for ref in sig.get("models", []):
        kind = ref.get("part") or OLD_PART_NAMES.get(ref["name"], "garble" if "garble" in ref["name"] else ref["name"])
        parts.append(f"{kind}:{ref['name']}@{(ref.get('sha256') or '-')[:8]}")
    parts.append(f"dtype:{sig.get('dtype', '?')}")
    th = sig.get("thresholds", {})
    if th:
        parts.append("thr:" + "/".join(f"{th[k]:.3f}" for k in sorted(th)))
    custom = {k: v for k, v in sig.get("rules", {}).items() if v != _default(k)}
    extra = {"rules": custom, "allow": sig.get("allow", []), **({"options": sig["options"]} if sig.get("options")
                                                                 else {})}
    parts.append("rules:default" if not custom and not extra["allow"] and "options" not in extra else
                 "rules:" + hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest()[:8])
    parts.append(f"seg:{sig.get('segmenter', '?')}")
    return "|".join(parts)


def _default(rule_id: str) -> str | None:
    info = INFOS.get(rule_id)
    return info.default_severity if info else None
