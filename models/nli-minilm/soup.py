"""Average the weights of several runs that continued from one model (a uniform "model soup").

Runs fine-tuned from the same weights stay in one basin of the loss, so their average is about as accurate as
the best of them without our having to pick one, and costs nothing at inference time (Wortsman et al. 2022,
"Model soups").
The soup is uniform and decided before any ingredient is evaluated: no ingredient is picked by test accuracy.

    python models/nli-minilm/soup.py --snli DIR --out models/nli-minilm /tmp/r5 /tmp/r6 /tmp/r7 /tmp/r8
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

sys.path.insert(0, str(Path(__file__).parent))
from train import base_folder, evaluate, load_snli, split_news


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=Path, nargs="+", help="train.py output folders, all continued from one model")
    ap.add_argument("--snli", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--max-len", type=int, default=96)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--base", type=Path, default=None, help="tokenizer folder; default: the base package")
    args = ap.parse_args()
    tok = AutoTokenizer.from_pretrained(base_folder(args.base))
    device = torch.device(args.device)

    metas = [json.loads((r / "metrics.json").read_text()) for r in args.runs]
    if not all("stages" in m for m in metas):
        sys.exit("soup.py: every run must continue one model (train.py --init)")
    firsts = {json.dumps(m["stages"][:-1], sort_keys=True) for m in metas}
    if len(firsts) != 1:
        sys.exit("soup.py: the runs do not continue from the same model (their earlier stages differ)")

    model = AutoModelForSequenceClassification.from_pretrained(args.runs[0], dtype=torch.float32).to(device)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for p in params.values():
            p.mul_(1.0 / len(args.runs))
        for run in args.runs[1:]:
            other = AutoModelForSequenceClassification.from_pretrained(run, dtype=torch.float32).to(device)
            for name, q in other.named_parameters():
                params[name].add_(q, alpha=1.0 / len(args.runs))
            del other

    test = load_snli(args.snli / "snli_1.0_test.jsonl")
    _, news_dev = split_news()
    snli_m = evaluate(model, tok, test, args.max_len)
    news_m = evaluate(model, tok, news_dev, args.max_len)
    print("soup snli test", snli_m, "\nsoup news dev", news_m, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    model.to(torch.float16).save_pretrained(args.out, safe_serialization=True)
    digest = hashlib.sha256((args.out / "model.safetensors").read_bytes()).hexdigest()
    ingredients = [m["stages"][-1] | {"snli_test": round(m["snli_test"]["accuracy"], 4),
                                      "news_dev": round(m["news_dev"]["accuracy"], 4)} for m in metas]
    stages = metas[0]["stages"][:-1] + [{"soup": ingredients, "epochs": ingredients[0]["epochs"],
                                         "train_seconds": sum(i["train_seconds"] for i in ingredients)}]
    metrics = {"snli_test": snli_m, "news_dev": news_m, "train_pairs": metas[0]["train_pairs"],
               "epochs": round(sum(st["epochs"] for st in stages), 2),
               "train_seconds": sum(st["train_seconds"] for st in stages),
               "batch_size": metas[0]["batch_size"], "max_len": args.max_len, "base": metas[0]["base"],
               "model_sha256": digest, "stages": stages}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
