"""Abandoning a check that nobody waits for any more: a server request past its deadline, a client that left.

The engine runs a check with a `threading.Event` (`cancellable`); the long loops — the LM's windows, the NLI's
batches, the stages and the rules — call `checkpoint()`, which raises `Cancelled` once the event is set. The
worker then frees its slot within one window's work instead of finishing minutes of work for no one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from checker.errors import CheckerError

_local = threading.local()


class Cancelled(CheckerError):
    """The check was abandoned before it finished (its deadline passed or its client left)."""


@contextmanager
def cancellable(event: threading.Event | None) -> Iterator[None]:
    """Checks in this thread stop at their next checkpoint once `event` is set (None: never)."""
    before = getattr(_local, "event", None)
    _local.event = event
    try:
        yield
    finally:
        _local.event = before


def checkpoint() -> None:
    event = getattr(_local, "event", None)
    if event is not None and event.is_set():
        raise Cancelled("the check was abandoned: its deadline passed or its client left")
