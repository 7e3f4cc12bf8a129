"""Feature extraction for the garble detector: one LM pass per article, cached outside git, resumable.

    python -m checker_dev.extract                 # news (subsampled train), bio calib/dev, TED; ~45 min on 2 cores
    python -m checker_dev.extract --sets ted      # one set
    python -m checker_dev.extract --sets news breaks alone mlqe --all-train --layers 7 10   # middle layers' states

Per article, `$CHECKER_CACHE/garble-features/<sha1 of the text>.npz` holds every token's character span,
surprisal (nats) and final hidden state (fp16); `garble-features-L<k>/` the same articles' layer-k states (unit
RMS, fp16) once `--layers` has run. An interrupted run continues where it stopped (finished files are
skipped; a file is renamed into place only when complete). On a GPU machine the same command runs there.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import time
from pathlib import Path

import numpy as np

from checker.modelstore import cache_dir
from checker_dev import garbledata

# translations per source document that get features (2 CPU cores score ~200 tokens/s: ~45 min in all)
SYSTEMS = {("news2020", "train"): 3, ("news2021", "train"): 4, ("news2020", "calib"): 3, ("news2021", "calib"): 3,
           ("news2020", "dev"): 4, ("news2021", "dev"): 15}
BIO_DEV, TED_TALKS = 150, 25
# garble v3's extra supervision and tables (checker_dev/breaks.py, checker_dev/mlqe.py): translations per document
# given generated breaks, single sentences checked alone (clean, broken per kind), MLQE-PE lines per language pair
BROKEN = {"train": (4, 0.35), "calib": (15, 0.5), "dev": (15, 0.5)}  # (translations per document, share broken)
ALONE = {"train": (3000, 200), "calib": (800, 100), "dev": (1000, 150)}
# `more-breaks`: a second draw of generated breaks on `train` documents only (another seed), for a recipe variant
# that asks whether the context head wants more of them; the sets above stay exactly as they are
MORE_BREAKS = {"broken": (4, 0.35), "alone": (1500, 400), "seed": 1}
MLQE = {"train": 1500, "test20": 1000}
SHORT_CHARS, BATCH = 1500, 32  # texts this short are scored in batches (LanguageModel.score_many)


def feature_dir() -> Path:
    d = cache_dir() / "garble-features"
    d.mkdir(parents=True, exist_ok=True)
    return d


def path_for(text: str, layer: int | None = None) -> Path:
    """The article's feature file; with `layer`, the file of that layer's states (beside the final ones)."""
    d = feature_dir() if layer is None else cache_dir() / f"garble-features-L{layer}"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{hashlib.sha1(text.encode()).hexdigest()}.npz"


def selected(sets: list[str], all_train: bool = False) -> list[garbledata.Article]:
    """Which articles get features, train first: news (some translations of every document), bio dev, TED;
    `all_train` appends every other news train translation (the evaluation sets stay exactly the same)."""
    rng = random.Random(11)
    out: list[garbledata.Article] = []
    if "news" in sets:
        by_doc: dict[tuple[str, str], list[garbledata.Article]] = {}
        for a in garbledata.news_articles():
            by_doc.setdefault((a.domain, a.key.rsplit("/", 1)[-1]), []).append(a)
        order = {"train": 0, "calib": 1, "dev": 2}
        for (domain, _doc), arts in sorted(by_doc.items(), key=lambda kv: (order[kv[1][0].split], kv[0])):
            out += rng.sample(arts, min(SYSTEMS[(domain, arts[0].split)], len(arts)))
        if all_train:
            taken = {a.key for a in out}
            out += [a for _, arts in sorted(by_doc.items()) for a in arts if a.split == "train" and a.key not in taken]
    if "breaks" in sets:
        from checker_dev import breaks

        for split, (n, rate) in BROKEN.items():
            out += breaks.broken_set(split, n, rate)
    if "alone" in sets:
        from checker_dev import breaks

        for split, (clean, per_kind) in ALONE.items():
            out += breaks.alone_set(split, clean, per_kind)
    if "more-breaks" in sets:
        from checker_dev import breaks

        first = {a.text for a in breaks.broken_set("train", *BROKEN["train"])} | \
            {a.text for a in breaks.alone_set("train", *ALONE["train"])}
        more = breaks.broken_set("train", *MORE_BREAKS["broken"], seed=MORE_BREAKS["seed"]) + \
            breaks.alone_set("train", *MORE_BREAKS["alone"], seed=MORE_BREAKS["seed"])
        out += [a for a in more if a.text not in first]  # a sentence drawn twice would count twice
    if "mlqe" in sets:
        from checker_dev import mlqe

        for split, n in MLQE.items():
            out += mlqe.sample(split, n)
    if "bio" in sets:
        bio = [a for a in garbledata.bio_articles() if a.split == "dev"]
        out += rng.sample(bio, min(BIO_DEV, len(bio)))
    if "ted" in sets:
        ted = list(garbledata.ted_articles())
        out += rng.sample(ted, min(TED_TALKS, len(ted)))
    return out


def load(text: str, layers: tuple[int, ...] = ()) -> dict[str, np.ndarray] | None:
    """An article's cached features, with each of `layers`' states as `layer<k>` (None until all are extracted)."""
    p = path_for(text)
    if not p.exists():
        return None
    with np.load(p) as z:
        out = {k: z[k] for k in z.files}
    for k in layers:
        q = path_for(text, k)
        if not q.exists():
            return None
        with np.load(q) as z:
            out[f"layer{k}"] = z["hidden"]
        if len(out[f"layer{k}"]) != len(out["surprisal"]):  # surprisal cached before quotes were read straight
            return None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sets", nargs="*", default=["news", "bio", "ted"])
    ap.add_argument("--all-train", action="store_true", help="every news train translation (~+25 min)")
    ap.add_argument("--splits", nargs="*", default=None, help="only these news/bio splits (e.g. calib dev)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--layers", type=int, nargs="*", default=None,
                    help="only these layers' states, for articles whose surprisal is cached (garble 3.2 reads one)")
    args = ap.parse_args()
    import torch
    from rich.progress import Progress

    from checker.lm import LanguageModel
    from checker.modelstore import prepare_lm

    if args.threads:
        torch.set_num_threads(args.threads)
    arts = [a for a in selected(args.sets, args.all_train) if args.splits is None or a.split in args.splits]
    if args.layers:
        return extract_layers(arts, tuple(args.layers))
    todo = [a for a in arts if not path_for(a.text).exists()]
    print(f"{len(arts)} articles, {len(arts) - len(todo)} done, {len(todo)} to go", flush=True)
    if not todo:
        return
    lm = LanguageModel(prepare_lm())
    t0, tokens = time.time(), 0
    # single sentences (thousands of them) go through the LM in batches of similar length; articles one by one
    short = sorted((a for a in todo if len(a.text) < SHORT_CHARS), key=lambda a: len(a.text))
    batches = [short[i:i + BATCH] for i in range(0, len(short), BATCH)]
    batches += [[a] for a in todo if len(a.text) >= SHORT_CHARS]
    with Progress() as progress:
        task = progress.add_task("extracting", total=len(todo))
        for batch in batches:
            outs = lm.score_many([a.text for a in batch], hidden=True) if len(batch) > 1 else \
                [lm.score(batch[0].text, hidden=True)]
            for a, out in zip(batch, outs):
                save(a.text, out)
                tokens += len(out.tokens)
            progress.update(task, advance=len(batch),
                            description=f"extracting {tokens / (time.time() - t0):.0f} tok/s")


def extract_layers(arts: list[garbledata.Article], layers: tuple[int, ...]) -> None:
    """Middle layers' states for articles that already have their LM features: no output layer and no layer
    above the highest asked for (~4× the speed of a whole pass)."""
    from rich.progress import Progress

    from checker.lm import LanguageModel
    from checker.modelstore import prepare_lm

    todo = list({a.text: a for a in arts if path_for(a.text).exists()
                 and not all(path_for(a.text, k).exists() for k in layers)}.values())
    print(f"{len(arts)} articles, {len(todo)} without layers {layers}", flush=True)
    if not todo:
        return
    lm = LanguageModel(prepare_lm())
    todo.sort(key=lambda a: len(a.text))
    batches, batch, size = [], [], 0
    for a in todo:  # about 8k tokens a batch, of similar length
        if batch and (size + len(a.text) > 32000 or len(batch) == 64):
            batches.append(batch)
            batch, size = [], 0
        batch.append(a)
        size += len(a.text)
    batches.append(batch)
    t0, tokens = time.time(), 0
    with Progress() as progress:
        task = progress.add_task("layers", total=len(todo))
        for batch in batches:
            for a, states in zip(batch, lm.states_many([a.text for a in batch], layers)):
                for k, h in states.items():
                    _write(path_for(a.text, k), hidden=h.astype(np.float16))
                tokens += len(next(iter(states.values())))
            progress.update(task, advance=len(batch), description=f"layers {tokens / (time.time() - t0):.0f} tok/s")


def save(text: str, out) -> None:
    """One article's LM features, renamed into place only when complete."""
    arr = {"start": np.array([t.start for t in out.tokens], dtype=np.int32),
           "end": np.array([t.end for t in out.tokens], dtype=np.int32),
           "surprisal": np.array([t.surprisal for t in out.tokens], dtype=np.float32),
           "hidden": (out.hidden if out.hidden is not None else np.zeros((0, 640))).astype(np.float16)}
    _write(path_for(text), **arr)


def _write(target: Path, **arrays: np.ndarray) -> None:
    """An .npz renamed into place only when complete (an interrupted run leaves no half file)."""
    tmp = target.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, target)

if __name__ == "__main__":
    main()
