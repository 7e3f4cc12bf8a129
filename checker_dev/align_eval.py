"""Alignment on real articles with known answers (issue #27): MQM zh→en news, where each source line and its
English are one segment, so a link is right when both sides belong to the same segment. Besides the article as it
is: a source line dropped (its English becomes an addition), two paragraphs moved, two English lines merged, an
English line dropped (its source must stay unaligned: an omission), a line of another article inserted (it must
stay unaligned). The constants in `checker/bitext/align.py` were chosen with this on `calib`.

    python -m checker_dev.align_eval [--split calib] [--articles 60]
"""

from __future__ import annotations

import argparse
import bisect
import random

import numpy as np

from checker.bitext.align import align
from checker.bitext.sentences import split
from checker.e5 import E5Encoder
from checker.segment import Segment, segment
from checker_dev.sourcedata import split_articles

KINDS = ("plain", "drop", "reorder", "merge", "drop_en", "add_en")


def line_of(text: str, segs: list[Segment]) -> dict[int, int]:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return {s.id: bisect.bisect_right(starts, s.start) - 1 for s in segs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="calib", choices=("calib", "dev"))
    ap.add_argument("--articles", type=int, default=60)
    args = ap.parse_args()
    enc = E5Encoder()
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        miss = [t for t in dict.fromkeys(texts) if t not in cache]
        if miss:
            cache.update(zip(miss, enc.embed(miss)))
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, 384))

    arts = split_articles(args.split, one_system=True)[:args.articles]
    rng = random.Random(0)
    right = {k: [0, 0] for k in KINDS}  # links right, links
    linked = {k: [0, 0] for k in KINDS}  # English sentences linked, English sentences
    omitted, added, leftovers = [0, 0], [0, 0], 0
    for n, a in enumerate(arts):
        for kind in KINDS:
            src, eng = [p.source for p in a.pairs], [p.target for p in a.pairs]
            gold_s, gold_t = list(range(len(src))), list(range(len(eng)))
            k = -1
            if kind == "drop" and len(src) > 3:
                k = rng.randrange(len(src))
                del src[k], gold_s[k]
            if kind == "reorder" and len(src) > 4:
                k = rng.randrange(1, len(src) - 2)
                src, gold_s = src[:k] + src[k + 2:] + src[k:k + 2], gold_s[:k] + gold_s[k + 2:] + gold_s[k:k + 2]
            if kind == "merge" and len(eng) > 3:
                k = rng.randrange(len(eng) - 1)
                eng = eng[:k] + [eng[k] + " " + eng[k + 1]] + eng[k + 2:]
                gold_t = gold_t[:k] + [k] + gold_t[k + 2:]
            if kind == "drop_en" and len(eng) > 3:
                k = rng.randrange(len(eng))
                del eng[k], gold_t[k]
            if kind == "add_en":
                other = arts[(n + 7) % len(arts)].pairs
                k = rng.randrange(len(eng) + 1)
                eng.insert(k, other[rng.randrange(len(other))].target)
                gold_t.insert(k, -5)
            st, tt = "\n".join(src), "\n".join(eng)
            S, T = split(st, "zh"), segment(tt)
            ls, lt = line_of(st, S), line_of(tt, T)
            links = align(S, T, embed, source_cjk=True)
            for lk in links:
                for s in lk.source if lk.target else ():
                    for t in lk.target:
                        g, h = gold_s[ls[s]], gold_t[lt[t]]
                        right[kind][0] += g == h or (kind == "merge" and h == k and g == k + 1)
                        right[kind][1] += 1
            linked[kind][0] += len({t for lk in links if lk.source for t in lk.target})
            linked[kind][1] += len(T)
            lone_s = {s for lk in links if not lk.target for s in lk.source}
            lone_t = {t for lk in links if not lk.source for t in lk.target}
            if kind == "drop_en" and len(a.pairs) > 3:
                gold = {s.id for s in S if ls[s.id] == k}
                omitted[0] += bool(gold & lone_s)
                omitted[1] += 1
            if kind == "add_en":
                ins = {t.id for t in T if lt[t.id] == k}
                added[0] += ins <= lone_t
                added[1] += 1
            if kind == "plain":
                leftovers += len(lone_s)
    print(f"{args.split}, {len(arts)} articles (one translation per document)")
    for kind in KINDS:
        print(f"  {kind:8} links right {right[kind][0] / max(right[kind][1], 1):.3f} ({right[kind][1]}), "
              f"English linked {linked[kind][0] / max(linked[kind][1], 1):.3f}")
    print(f"  an English line removed: its source left unaligned in {omitted[0]} of {omitted[1]} articles")
    print(f"  a line of another article inserted: left unaligned in {added[0]} of {added[1]}")
    print(f"  source sentences left unaligned in the articles as they are: {leftovers}")


if __name__ == "__main__":
    main()
