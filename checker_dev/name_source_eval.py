"""`source-name` on real zh→en news, segment by segment (the segment is the aligned pair, so no model is needed):
how many findings, on which segments, and a hand-read sample.

    python -m checker_dev.name_source_eval                 # dev table (calib: --split calib)
    python -m checker_dev.name_source_eval --sample        # write the findings to read (all, or 30 drawn)
    python -m checker_dev.name_source_eval --planted       # recall on names with one letter changed

Segments of the WMT20/21 zh→en MQM news (`checker_dev.sourcedata`, documents split by `newsnli.doc_split`). A
finding is right when an editor with the original should fix the English's name; the readings are committed in
`checker_dev/data/source_name_sample_<split>.tsv` (`_dev_first`: dev read before the one change that reading
prompted — a Vietnamese name written in characters, 阮氏…, is not pinyin — so `train` is the held-apart reading).
Baselines: "no finding" (0), and "flag every 'Surname Given' pattern" (how many English names the rule looks at).
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from checker.bitext.names import NAME_RE, mismatches
from checker_dev import sourcedata

DATA = Path(__file__).resolve().parent / "data"
PER = 30


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="dev", choices=("calib", "dev", "train"))
    ap.add_argument("--sample", action="store_true")
    ap.add_argument("--planted", action="store_true",
                    help="recall: in segments every rater passed, a Chinese name the English writes as its pinyin "
                         "gets one letter of its given name changed")
    args = ap.parse_args()
    if args.planted:
        planted(args.split)
        return
    sample = DATA / f"source_name_sample_{args.split}.tsv"
    arts = sourcedata.split_articles(args.split)
    rows, looked = [], 0
    seg = {"accuracy": 0, "clean": 0, "other": 0}
    hit = {"accuracy": 0, "clean": 0, "other": 0}
    for a in arts:
        for p in a.pairs:
            kind = "accuracy" if p.accuracy else "clean" if p.clean else "other"
            seg[kind] += 1
            looked += len(NAME_RE.findall(p.target))
            found = mismatches(p.target, p.source, "zh")
            hit[kind] += bool(found)
            for m in found:
                rows.append({"article": a.key, "written": m.written, "expected": m.expected, "source_name": m.source,
                             "kind": kind, "marked": " | ".join(p.spans), "target": p.target, "source": p.source})
    print(f"source-name on {sum(seg.values()):,} {args.split} segments of {len(arts)} translations")
    print(f"  findings: {len(rows)}; segments with one — Major accuracy error {hit['accuracy']}/{seg['accuracy']} "
          f"({hit['accuracy'] / max(seg['accuracy'], 1):.4f}), clean {hit['clean']}/{seg['clean']} "
          f"({hit['clean'] / max(seg['clean'], 1):.4f}), other {hit['other']}/{seg['other']}")
    print(f"  baselines: no finding 0; flag every 'Surname Given' pattern: {looked:,} findings")
    if args.sample:
        drawn = rows if len(rows) <= PER else random.Random("source-name").sample(rows, PER)
        with sample.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, ["article", "written", "expected", "source_name", "kind", "verdict", "why",
                                    "marked", "target", "source"], delimiter="\t", lineterminator="\n")
            w.writeheader()
            for r in drawn:
                w.writerow({**r, "verdict": "", "why": ""})
        print(f"  wrote {len(drawn)} to {sample}")
    elif sample.exists():
        with sample.open(encoding="utf-8", newline="") as fh:
            read = [r for r in csv.DictReader(fh, delimiter="\t") if r["verdict"] in ("true", "false")]
        true = sum(r["verdict"] == "true" for r in read)
        print(f"  hand-read sample ({sample.name}): {true}/{len(read)} true")


def planted(split: str) -> None:
    """A correct pinyin name (its characters are in the source) with one letter of the given name changed —
    a consonant for a consonant, a vowel for a vowel, as MT and typists slip — must be found."""
    from checker.bitext.names import _appears
    from checker.pinyin import plain as _plain

    rng = random.Random(27)
    consonants, vowels = "bcdfghjklmnpqrstwxyz", "aeiou"
    n = found = 0
    for a in sourcedata.split_articles(split):
        for p in a.pairs:
            if not p.clean:
                continue
            for m in NAME_RE.finditer(p.target):
                given = m.group(2)
                if "-" in given or len(given) < 3 or not _appears(_plain(given), p.source) or \
                        not any(c in "\u4e00\u9fff" or "\u4e00" <= c <= "\u9fff" for c in p.source):
                    continue
                k = rng.randrange(1, len(given))
                pool = vowels if given[k] in vowels else consonants
                changed = given[:k] + rng.choice([c for c in pool if c != given[k]]) + given[k + 1:]
                if _appears(_plain(changed), p.source):
                    continue  # another reading of the same characters: not a misspelling
                text = p.target[:m.start(2)] + changed + p.target[m.end(2):]
                n += 1
                found += any(x.written == changed for x in mismatches(text, p.source, "zh"))
    print(f"planted misspellings of correct pinyin names ({split}, clean segments): {found}/{n} found "
          f"({found / max(n, 1):.3f}); baseline no finding 0")


if __name__ == "__main__":
    main()
