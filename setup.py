"""Build step only: the wheel carries the shipped model files, copied from models/ (their one home in git)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# what checker needs at run time; training recipes, caches and cards stay in models/
SHIPPED = {
    "garble": ["garble-tagger.json", "garble-context.safetensors", "garble-lr.json"],
    "nli-minilm": ["model.safetensors", "config.json", "metrics.json"],
    "adequacy": ["adequacy-lr.json"],
}


class BuildPyWithModels(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads models/ in place
        for folder, files in SHIPPED.items():
            target = Path(self.build_lib) / "checker" / "_models" / folder
            target.mkdir(parents=True, exist_ok=True)
            for name in files:
                shutil.copyfile(ROOT / "models" / folder / name, target / name)


setup(cmdclass={"build_py": BuildPyWithModels})
