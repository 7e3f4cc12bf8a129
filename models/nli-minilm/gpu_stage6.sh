#!/usr/bin/env bash
# Stage 6 on a lent GPU, one call: runs side by side (seeds 1 and 2 on the full mix, and with ABLATION=1 one
# without any real-news negatives: rule-selected pairs, MT paraphrases, added clauses, agent and subject swaps),
# the uniform soup of the two full runs (fixed in advance), then each model (and with BEFORE=1 the shipped
# weights) scored on the held-apart sets. The model card lists the calls that made the shipped weights.
# Needs .gpu/ from `python models/nli-minilm/news_data.py --out .gpu` plus .gpu/tokenizer (the base tokenizer).
set -euo pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
D=.gpu; T=/tmp/s6; S=models/nli-minilm/train_news.py
mkdir -p "$T"
nvidia-smi -L
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
common=(--data "$D" --base "$D/tokenizer" --init models/nli-minilm --epochs 2 --bs 64 --lr 3e-5
        --max-seconds "${MAX_SECONDS:-300}")
python3 "$S" "${common[@]}" --out "$T/a" --seed 1 > "$T/a.log" 2>&1 &
python3 "$S" "${common[@]}" --out "$T/b" --seed 2 > "$T/b.log" 2>&1 &
models=(soup a b)
if [ "${ABLATION:-1}" = 1 ]; then
  python3 "$S" "${common[@]}" --out "$T/c" --seed 1 --drop mqm agent mt clause subject > "$T/c.log" 2>&1 &
  models+=(c)
fi
wait
tail -n 3 "$T"/*.log
python3 "$S" --soup "$T/a" "$T/b" --out "$T/soup"
if [ "${BEFORE:-1}" = 1 ]; then
  mkdir -p "$T/before" && cp models/nli-minilm/config.json models/nli-minilm/model.safetensors "$T/before/" \
    && cp "$D"/tokenizer/*.json "$D"/tokenizer/vocab.txt "$T/before/"
  models+=(before)
fi
mkdir -p "$T/evals"
for m in "${models[@]}"; do
  python3 "$S" --eval "$T/$m" --data "$D" --out "$T/evals/eval-$m.json.gz" &
done
wait
cat "$T"/*/run.json > "$OUT/runs.json"
tar -C "$T" -cf "$OUT/evals.tar" evals
split -b 16000000 "$T/soup/model.safetensors" "$OUT/soup.safetensors.part-"
sha256sum "$T/soup/model.safetensors" | tee "$OUT/soup.sha256"
ls -la "$OUT"
