"""What `checker serve` is told at start, and the one error type every layer answers with."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from checker.limits import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class ServeOptions:
    workers: int = 1
    queue: int = 8  # checks that may wait for a worker; more → 429
    timeout: float = 120.0  # seconds from arrival to answer, queueing included → 504
    max_bytes: int = DEFAULT_MAX_BYTES
    token: str | None = None  # Bearer token for /v1 and /metrics; None: no auth (loopback only, or explicit)
    keep: Path | None = None  # write each report (JSON + HTML) here; nothing is written otherwise
    fail_on: str = "error"
    # Host and Origin rules (DNS rebinding, cross-site requests): `bind` is the address the CLI bound — a loopback
    # bind answers only requests addressed to a loopback name or one of `allow_hosts` ("*": any); a request from a
    # web page (an Origin header) is served when the page is this server's own or one of `allow_origins` (those
    # also get CORS headers: the browser add-on, a CMS)
    bind: str | None = None
    allow_hosts: tuple[str, ...] = ()
    allow_origins: tuple[str, ...] = ()


def token_matches(options: ServeOptions, given: str) -> bool:
    """The client's token against --token-file's, in constant time; with no token configured, anyone."""
    if options.token is None:
        return True
    return hmac.compare_digest(given.strip().encode(), options.token.encode())


def bearer(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer …` header; None for any other scheme."""
    scheme, _, given = authorization.partition(" ")
    return given if scheme.lower() == "bearer" else None


class ApiError(Exception):
    """An answer other than 200, with the one line the CLI would print."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class TooLarge(Exception):
    """A body grew past the limit while it was being read (the app answers 413)."""


class Stalled(Exception):
    """A body stopped arriving (the app answers 408): a client that sends a byte a minute holds a connection."""


BODY_SECONDS = 30.0  # the longest wait for the next piece of a request body


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
