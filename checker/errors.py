"""Errors a user can cause; each carries the one line the CLI prints and exits 2 with."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class CheckerError(Exception):
    """Base for failures reported as one line, never as a traceback."""


class InputError(CheckerError):
    """The input cannot be read as an article (empty, binary, undecodable, too large, malformed)."""
