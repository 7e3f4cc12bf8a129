"""checker against what a newsroom would otherwise use, on the same labelled sentences.

    pip install -e '.[compare]' && python benchmarks/compare_tools.py     (or: make compare)

Tools compared, each deciding per sentence "flag it" or not:
- checker: any active finding of warning or error on the sentence (what the editor sees highlighted);
- checker's garble score alone (its warning threshold);
- a home-made perplexity script: rank sentences by LM log-perplexity (same Gemma model, same context),
  with its threshold set the way checker's was: 25 % false alarms on clean TED training segments;
  also its best possible threshold chosen on the seed itself (hindsight, flattering to it);
- proselint (PyPI, a rule-based prose linter; the offline stand-in for Vale-style style rules).
LanguageTool and Vale fetch their engines from the internet at first run (language-tool-python downloads
the LanguageTool server, PyPI `vale` downloads the Vale binary from GitHub), so they cannot run here.

Data: the seed (7 garbled, 14 clean sentences) and the TED MQM held-out talks (9 garbled, 159 clean
segments: checker never trained on them).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # checker_dev (dev sets) lives in the repository

import json

from checker_dev.devdata import SEED, seed_labels, talk_of
from checker_dev.ted import TED_CACHE, feature_rows, garble_path, log_ppl


def proselint_flags(texts: list[str]) -> list[bool]:
    """One proselint run per text; True where it reports anything."""
    try:
        from proselint.checks import __register__
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        raise SystemExit("proselint is not installed: pip install -e '.[compare]'") from None
    CheckRegistry().register_many(__register__)
    return [bool(LintFile("<text>", t).lint()) for t in texts]


def tally(name: str, flags: list[bool], gold: list[bool]) -> str:
    caught = sum(f and g for f, g in zip(flags, gold))
    false = sum(f and not g for f, g in zip(flags, gold))
    n_g = sum(gold)
    return f"  {name:<52} caught {caught:>2}/{n_g:<3}  false alarms {false:>3}/{len(gold) - n_g}"


def threshold_at_false_rate(clean_scores: list[float], rate: float) -> float:
    """The cut with round(rate * n) of the clean scores at or above it (ties aside)."""
    k = round(rate * len(clean_scores))
    return sorted(clean_scores, reverse=True)[k - 1] if k else float("inf")


def best_threshold(scores: list[float], gold: list[bool], max_false: int) -> float:
    """The cut that catches most garbled sentences with at most `max_false` clean ones above it."""
    best, best_caught = float("inf"), -1
    for t in sorted(set(scores)):
        if sum(s >= t and not g for s, g in zip(scores, gold)) <= max_false:
            caught = sum(s >= t and g for s, g in zip(scores, gold))
            if caught > best_caught:
                best, best_caught = t, caught
    return best


def main() -> None:
    from checker.engine import load_engine
    from checker.garble import load_garble
    from checker.ingest import read_path

    engine = load_engine()
    garble = engine.models.garble
    legacy = load_garble(garble_path())  # TED rows carry surprisal only: checker 0.1's logistic model reads them
    spec = json.loads(garble_path().read_text())
    heldout = set(spec["metrics"]["ted_heldout_real"]["talks"])
    ted = [r for r in feature_rows(TED_CACHE) if r["label"] in ("garbled", "clean")]
    train_clean = [r["log_ppl"] for r in ted if talk_of(r["doc"]) not in heldout and r["label"] == "clean"]
    ppl_cut = threshold_at_false_rate(train_clean, 0.25)

    report = engine.check(read_path(str(SEED)))
    labels = seed_labels()
    judged = [(labels[s.text] == "garbled", s) for s in report.sentences
              if labels.get(s.text) in ("garbled", "clean")]
    gold = [g for g, _ in judged]
    checker_flags = [s.flagged for _, s in judged]  # an active warning or error finding on the sentence
    ppl = [log_ppl([t.surprisal for t in s.tokens]) for _, s in judged]
    checker_false = sum(f and not g for f, g in zip(checker_flags, gold))
    rows: list[tuple[str, list[bool]]] = [
        ("checker (findings, warning or error)", checker_flags),
        ("checker garble score alone", [s.garble >= garble.warning for _, s in judged]),
        ("perplexity script (threshold from TED, 25% FPR)", [p >= ppl_cut for p in ppl]),
        (f"perplexity script (best seed cut, <= {checker_false} false)",
         [p >= best_threshold(ppl, gold, checker_false) for p in ppl]),
        ("proselint 0.16", proselint_flags([s.text for _, s in judged])),
    ]
    print(f"seed {SEED.name}: {sum(gold)} garbled, {len(gold) - sum(gold)} clean sentences")
    for name, flags in rows:
        print(tally(name, flags, gold))

    held = [r for r in ted if talk_of(r["doc"]) in heldout]
    gold = [r["label"] == "garbled" for r in held]
    g_flags = [legacy.probability(r) >= legacy.warning for r in held]
    n_false = sum(f and not g for f, g in zip(g_flags, gold))
    ppl = [r["log_ppl"] for r in held]
    # the perplexity script at the same number of false alarms as checker: who catches more?
    matched = threshold_at_false_rate([p for p, g in zip(ppl, gold) if not g], n_false / max(len(gold) - sum(gold), 1))
    print(f"TED MQM held-out talks: {sum(gold)} garbled, {len(gold) - sum(gold)} clean segments")
    for name, flags in (
        ("checker 0.1 garble score (warning threshold)", g_flags),
        ("perplexity script (threshold from TED, 25% FPR)", [p >= ppl_cut for p in ppl]),
        (f"perplexity script (cut matched to {n_false} false alarms)", [p >= matched for p in ppl]),
        ("proselint 0.16", proselint_flags([r["text"] for r in held])),
    ):
        print(tally(name, flags, gold))


if __name__ == "__main__":
    main()
