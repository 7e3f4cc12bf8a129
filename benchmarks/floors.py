"""Where the warm check's time goes once the obvious waste is gone: the figures behind "at its floor".

    python benchmarks/floors.py        # ~1 min on 2 cores

1. The LM's layers on one 300-token text against three such texts as one batch (would batching short articles
   into one forward pay?), and the output layer on top.
2. One name-proposal completion step on the seed (two rows continuing the pass): the layers (`branch`) and the
   262k-way output layer, each reading its weights once.
3. The seed's NLI directions at several batch sizes (checker uses 32).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.cpu import setup_process  # noqa: E402

setup_process()


def best(fn, reps: int = 5) -> float:
    fn()
    out = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def main() -> None:
    import torch

    from checker.engine import load_engine
    from checker.gemma import KVCache
    from checker.ingest import read_path
    from checker.pairs import select_pairs, sentence_keys

    seed = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
    engine = load_engine()
    lm, nli = engine.models.lm, engine.models.nli
    model = lm.model
    text = seed.read_text()
    ids = [lm.bos_id] + lm.tokenizer.encode(text).ids
    print(f"LM {lm.dtype_name}, {torch.get_num_threads()} threads")

    one = torch.tensor([ids[:300]])
    three = torch.tensor([ids[:300], ids[300:600], ids[600:900]])
    t1 = best(lambda: model.forward(one))
    t3 = best(lambda: model.forward(three))
    full = best(lambda: lm._nll(one, torch.tensor(ids[1:300])))
    print(f"layers, one 300-token text: {t1 * 1000:.0f} ms = {300 / t1:.0f} tok/s; three as one batch: "
          f"{t3 * 1000:.0f} ms = {900 / t3:.0f} tok/s ({(900 / t3) / (300 / t1):.2f}x); with the output layer: "
          f"{full * 1000:.0f} ms = {300 / full:.0f} tok/s")

    trunk = KVCache(len(model.layers))
    states = model.forward(torch.tensor([ids]), cache=trunk)[0]
    cut = torch.tensor([300, 700])
    step = best(lambda: model.branch(torch.tensor([[ids[300]], [ids[700]]]), cut[:, None], trunk, cut,
                                     KVCache(len(model.layers))))
    head = best(lambda: model.logits(states[[299, 699]]))
    calls: list[int] = []
    branch = model.branch

    def counted(ids, *args, **kwargs):
        calls.append(len(ids))
        return branch(ids, *args, **kwargs)

    model.branch = counted  # this process only: count the steps a check of the seed takes
    report = engine.check(read_path(str(seed)))
    model.branch = branch
    print(f"one completion step, 2 rows: layers {step * 1000:.0f} ms + output layer {head * 1000:.0f} ms; "
          f"checking the seed took {len(calls)} steps of {calls} rows")

    prose = [s for s in report.sentences if s.kind == "sentence"]
    texts = [s.text for s in prose]
    pairs = select_pairs(texts, sentence_keys(text, [(s.start, s.end) for s in prose]))
    directions = [(texts[a], texts[b]) for a, b in pairs] + [(texts[b], texts[a]) for a, b in pairs]
    kept = nli.batch_size
    cells = []
    for size in (8, 16, 32, 64):
        nli.batch_size = size
        cells.append(f"{size}: {best(lambda: nli.predict(directions), 3):.3f} s")
    nli.batch_size = kept
    print(f"NLI, the seed's {len(directions)} directions by batch size: " + ", ".join(cells))


if __name__ == "__main__":
    main()
