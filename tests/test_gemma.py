"""checker/gemma.py runs Gemma 3 without transformers' modelling stack; its numbers must be transformers' own,
bit for bit: a long text (windowed layers masked) and a short one (plain causal), in bf16 and float32; and its
branches off a cached pass must be what a fresh pass over each branch gives."""

import json

import pytest
import torch

from checker.gemma import GemmaConfig, GemmaFormatError, GemmaModel, KVCache

GEMMA_270M = {  # the fields of the prepared config.json that the forward pass reads
    "model_type": "gemma3_text", "hidden_activation": "gelu_pytorch_tanh", "attn_logit_softcapping": None,
    "final_logit_softcapping": None, "vocab_size": 262144, "hidden_size": 640, "intermediate_size": 2048,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 256,
    "rms_norm_eps": 1e-6, "query_pre_attn_scalar": 256, "sliding_window": 512,
    "layer_types": ["sliding_attention", "full_attention"],
    "rope_parameters": {"full_attention": {"rope_theta": 1e6, "rope_type": "default"},
                        "sliding_attention": {"rope_theta": 1e4, "rope_type": "default"}},
}


def test_unsupported_options_are_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(GEMMA_270M))
    assert GemmaConfig.from_file(tmp_path / "config.json").rope_theta["full_attention"] == 1e6
    for key, value in [("model_type", "llama"), ("attn_logit_softcapping", 50.0), ("hidden_activation", "silu"),
                       ("use_bidirectional_attention", True), ("attention_bias", True)]:
        (tmp_path / "config.json").write_text(json.dumps({**GEMMA_270M, key: value}))
        with pytest.raises(GemmaFormatError, match=key):
            GemmaConfig.from_file(tmp_path / "config.json")
    linear = {"rope_type": "linear", "rope_theta": 1e6, "factor": 8.0}
    (tmp_path / "config.json").write_text(json.dumps(
        {**GEMMA_270M, "rope_parameters": {**GEMMA_270M["rope_parameters"], "full_attention": linear}}))
    with pytest.raises(GemmaFormatError, match=r"rope_parameters\.full_attention"):
        GemmaConfig.from_file(tmp_path / "config.json")


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32], ids=["bf16", "fp32"])
def test_hidden_states_equal_transformers(dtype, checker, seed_text):
    from transformers import AutoModelForCausalLM

    from checker import modelstore

    folder = modelstore.prepare_lm()
    ours = GemmaModel(folder, dtype)
    ref = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype).eval()
    tok = checker.models.lm.tokenizer
    with torch.inference_mode():
        for text in (seed_text, seed_text[:600]):  # 925 tokens: windowed layers need their mask; 125: causal only
            ids = torch.tensor([[2] + tok.encode(text).ids])
            assert torch.equal(ours.forward(ids), ref.model(input_ids=ids).last_hidden_state)


def test_damaged_files_are_one_line_model_errors(tmp_path, monkeypatch):
    """A truncated or overwritten cache file says what to do (no safetensors traceback); the CLI shows it in one
    line and exits 2 (`Models` turns a ModelError into "cannot load models: …")."""
    from safetensors.torch import save_file

    from checker.errors import CheckerError
    from checker.models import Models
    from checker.modelstore import ModelError

    monkeypatch.setenv("CHECKER_CACHE", str(tmp_path))
    folder = tmp_path / "gemma-3-270m-bf16-1.0.0"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(GEMMA_270M))
    save_file({"model.embed_tokens.weight": torch.zeros(4, 640)}, str(folder / "model.safetensors"))
    data = (folder / "model.safetensors").read_bytes()
    for damaged in (data[: len(data) // 2], b"garbage\n", b""):
        (folder / "model.safetensors").write_bytes(damaged)
        with pytest.raises(ModelError, match=r"cannot read weights .*model\.safetensors.*models prepare"):
            GemmaModel(folder)
    (folder / "model.safetensors").write_bytes(data)
    with pytest.raises(GemmaFormatError, match="missing weights"):
        GemmaModel(folder)
    (folder / "config.json").write_text("{")
    with pytest.raises(ModelError, match=r"cannot read .*config\.json"):
        GemmaModel(folder)
    (folder / "config.json").write_text(json.dumps({k: v for k, v in GEMMA_270M.items() if k != "head_dim"}))
    with pytest.raises(GemmaFormatError, match="missing or malformed field 'head_dim'"):
        GemmaModel(folder)
    models = Models(loaders={"lm": lambda _threads: GemmaModel(folder)})
    with pytest.raises(CheckerError, match=r"^cannot load models: .*head_dim"):
        models.load(["lm"])


@pytest.mark.slow
def test_branch_equals_a_fresh_pass_over_each_row(checker, seed_text):
    """`branch` continues the LM pass's cached sequence from a different point per row (the name proposals):
    each row's states must be what a plain pass over that row's own sequence gives. Rows cut before and after
    the 512-token sliding window, two steps (the second attends to the row's own first token)."""
    from checker import modelstore

    model = GemmaModel(modelstore.prepare_lm(), torch.float32)
    seq = [2] + checker.models.lm.tokenizer.encode(seed_text).ids
    trunk = KVCache(len(model.layers))
    model.forward(torch.tensor([seq]), cache=trunk)
    cuts = [5, 300, 700, len(seq) - 1]  # row r keeps seq[:cut] and continues with its own tokens
    new = [[1000, 2000], [3000, 4000], [5000, 6000], [7000, 8000]]
    own = KVCache(len(model.layers))
    cut = torch.tensor(cuts)
    for step in range(2):
        got = model.branch(torch.tensor([[n[step]] for n in new]), cut[:, None] + step, trunk, cut, own)[:, -1]
        for r, c in enumerate(cuts):
            want = model.forward(torch.tensor([seq[:c] + new[r][:step + 1]]))[0, -1]
            assert torch.allclose(got[r], want, atol=2e-3, rtol=1e-3), (r, step, float((got[r] - want).abs().max()))
