"""Suppression comments, one parser for every markup reader (HTML, XML, Markdown):

    <!-- checker-disable [rule …] [-- reason] -->   …   <!-- checker-enable -->
    <!-- checker-disable-next-line [rule …] [-- reason] -->
"""

from __future__ import annotations

import re

from checker.ingest.base import Suppression

DISABLE_RE = re.compile(r"^\s*checker-disable(?P<next>-next-line)?(?P<rules>[^-]*(?:-(?!-)[^-]*)*)"
                        r"(?:--\s*(?P<reason>.*))?$", re.S)
ENABLE_RE = re.compile(r"^\s*checker-enable\b")
OPEN_END = 10**12


class SuppressionTracker:
    """Feed it comments and finished blocks in document order; it collects the `Suppression` ranges."""

    def __init__(self) -> None:
        self.suppressions: list[Suppression] = []
        self.open: Suppression | None = None
        self.next_line: Suppression | None = None

    def comment(self, text: str, pos: int) -> None:
        """A comment met at text offset `pos`."""
        m = DISABLE_RE.match(text or "")
        if m:
            rules = tuple(r for r in re.split(r"[\s,]+", (m.group("rules") or "").strip()) if r)
            sup = Suppression(pos, OPEN_END, rules, (m.group("reason") or "").strip())
            if m.group("next"):
                self.next_line = sup
            else:
                self.open = sup
                self.suppressions.append(sup)
        elif ENABLE_RE.match(text or "") and self.open:
            self.open.end = pos
            self.open = None

    def block(self, start: int, end: int) -> None:
        """A block of text [start, end) was added: a pending next-line suppression covers it."""
        if self.next_line:
            self.next_line.start, self.next_line.end = start, end
            self.suppressions.append(self.next_line)
            self.next_line = None
