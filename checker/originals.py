"""Which original article goes with each English input: one file for one article (`--source`), or a folder that
mirrors the inputs (`--sources`: the same relative path, any extension). Read by the runner and its backends."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from checker.errors import CheckerError
from checker.ingest import read_bytes


@dataclass(frozen=True)
class Originals:
    file: str | None = None  # --source
    folder: str | None = None  # --sources
    format: str | None = None  # --source-format (default: detected, as for the English)

    def __post_init__(self) -> None:
        if self.file and self.folder:
            raise CheckerError("give --source (one article) or --sources (a folder), not both")
        if self.folder and not Path(self.folder).is_dir():
            raise CheckerError(f"--sources {self.folder}: not a folder")

    @property
    def given(self) -> bool:
        return bool(self.file or self.folder)

    def check_inputs(self, files: list[str]) -> None:
        """--source pairs with exactly one article."""
        if self.file and len(files) != 1:
            raise CheckerError(f"--source pairs with one article, but {len(files)} were given: use --sources FOLDER "
                               "(originals under the same relative paths)")

    def find(self, name: str) -> str | None:
        """The original of the input named `name` (its path below the folder given, or its file name)."""
        if self.file:
            return self.file
        if not self.folder:
            return None
        rel = PurePosixPath(name)
        folder = Path(self.folder) / rel.parent
        if not folder.is_dir():
            return None
        exact = folder / rel.name
        if exact.is_file():
            return str(exact)
        stem = rel.name.split(".", 1)[0]
        found = sorted(p for p in folder.iterdir() if p.is_file() and p.name.split(".", 1)[0] == stem
                       and not p.name.startswith("."))
        return str(found[0]) if len(found) == 1 else None

    def missing_note(self) -> str:
        return f"no original under {self.folder} for this article: checked English-only"

    def read(self, path: str, max_bytes: int) -> tuple[str, bytes, str | None]:
        """(name, bytes, format) for `check_bytes`; a file that cannot be read is one line naming the source."""
        try:
            return path, read_bytes(path, max_bytes), self.format
        except CheckerError as exc:
            raise type(exc)(f"source {path}: {exc}") from None
