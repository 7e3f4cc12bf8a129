"""Limits every front end shares (CLI, server, Ray driver), with the one message each gives when passed."""

from __future__ import annotations

DEFAULT_MAX_BYTES = 1_000_000  # an article larger than this is almost surely not one article


def too_large(limit: int, flag: str, size: int | None = None) -> str:
    """The one line for an input over the byte limit; `flag` names the setting that raises it."""
    if size is not None:
        return f"too large: {size / 1e6:.1f} MB > {limit / 1e6:.1f} MB limit ({flag})"
    return f"too large: more than {limit / 1e6:.1f} MB ({flag})"
