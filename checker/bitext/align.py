"""Which source sentences each English sentence renders: 1–1, 1–2, 2–1, 2–2 and unaligned.

Sentence vectors of a multilingual encoder put a sentence and its translation close together, but how close
depends on the language pair, the length and the article (e5's unrelated sentences of one story sit near 0.8):
a raw cosine is never the verdict. Each pair is scored by its margin over each side's nearest neighbours, as
margin-based bitext mining does (Artetxe & Schwenk 2019): on MQM calib articles this puts the right English
first for 99 % of source segments (raw cosine: 95 %). Merged neighbours are scored on their joined text.

Paragraphs may be merged, split or moved: source paragraphs are first put in the order of the English they
match best, then a monotone dynamic programme (as Vecalign and Gale–Church) chooses the beads, and a last pass
links sentences left over on both sides that are each other's best match wherever they stand (a moved sentence).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from checker.segment import Segment

Embed = Callable[[list[str]], np.ndarray]
BEADS = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
NEIGHBOURS = 4  # the margin's nearest neighbours per side
MARGIN_MIN = 0.004  # a bead counts only this far above its neighbours (MQM calib: 5 % of true pairs below 0.01,
#                     99 % of other pairs below 0.002)
MERGE_COST = 0.002  # a merged bead must beat its parts by this much (calib: fewer sentences left over than 0.005)
ANCHOR_MARGIN = 0.03  # a pair this clear anchors the alignment around it (the median true pair on calib)
GAP_RATIO = 2  # a weaker pair between two anchors needs the English gap within 2 × the source gap + 2 sentences
GAP_ENGLISH = 6  # at most this many English sentences left over in one gap are tried together
GAP_MARGIN = -0.015  # a few sentences left over between the same two pairs are linked down to this margin
ABSORB_ROUNDS = 3
ABSORB_TOLERANCE = 0.005  # a neighbour joins a pair if the joined cosine drops by less than this (calib)
STRAY_MARGIN = 0.03  # a leftover pair linked out of order must be this clear (a true pair: median 0.03 on calib)
DEFAULT_BASE = 0.80  # a side with too few sentences for neighbours: e5's cosine of unrelated news sentences
BAND = 60  # sentences either side of the diagonal the programme looks at (long articles)


@dataclass(frozen=True)
class Link:
    """A bead: source sentence ids and English sentence ids (either may be empty), with its similarity."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    similarity: float = 0.0  # cosine of the joined texts' vectors
    margin: float = 0.0  # above the two sides' nearest neighbours; unaligned: its best margin to any other-side one


def _join(texts: Sequence[str], cjk: bool) -> str:
    return ("" if cjk else " ").join(texts)


def _neighbours(sim: np.ndarray, axis: int) -> np.ndarray:
    """Each row's (axis 1) or column's (axis 0) mean cosine to its nearest neighbours on the other side."""
    k = NEIGHBOURS
    if sim.shape[axis] < k:
        return np.full(sim.shape[1 - axis], DEFAULT_BASE)
    return np.sort(sim, axis=axis).take(range(sim.shape[axis] - k, sim.shape[axis]), axis=axis).mean(axis=axis)


def align(source: Sequence[Segment], target: Sequence[Segment], embed: Embed, *, source_cjk: bool = False
          ) -> list[Link]:
    """Beads covering every source and every English sentence once, in English order (unaligned ones too)."""
    n, m = len(source), len(target)
    if not n or not m:
        return [Link((s.id,), ()) for s in source] + [Link((), (t.id,)) for t in target]
    es, et = embed([s.text for s in source]), embed([t.text for t in target])
    sim = es @ et.T
    row, col = _neighbours(sim, 1), _neighbours(sim, 0)
    order = _paragraph_order(source, sim, row, col)
    # runs of 2–3 neighbours within a paragraph, joined (a sentence split in two or three, or merged)
    runs_s = [(k, ln) for ln in (2, 3) for k in range(n - ln + 1)
              if all(order[k + d] == order[k] + d and source[order[k]].paragraph == source[order[k + d]].paragraph
                     for d in range(ln))]
    runs_t = [(j, ln) for ln in (2, 3) for j in range(m - ln + 1)
              if all(target[j].paragraph == target[j + d].paragraph for d in range(ln))]
    joined = embed([_join([source[order[k + d]].text for d in range(ln)], source_cjk) for k, ln in runs_s] +
                   [_join([target[j + d].text for d in range(ln)], False) for j, ln in runs_t])
    vec_s = {(k, 1): es[order[k]] for k in range(n)} | {r: joined[x] for x, r in enumerate(runs_s)}
    vec_t = {(j, 1): et[j] for j in range(m)} | {r: joined[len(runs_s) + x] for x, r in enumerate(runs_t)}

    def margin(c: float, ss: Sequence[int], ts: Sequence[int]) -> float:
        return c - (float(np.mean(row[list(ss)])) + float(np.mean(col[list(ts)]))) / 2

    # dynamic programme over (source position in `order`, English position): best total gain
    neg = -1e18
    best = np.full((n + 1, m + 1), neg)
    back: dict[tuple[int, int], tuple[int, int, float, float]] = {}
    best[0, 0] = 0.0
    for i in range(n + 1):
        lo = max(0, round(i * m / n) - BAND - abs(n - m))
        hi = min(m, round(i * m / n) + BAND + abs(n - m))
        for j in range(lo, hi + 1):
            cur = best[i, j]
            if cur <= neg / 2:
                continue
            for a, b in ((1, 0), (0, 1)):  # a sentence left unaligned gains nothing
                if i + a <= n and j + b <= m and cur > best[i + a, j + b]:
                    best[i + a, j + b] = cur
                    back[(i + a, j + b)] = (a, b, 0.0, 0.0)
            for a, b in BEADS:
                if i + a > n or j + b > m or (i, a) not in vec_s or (j, b) not in vec_t:
                    continue
                c = float(vec_s[(i, a)] @ vec_t[(j, b)])
                mg = margin(c, order[i:i + a], range(j, j + b))
                gain = mg - MARGIN_MIN - (MERGE_COST if a + b > 2 else 0.0)
                if gain > 0 and cur + gain > best[i + a, j + b]:
                    best[i + a, j + b] = cur + gain
                    back[(i + a, j + b)] = (a, b, c, mg)
    links: list[Link] = []
    i, j = n, m
    while (i, j) != (0, 0):
        a, b, c, mg = back[(i, j)]
        i, j = i - a, j - b
        links.append(Link(tuple(sorted(source[order[k]].id for k in range(i, i + a))),
                          tuple(target[t].id for t in range(j, j + b)), c, mg))
    links.reverse()
    links = _fill_gaps(links, source, target, embed, sim, row, col, source_cjk)
    links = _prune(links, {source[k].id: p for p, k in enumerate(order)}, {t.id: j for j, t in enumerate(target)})
    links = _strays(links, source, target, sim, row, col)
    for _ in range(ABSORB_ROUNDS):  # a sentence split in three or four grows its pair one neighbour at a time
        grown = _absorb(links, source, target, embed, row, col, source_cjk)
        if grown == links:
            break
        links = grown
    marg = sim - (row[:, None] + col[None, :]) / 2
    pos_s = {s.id: k for k, s in enumerate(source)}
    pos_t = {t.id: k for k, t in enumerate(target)}
    links = [lk if lk.source and lk.target else  # how close a sentence left over came to anything on the other side
             Link(lk.source, lk.target, 0.0, float(marg[pos_s[lk.source[0]]].max()) if lk.source else
                  float(marg[:, pos_t[lk.target[0]]].max())) for lk in links]
    return _ordered(links)


def _paragraph_order(source: Sequence[Segment], sim: np.ndarray, row: np.ndarray, col: np.ndarray) -> list[int]:
    """Source sentence indices, paragraphs ordered by where their surest sentence's best English match stands
    (one sentence left out or moved must not drag its paragraph along)."""
    paras: dict[int, list[int]] = {}
    for i, s in enumerate(source):
        paras.setdefault(s.paragraph, []).append(i)
    marg = sim - (row[:, None] + col[None, :]) / 2
    best_j, best_m = marg.argmax(axis=1), marg.max(axis=1)

    def key(idx: list[int]) -> tuple[int, int]:
        surest = max(idx, key=lambda i: best_m[i])
        return int(best_j[surest]), idx[0]
    return [i for idx in sorted(paras.values(), key=key) for i in idx]


def _fill_gaps(links: list[Link], source: Sequence[Segment], target: Sequence[Segment], embed: Embed,
               sim: np.ndarray, row: np.ndarray, col: np.ndarray, source_cjk: bool) -> list[Link]:
    """Between two consecutive pairs (or a pair and the article's edge), a few source and English sentences left
    over (at most two and GAP_ENGLISH): together they translate each other unless clearly unrelated — the article's
    order vouches for them, where a margin alone would not (an article about one person names him in every
    sentence, which lowers every margin)."""
    pos_s = {s.id: k for k, s in enumerate(source)}
    pos_t = {t.id: k for k, t in enumerate(target)}
    gaps: list[tuple[int, int, list[int], list[int]]] = []  # (start, end) in links, source ids, English ids
    k = 0
    while k < len(links):
        if links[k].source and links[k].target:
            k += 1
            continue
        end = k
        while end < len(links) and not (links[end].source and links[end].target):
            end += 1
        lone_s = sorted((lk.source[0] for lk in links[k:end] if lk.source), key=pos_s.__getitem__)
        lone_t = sorted((lk.target[0] for lk in links[k:end] if lk.target), key=pos_t.__getitem__)
        if 1 <= len(lone_s) <= 2 and 1 <= len(lone_t) <= GAP_ENGLISH:
            gaps.append((k, end, lone_s, lone_t))
        k = end
    if not gaps:
        return links
    vecs = embed([_join([source[pos_s[i]].text for i in g[2]], source_cjk) for g in gaps] +
                 [_join([target[pos_t[j]].text for j in g[3]], False) for g in gaps])
    out: list[Link] = []
    done = 0
    for x, (k, end, lone_s, lone_t) in enumerate(gaps):
        out += links[done:k]
        c = float(vecs[x] @ vecs[len(gaps) + x])
        base = (float(np.mean(row[[pos_s[i] for i in lone_s]])) + float(np.mean(col[[pos_t[j] for j in lone_t]])))
        mg = c - base / 2
        out += [Link(tuple(lone_s), tuple(lone_t), c, mg)] if mg >= GAP_MARGIN else links[k:end]
        done = end
    return out + links[done:]


def _prune(links: list[Link], pos_s: dict[int, int], pos_t: dict[int, int]) -> list[Link]:
    """Undo a weak pair that fills a long run of English between two anchors while the source between them is short:
    an excerpt of the original leaves such runs, and a left-out sentence must not be paired with one of them."""
    anchors = [k for k, lk in enumerate(links) if lk.source and lk.target and lk.margin >= ANCHOR_MARGIN]
    out: list[Link] = []
    for k, lk in enumerate(links):
        if not (lk.source and lk.target) or lk.margin >= ANCHOR_MARGIN:
            out.append(lk)
            continue
        before = max((a for a in anchors if a < k), default=None)
        after = min((a for a in anchors if a > k), default=None)
        if before is None or after is None:
            out.append(lk)
            continue
        gap_s = pos_s[links[after].source[0]] - pos_s[links[before].source[-1]] - 1
        gap_t = pos_t[links[after].target[0]] - pos_t[links[before].target[-1]] - 1
        if gap_t > GAP_RATIO * gap_s + 2:
            out += [Link((s,), ()) for s in lk.source] + [Link((), (t,)) for t in lk.target]
        else:
            out.append(lk)
    return out


def _strays(links: list[Link], source: Sequence[Segment], target: Sequence[Segment], sim: np.ndarray,
            row: np.ndarray, col: np.ndarray) -> list[Link]:
    """Link leftovers on both sides that are each other's best match and clear of the unrelated pairs."""
    pos_s = {s.id: k for k, s in enumerate(source)}
    pos_t = {t.id: k for k, t in enumerate(target)}  # ids are positions in the English, but need not be 0-based
    lone_s = [pos_s[lk.source[0]] for lk in links if not lk.target]
    lone_t = [pos_t[lk.target[0]] for lk in links if not lk.source]
    if not lone_s or not lone_t:
        return links
    sub = sim[np.ix_(lone_s, lone_t)] - (row[lone_s][:, None] + col[lone_t][None, :]) / 2
    pairs = {}
    for a, i in enumerate(lone_s):
        b = int(sub[a].argmax())
        if int(sub[:, b].argmax()) == a and float(sub[a, b]) >= STRAY_MARGIN:
            pairs[i] = lone_t[b]
    if not pairs:
        return links
    taken_s = {source[i].id for i in pairs}
    taken_t = {target[j].id for j in pairs.values()}
    out = [lk for lk in links if not (set(lk.source) & taken_s or set(lk.target) & taken_t)]
    for i, j in pairs.items():
        c = float(sim[i, j])
        out.append(Link((source[i].id,), (target[j].id,), c, c - (row[i] + col[j]) / 2))
    return out


def _absorb(links: list[Link], source: Sequence[Segment], target: Sequence[Segment], embed: Embed, row: np.ndarray,
            col: np.ndarray, source_cjk: bool) -> list[Link]:
    """A sentence left over beside a pair, in the same paragraph, joins it when the joined text is at least as
    close (cosine) as the pair alone: a sentence the translation split in two (or two it merged) is not an
    omission or an addition, while a sentence added or left out dilutes the pair and stays apart. (The margin would
    not do: a generic sentence's neighbours sit high and sink the joined pair's margin.)"""
    pos_s = {s.id: k for k, s in enumerate(source)}
    pos_t = {t.id: k for k, t in enumerate(target)}
    lone_s = {lk.source[0] for lk in links if lk.source and not lk.target}
    lone_t = {lk.target[0] for lk in links if lk.target and not lk.source}
    trials: list[tuple[int, tuple[int, ...], tuple[int, ...], bool]] = []  # pair, grown sides, across paragraphs
    for k, lk in enumerate(links):
        if not (lk.source and lk.target):
            continue
        for side_ids, lone, segs, pos in ((lk.source, lone_s, source, pos_s), (lk.target, lone_t, target, pos_t)):
            for nb in (pos[side_ids[0]] - 1, pos[side_ids[-1]] + 1):
                # a source headline the English folded into its lead may cross a paragraph; anything else stays
                # within its paragraph, where a left-out or added sentence must remain visible
                if 0 <= nb < len(segs) and segs[nb].id in lone and (
                        segs[nb].paragraph == segs[pos[side_ids[0]]].paragraph or
                        (segs is source and segs[nb].kind == "heading")):
                    grown = tuple(sorted({*side_ids, segs[nb].id}, key=lambda i: pos[i]))
                    across = segs[nb].paragraph != segs[pos[side_ids[0]]].paragraph
                    trials.append((k, grown, lk.target, across) if segs is source else
                                  (k, lk.source, grown, across))
    if not trials:
        return links
    texts = [_join([source[pos_s[i]].text for i in src], source_cjk) for _k, src, _t, _a in trials] + \
            [_join([target[pos_t[j]].text for j in tgt], False) for _k, _s, tgt, _a in trials]
    vecs = embed(texts)
    out = list(links)
    taken: set[tuple[str, int]] = set()
    for x, (k, src, tgt, across) in enumerate(trials):
        c = float(vecs[x] @ vecs[len(trials) + x])
        mg = c - (float(np.mean(row[[pos_s[i] for i in src]])) + float(np.mean(col[[pos_t[j] for j in tgt]]))) / 2
        new = {("s", i) for i in src if i not in out[k].source} | {("t", j) for j in tgt if j not in out[k].target}
        if c >= out[k].similarity - (0.0 if across else ABSORB_TOLERANCE) and not new & taken:
            out[k] = Link(src, tgt, c, mg)
            taken |= new
    drop_s = {i for side, i in taken if side == "s"}
    drop_t = {j for side, j in taken if side == "t"}
    return [lk for lk in out if not ((lk.source and not lk.target and lk.source[0] in drop_s) or
                                     (lk.target and not lk.source and lk.target[0] in drop_t))]


def _ordered(links: list[Link]) -> list[Link]:
    """English order; an unaligned source sentence just after the English of the source sentence before it."""
    def key(lk: Link) -> tuple[float, int]:
        if lk.target:
            return lk.target[0], -1
        prev = [max(o.target) for o in links if o.target and o.source and max(o.source) < lk.source[0]]
        return max(prev, default=-1) + 0.5, lk.source[0]
    return sorted(links, key=key)
