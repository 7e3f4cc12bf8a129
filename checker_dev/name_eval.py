"""How well `name-suspect` finds a misspelt name, and how often it speaks up on real machine translation.

    python -m checker_dev.name_eval [--articles 150] [--out FILE.json]     # ~6 min on 2 cores

Articles: MQM newstest `dev` translations (42 documents, several MT systems each), the same choice every run.
Each is checked twice with the shipped engine (every rule on, as `checker check` runs):
- as translated: every `name-suspect` finding there is counted (real MT text; most are false alarms, a few may
  be real misspellings — none are labelled);
- with one name misspelt throughout: a capitalised, not sentence-initial word of at least five letters that is
  common enough in wordfreq for a model to know it (Zipf >= 2.0: Guterres 2.25, Juncker 2.49, Beijing 4.12;
  rarer names are ones the model cannot know, so no spelling of them is better than another; capitalised
  words like "Director" count too) is chosen at random (seeded by the article key) and one interior letter is
  replaced by another, or two interior letters swapped, at every occurrence (a translator's consistent
  misspelling). Recall counts the articles where a finding on that word suggests the original spelling;
  findings elsewhere count as false alarms.
The trivial baseline is flagging every rare name (what the rule asks about before the LM is consulted): its recall
of "which word is misspelt" is 1 and its false alarms are the rare names of the article.
Nothing here tunes the rule: MIN_SURPRISAL and MARGIN were set before this evaluation existed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import sys
from pathlib import Path

from checker.cpu import setup_process

setup_process()

WORD = re.compile(r"\b[A-Z][a-z]{4,}\b")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
KNOWN = 2.0  # Zipf frequency from which a name is one a language model has read often (Juncker 2.49)


def pick_articles(n: int) -> list[tuple[str, str]]:
    """`n` of the 460 dev translations (42 documents, several systems each), spread evenly over the sorted keys."""
    from checker_dev.garbledata import news_articles

    dev = sorted((a.key, a.text) for a in news_articles() if a.split == "dev")
    step = max(1, len(dev) // n)
    return dev[::step][:n]


def misspell(key: str, text: str) -> tuple[str, str, str] | None:
    """(new text, original word, misspelt word), or None when the article has no eligible name."""
    from checker.names import mentions, zipf
    from checker.segment import segment

    spans = [(i, s.start, s.end) for i, s in enumerate(segment(text)) if s.kind == "sentence"]
    names = sorted({m.text for m in mentions(text, spans)
                    if not m.initial and WORD.fullmatch(m.text) and zipf(m.text) >= KNOWN})
    if not names:
        return None
    rnd = random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))
    word = rnd.choice(names)
    for _ in range(20):
        i = rnd.randrange(1, len(word) - 1)
        if rnd.random() < 0.5 and i + 1 < len(word) - 1 and word[i] != word[i + 1]:
            new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            new = word[:i] + rnd.choice(LETTERS.replace(word[i], "")) + word[i + 1:]
        if new not in text:
            return re.sub(rf"\b{word}\b", new, text), word, new
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=150)
    ap.add_argument("--out", type=Path, help="also write the per-article results as JSON")
    args = ap.parse_args()

    from checker.cpu import available_cpus
    from checker.engine import load_engine
    from checker.ingest import Document, sha256_bytes
    from checker.names import mentions, zipf
    from checker.segment import segment
    from checker.settings import Settings

    engine = load_engine(Settings(threads=available_cpus()))

    def findings(text: str, name: str) -> tuple[list[dict], float]:
        report = engine.check(Document(text, name, sha256_bytes(text.encode())))
        found = [{"written": f.data["written"], "suggestion": f.data["suggestion"], "start": f.start}
                 for f in report.findings if f.rule == "name-suspect"]
        return found, report.timings["rule:name-suspect"]

    rows = []
    for key, text in pick_articles(args.articles):
        bad = misspell(key, text)
        if bad is None:
            continue
        new_text, original, written = bad
        clean, t_clean = findings(text, key)
        hit, t_hit = findings(new_text, key + "+misspelt")
        spans = [(i, s.start, s.end) for i, s in enumerate(segment(text)) if s.kind == "sentence"]
        rare = {m.text for m in mentions(text, spans) if not m.initial and zipf(m.text) < 2.5}
        rows.append({"key": key, "original": original, "written": written, "clean": clean, "misspelt": hit,
                     "rare_names": len(rare), "seconds": [t_clean, t_hit]})
        print(f"{key}: {original} -> {written}: "
              f"{[f['suggestion'] for f in hit if f['written'] == written]} | clean {len(clean)}", file=sys.stderr)
    n = len(rows)
    found = sum(any(f["written"] == r["written"] for f in r["misspelt"]) for r in rows)
    right = sum(any(f["written"] == r["written"] and f["suggestion"] == r["original"] for f in r["misspelt"])
                for r in rows)
    clean_fa = sum(len(r["clean"]) for r in rows)
    other_fa = sum(sum(f["written"] != r["written"] for f in r["misspelt"]) for r in rows)
    rare = sum(r["rare_names"] for r in rows)
    secs = [s for r in rows for s in r["seconds"]]
    print(f"{n} dev articles (one misspelt name each), LM {engine.models.lm.dtype_name}")
    print(f"name-suspect: recall {right}/{n} = {right / n:.3f} with the original spelling suggested "
          f"({found}/{n} = {found / n:.3f} flag the misspelt word); false alarms: {clean_fa} on the articles as "
          f"translated ({clean_fa / n:.2f} per article), {other_fa} elsewhere in the misspelt ones")
    print(f"trivial baseline (flag every rare name): recall of the word 1.000, {rare} flags on the articles as "
          f"translated ({rare / n:.2f} per article)")
    print(f"rule time per check: median {statistics.median(secs):.3f} s, mean {statistics.mean(secs):.3f} s")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
