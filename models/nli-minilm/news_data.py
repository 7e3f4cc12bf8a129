"""Build the stage-6 training mix and the held-apart evaluation sets (issue: contradictions on real news).

    python models/nli-minilm/news_data.py --out .gpu     # ~1 min on 2 cores; writes train.jsonl.gz, eval.json.gz

Training mix (each row: premise, hypothesis, label, loss kind, source):
- 3-way: MultiNLI with genres (TaxiNLI train part), ConjNLI (conjunct-swap contradictions weighed 0.5), an SNLI
  share (20k of the 100k subset), and pairs generated from MQM news *train* documents: flips (negation, WordNet
  antonym, number, date, one-answer object, quantifier) as contradictions, reporting-verb swap / reorder /
  truncation / attribution drop as entailments, a different agent doing the same non-exclusive thing as neutral.
- binary (entailment vs not, never read as contradiction): DocNLI's MultiNLI and FEVER binary sets, minus any
  premise of the MultiNLI dev pairs we report on.
- not-contradiction: pairs the rule itself selects in real MQM news *train* articles (hard negatives), one source
  sentence as translated by two MT systems (near-identical, consistent), and a sentence with a clause added.
- neutral also: a number changed in the *subject* ("the 8-gram coin" / "the 30-gram coin": two coins), while a
  number changed in the predicate is a contradiction.

Evaluation (never trained on): MQM news `calib` articles (the threshold is set there) and `dev` articles
(reported), generated flips from `dev` documents by kind, TaxiNLI's MultiNLI-dev part (3-way), ConjNLI dev,
SummEdits news (inconsistent vs consistent summaries against their documents).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checker_dev import newsnli  # noqa: E402

FLIPS_PER_KIND_TRAIN = 6000
FLIPS_PER_KIND_DEV = 400
SNLI_SHARE = 20_000


def snli_rows(n: int, seed: int) -> list[dict]:
    from checker_dev.snli import snli_dir

    path = snli_dir() / "snli_1.0_train_subset.jsonl"
    rows = []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if r["gold_label"] in newsnli.LABELS:
            rows.append({"p": r["sentence1"], "h": r["sentence2"], "y": newsnli.LABELS[r["gold_label"]],
                         "kind": "3way", "src": "snli"})
    random.Random(seed).shuffle(rows)
    return rows[:n]


def capped(rows: list[dict], cap: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    by: dict[str, list[dict]] = collections.defaultdict(list)
    for r in rows:
        by[r["src"]].append(r)
    out = []
    for src in sorted(by):
        items = by[src]
        if src.startswith("flip-") and len(items) > cap:
            items = rng.sample(items, cap)
        out += items
    return out


def dev_flips(seed: int, cap_seed: int) -> list[dict]:
    """The held-apart flips of `dev` sentences: the six kinds of `generated` and the verb antonyms, each capped."""
    rows = [r for r in newsnli.generated("dev", seed) if r["src"].startswith("flip-")]
    return capped(rows, FLIPS_PER_KIND_DEV, cap_seed) + capped(list(newsnli.verb_flips("dev", seed)),
                                                               FLIPS_PER_KIND_DEV, cap_seed)


def article_pairs(split: str) -> tuple[list[list], int]:
    """[article index, premise, hypothesis] for every pair the rule selects in the split's articles."""
    arts = [a for a in newsnli.mqm_articles() if a.split == split]
    rows = []
    for i, a in enumerate(arts):
        rows += [[i, p, h] for p, h in newsnli.rule_pairs(a.text)]
    return rows, len(arts)


def mined_negatives(path: Path, min_c: float) -> list[dict]:
    """Rule pairs of `train` articles the previous model scored at least min_c either way: not contradictions."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["p"] is not None and max(r["c"]) >= min_c:
                rows.append({"p": r["p"], "h": r["h"], "y": -1, "kind": "notc", "src": "mined-pairs"})
                rows.append({"p": r["h"], "h": r["p"], "y": -1, "kind": "notc", "src": "mined-pairs"})
    return rows


def summedits_pairs() -> tuple[list[list], list[bool]]:
    """Per SummEdits-news row: each summary sentence against the 8 document sentences sharing most keys."""
    from checker.pairs import sentence_keys

    rows, labels = [], []
    for k, r in enumerate(newsnli.summedits_news()):
        labels.append(not r["consistent"])
        doc_spans = newsnli.prose_sentences(r["doc"])
        docs = [r["doc"][a:b] for a, b in doc_spans]
        doc_keys = sentence_keys(r["doc"], doc_spans)
        sum_spans = newsnli.prose_sentences(r["summary"]) or [(0, len(r["summary"]))]
        sum_keys = sentence_keys(r["summary"], sum_spans)
        for (a, b), sk in zip(sum_spans, sum_keys):
            ranked = sorted(range(len(docs)), key=lambda j: -len(set(sk) & set(doc_keys[j])))[:8]
            rows += [[k, docs[j], r["summary"][a:b]] for j in ranked]
    return rows, labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(".gpu"))
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--stage7", type=int, default=0, metavar="N",
                    help="write train7.jsonl.gz instead: N rows replayed from the stage-6 mix plus the extra "
                         "one-answer object swaps of `train` (newsnli.entity_variants); eval.json.gz as usual")
    ap.add_argument("--mined", type=Path, default=None,
                    help="with --stage7 N: write train8.jsonl.gz, adding the mined pairs (mine.py) scoring at least "
                         "--min-c either way as not-contradiction, both orders")
    ap.add_argument("--min-c", type=float, default=0.5)
    ap.add_argument("--verbs", action="store_true",
                    help="with --stage7 N: write train9.jsonl.gz, adding one WordNet verb-antonym flip per `train` "
                         "sentence (newsnli.verb_flips: 'has mobilized' / 'has demobilized') as contradictions")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    mnli_dev = newsnli.taxinli("dev")
    train = (newsnli.taxinli("train") + newsnli.conjnli("train") + snli_rows(SNLI_SHARE, args.seed)
             + newsnli.docnli_binary({r["p"] for r in mnli_dev})
             + capped(list(newsnli.generated("train", args.seed)), FLIPS_PER_KIND_TRAIN, args.seed)
             + list(newsnli.hard_negatives("train", args.seed, systems_per_doc=10, per_article=10))
             + list(newsnli.paraphrases("train", args.seed)))
    random.Random(args.seed).shuffle(train)
    name = "train.jsonl.gz"
    if args.stage7:
        extra = list(newsnli.entity_variants("train", args.seed + 7))
        train = train[: args.stage7] + extra
        name = "train7.jsonl.gz"
        if args.mined:
            train += mined_negatives(args.mined, args.min_c)
            name = "train8.jsonl.gz"
        if args.verbs:
            train += list(newsnli.verb_flips("train", args.seed + 9))
            name = "train9.jsonl.gz"
        random.Random(args.seed + 7).shuffle(train)
    with gzip.open(args.out / name, "wt", encoding="utf-8") as f:
        for r in train:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("train", len(train), dict(collections.Counter(r["src"].split("-")[0] if not r["src"].startswith("flip")
                                                       else r["src"] for r in train)))

    flips = dev_flips(args.seed + 1, args.seed)
    calib, n_calib = article_pairs("calib")
    dev, n_dev = article_pairs("dev")
    summ, summ_labels = summedits_pairs()
    ev = {"taxinli_dev": [[r["p"], r["h"], r["y"], r["src"]] for r in mnli_dev],
          "conj_dev": [[r["p"], r["h"], r["y"]] for r in newsnli.conjnli("dev")],
          "flips_dev": [[r["p"], r["h"], r["src"].removeprefix("flip-")] for r in flips],
          "calib_pairs": calib, "calib_articles": n_calib, "dev_pairs": dev, "dev_articles": n_dev,
          "summedits_pairs": summ, "summedits_inconsistent": summ_labels}
    with gzip.open(args.out / "eval.json.gz", "wt", encoding="utf-8") as f:
        json.dump(ev, f, ensure_ascii=False)
    print({k: (len(v) if isinstance(v, list) else v) for k, v in ev.items()})
    print("flips by kind", dict(collections.Counter(r[2] for r in ev["flips_dev"])))


if __name__ == "__main__":
    main()
