#!/usr/bin/env bash
# Stage 9 on a lent GPU, one call: stage 7 continued one epoch on the stage-7 replay plus WordNet verb-antonym flips
# (seeds 1 and 2, then their uniform soup, fixed in advance), and a control run on the same replay without the verb
# flips (seed 1: what one more epoch alone does). Each model and the shipped stage-7 weights are scored on the
# held-apart sets (P(contradiction) both ways; the table is then computed here: probs_table.py).
# Needs .gpu9/ from `python models/nli-minilm/news_data.py --out .gpu9 --stage7 30000 --verbs` plus .gpu9/tokenizer.
set -euo pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
D=.gpu9; T=/tmp/s9; S=models/nli-minilm/train_news.py
mkdir -p "$T/before"
nvidia-smi -L
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
cp models/nli-minilm/config.json models/nli-minilm/model.safetensors "$D"/tokenizer/*.json "$D"/tokenizer/vocab.txt \
  "$T/before/"
common=(--data "$D" --train-file train9.jsonl.gz --base "$D/tokenizer" --init "$T/before" --epochs 1 --bs 32
        --lr 1e-5 --max-seconds "${MAX_SECONDS:-240}")
python3 "$S" "${common[@]}" --out "$T/v1" --seed 1 > "$T/v1.log" 2>&1 &
python3 "$S" "${common[@]}" --out "$T/v2" --seed 2 > "$T/v2.log" 2>&1 &
python3 "$S" "${common[@]}" --out "$T/c1" --seed 1 --drop flip-verb > "$T/c1.log" 2>&1 &
wait
tail -n 2 "$T"/*.log
python3 "$S" --soup "$T/v1" "$T/v2" --out "$T/soup"
mkdir -p "$T/evals"
for m in soup c1 before; do
  python3 "$S" --eval "$T/$m" --data "$D" --out "$T/evals/eval-$m.json.gz" &
done
wait
python3 models/nli-minilm/probe.py "$T/before" "$T/c1" "$T/v1" "$T/soup" | tee "$OUT/probe.txt"
cat "$T"/*/run.json > "$OUT/runs.json"
tar -C "$T" -cf "$OUT/evals.tar" evals
split -b 16000000 "$T/soup/model.safetensors" "$OUT/soup.safetensors.part-"
sha256sum "$T/soup/model.safetensors" | tee "$OUT/soup.sha256"
ls -la "$OUT"
