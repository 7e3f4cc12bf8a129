"""The real CLI process with fakes of the model protocols, for subprocess tests (signals, fuzzing, serve).

    python -m tests.fake_cli check FILE…      (FAKE_LM_SECONDS=0.5 makes every article take that long)
"""

from __future__ import annotations

from checker.cli import main
from tests.fakes import SlowLM, slow_fake_models

__all__ = ["SlowLM"]

if __name__ == "__main__":
    models = slow_fake_models()
    main(models_factory=lambda threads=None: models)
