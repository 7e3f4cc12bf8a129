"""The real CLI process with fakes of the model protocols, for subprocess tests (signals, fuzzing).

    python -m tests.fake_cli check FILE…      (FAKE_LM_SECONDS=0.5 makes every article take that long)
"""

from __future__ import annotations

import os
import time

import checker.runner
from checker.cli import main
from checker.models import LMOutput
from tests.fakes import FakeLM, fake_models


class SlowLM(FakeLM):
    def score(self, text: str, *, hidden: bool = False) -> LMOutput:
        time.sleep(float(os.environ.get("FAKE_LM_SECONDS", "0")))
        return super().score(text, hidden=hidden)


if __name__ == "__main__":
    models = fake_models()
    models._parts["lm"] = SlowLM()
    checker.runner.default_models = lambda threads=None: models
    main()
