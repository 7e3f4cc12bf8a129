"""Every rule on real machine-translated news: findings per 50 articles and precision on a hand-read sample.

    python -m checker_dev.rule_eval                 # the table (checks the `dev` articles first: ~15 min, resumable)
    python -m checker_dev.rule_eval --sample        # write the sample to read (rules whose sample is not yet read)

The articles are the WMT20/21 zh→en MQM translations of the `dev` documents (`checker_dev.newsnli`: all
translations of a document in one split; 460 articles), checked as translated by the shipped engine (every rule,
the real models). Nothing is edited, so a finding is right only when an editor should act on it: the committed
sample (`checker_dev/data/rule_sample.tsv`, at most 30 findings per rule drawn with a fixed seed, all if fewer)
holds a human reading of each (`true`/`false` and why; `rule_sample_5dde631.tsv` is the first reading, of the
rules as designed on `calib` at commit 5dde631, before the fixes its false findings prompted). The trivial
baseline is "no finding": 0 per 50 articles, no precision to speak of, and every real error missed. Findings are
cached per article under `$CHECKER_CACHE/rule-eval/<signature and code>/`, so a run continues where it stopped.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import time
from collections import defaultdict
from pathlib import Path

from checker.cpu import setup_process
from checker.engine import check_bytes, load_engine
from checker.modelstore import cache_dir
from checker.signature import short_signature
from checker_dev import newsnli

SAMPLE = Path(__file__).resolve().parent / "data" / "rule_sample.tsv"
CHECKER = Path(__file__).resolve().parent.parent / "checker"
PER_RULE = 30
FIELDS = ("rule", "article", "finding", "verdict", "why", "sentences")


def articles() -> list[newsnli.Article]:
    return [a for a in newsnli.mqm_articles() if a.split == "dev"]


def name_of(a: newsnli.Article) -> str:
    return f"{a.year}/{a.system}/{a.doc}"


def findings(limit: int | None = None) -> tuple[list[dict], int, str]:
    """Every finding on the dev articles (from the cache where this signature already checked them)."""
    setup_process()
    engine = load_engine()
    sig = short_signature(engine.signature())
    # the signature names models, thresholds and switches, not the rules' code: that goes into the cache key too
    code = b"".join(f.read_bytes() for f in sorted(CHECKER.rglob("*.py")))
    folder = cache_dir() / "rule-eval" / hashlib.sha256(sig.encode() + code).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    arts = articles()[:limit]
    out: list[dict] = []
    t0, done = time.perf_counter(), 0
    for a in arts:
        path = folder / (hashlib.sha1(a.text.encode()).hexdigest() + ".json")
        if path.exists():
            rows = json.loads(path.read_text(encoding="utf-8"))
        else:
            report = check_bytes(engine, name_of(a) + ".txt", a.text.encode(), "text")
            rows = [{"rule": f.rule, "article": name_of(a), "finding": f.message, "severity": f.severity,
                     "sentences": " ‖ ".join(report.sentences[i].text for i in f.sentences)}
                    for f in report.active]
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
            done += 1
            if done % 20 == 0:
                print(f"  checked {done} articles ({time.perf_counter() - t0:.0f} s)", flush=True)
        out += rows
    return out, len(arts), sig


TRAIN_SAMPLE = Path(__file__).resolve().parent / "data" / "name_variant_train_sample.tsv"


def name_variant_on(split: str) -> list[dict]:
    """`name-variant` alone on a split (a second held-apart reading: `train` articles were never read while the
    rule was built). Articles without a candidate pair skip the LM pass."""
    from checker.findings import SentenceResult
    from checker.ingest import Document
    from checker.rules import Context
    from checker.rules.name_variant import NameVariant
    from checker.segment import segment
    from checker.settings import Settings

    setup_process()
    engine = load_engine(Settings(disabled=frozenset({"contradiction", "conflicting-claims", "garbled"})))
    rule, out = NameVariant(), []
    for a in [a for a in newsnli.mqm_articles() if a.split == split]:
        sents = [SentenceResult.of(x) for x in segment(a.text)]
        if not rule.candidate_pairs(a.text, [(x.id, x.start, x.end) for x in sents if x.kind == "sentence"])[0]:
            continue  # nothing to ask: no LM pass
        ctx = Context(Document(a.text, name_of(a), "0" * 64), sents, engine.models, Settings(),
                      lm=engine.models.lm.score(a.text))
        out += [{"rule": f.rule, "article": name_of(a), "finding": f.message,
                 "sentences": " ‖ ".join(sents[i].text for i in f.sentences)} for f in rule.run(ctx)]
    return out


def model_free_counts(split: str = "dev") -> dict[str, int]:
    """Findings of the rules that need no model, on a split's articles: the same loop works on older rule code."""
    from checker.findings import SentenceResult
    from checker.ingest import Document
    from checker.rules import Context, all_rules
    from checker.segment import segment
    from checker.settings import Settings

    rules = [cls() for cls in all_rules().values() if not cls.needs]
    counts: dict[str, int] = {rid: 0 for rule in rules for rid in rule.ids()}
    for a in [a for a in newsnli.mqm_articles() if a.split == split]:
        sents = [SentenceResult.of(x) for x in segment(a.text)]
        ctx = Context(Document(a.text, name_of(a), "0" * 64), sents, None, Settings())
        for rule in rules:
            for f in rule.run(ctx):
                counts[f.rule] += 1
    return dict(sorted(counts.items()))


def read_sample() -> dict[tuple[str, str, str], dict]:
    if not SAMPLE.exists():
        return {}
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        return {(r["rule"], r["article"], r["finding"]): r for r in csv.DictReader(fh, delimiter="\t")}


def draw(rows: list[dict]) -> list[dict]:
    """At most PER_RULE findings per rule, a fixed random draw (all of them when fewer)."""
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_rule[r["rule"]].append(r)
    out = []
    for rule in sorted(by_rule):
        items = sorted(by_rule[rule], key=lambda r: (r["article"], r["finding"]))
        out += items if len(items) <= PER_RULE else random.Random(rule).sample(items, PER_RULE)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sample", action="store_true", help="add the drawn findings not yet read to the sample file")
    ap.add_argument("--limit", type=int, help="only the first N articles (a quick look; not the table)")
    ap.add_argument("--model-free", action="store_true",
                    help="only count the findings of the rules that need no model (fast; run against an older "
                         "checker/ with PYTHONPATH=<worktree> python checker_dev/rule_eval.py --model-free)")
    ap.add_argument("--name-variant-train", action="store_true",
                    help="name-variant alone on the `train` articles, against its committed reading (~6 min)")
    args = ap.parse_args()
    if args.model_free:
        print(json.dumps(model_free_counts(), indent=1))
        return
    if args.name_variant_train:
        import random

        rows = name_variant_on("train")
        random.Random("name-variant").shuffle(rows)
        with TRAIN_SAMPLE.open(encoding="utf-8", newline="") as fh:
            known = {(r["article"], r["finding"]): r for r in csv.DictReader(fh, delimiter="\t")}
        read_train = {k: r["verdict"] for k, r in known.items()}
        verdicts = [read_train.get((r["article"], r["finding"])) for r in rows[:PER_RULE]]
        if args.sample:  # the first PER_RULE drawn, with the readings already made
            with TRAIN_SAMPLE.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, delimiter="\t", lineterminator="\n")
                w.writerow(["article", "finding", "verdict", "why", "sentences"])
                for r in rows[:PER_RULE]:
                    old = known.get((r["article"], r["finding"]), {})
                    w.writerow([r["article"], r["finding"], old.get("verdict", ""), old.get("why", ""),
                                r["sentences"]])
        print(f"name-variant on {sum(a.split == 'train' for a in newsnli.mqm_articles())} train articles: "
              f"{len(rows)} findings; read {sum(v is not None for v in verdicts)} of the first {PER_RULE} drawn, "
              f"{sum(v == 'true' for v in verdicts)} true")
        return
    rows, n, sig = findings(args.limit)
    read = read_sample()
    drawn = draw(rows)
    if args.sample:
        SAMPLE.parent.mkdir(parents=True, exist_ok=True)
        merged = dict(read)
        for r in drawn:
            merged.setdefault((r["rule"], r["article"], r["finding"]), {**r, "verdict": "", "why": ""})
        with SAMPLE.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, FIELDS, delimiter="\t", extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            for key in sorted(merged):
                w.writerow(merged[key])
        print(f"wrote {SAMPLE} ({len(merged)} findings; fill in `verdict` and `why` for the new ones)")
    per_rule: dict[str, int] = defaultdict(int)
    for r in rows:
        per_rule[r["rule"]] += 1
    print(f"{n} MQM news dev articles as translated; signature {sig}")
    print(f"{'rule':<20} {'findings':>8} {'per 50':>7} {'sample':>7} {'true':>5} {'precision':>9}"
          "   baseline 'no finding': 0 per 50")
    from checker.rules import INFOS

    for rule in sorted(INFOS):
        mine = [r for r in drawn if r["rule"] == rule]
        verdicts = [read[(r["rule"], r["article"], r["finding"])]["verdict"] for r in mine
                    if (r["rule"], r["article"], r["finding"]) in read]
        labelled = [v for v in verdicts if v in ("true", "false")]
        prec = f"{sum(v == 'true' for v in labelled) / len(labelled):.2f}" if labelled else "—"
        print(f"{rule:<20} {per_rule[rule]:>8} {50 * per_rule[rule] / n:>7.2f} {len(labelled):>7} "
              f"{sum(v == 'true' for v in labelled):>5} {prec:>9}")


if __name__ == "__main__":
    main()
