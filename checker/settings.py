"""Settings: everything that changes a check's result, made once from config + flags and never mutated.

The CLI, the server and a cluster worker all build one `Settings` and hand it to the same `Engine`; the
report's signature is derived from it, so two runs with one signature judge alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from checker.errors import CheckerError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from checker.config import Config

DEFAULT_MAX_BYTES = 1_000_000


def _frozen(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Settings:
    threshold: float | None = None  # garble probability for an error (None: the scorer's own operating point)
    warning: float | None = None  # where the garble warning band starts
    nli_threshold: float | None = None  # contradiction probability (None: the NLI model's calibrated one)
    severities: Mapping[str, str] = field(default_factory=_frozen)  # rule id → severity override
    disabled: frozenset[str] = frozenset()  # rule ids switched off
    allow: frozenset[str] = frozenset()  # lower-cased house spellings, never name findings
    max_bytes: int = DEFAULT_MAX_BYTES
    threads: int | None = None  # torch intra-op threads; None leaves the process setting alone

    def __post_init__(self) -> None:
        from checker.findings import SEVERITIES
        from checker.rules import rule_ids

        for key in ("threshold", "warning", "nli_threshold"):
            v = getattr(self, key)
            if v is not None and not 0.0 <= v <= 1.0:
                raise CheckerError(f"{key} must be between 0 and 1, not {v}")
        known = rule_ids()
        for rid in [*self.severities, *self.disabled]:
            if rid not in known:
                raise CheckerError(f"unknown rule id {rid!r} (known: {', '.join(sorted(known))})")
        for rid, sev in self.severities.items():
            if sev not in SEVERITIES:
                raise CheckerError(f"severity of {rid} must be one of {', '.join(SEVERITIES)}, not {sev!r}")
        if self.max_bytes < 1:
            raise CheckerError(f"max-bytes must be a positive number of bytes, not {self.max_bytes}")
        if self.threads is not None and self.threads < 1:
            raise CheckerError(f"threads must be at least 1, not {self.threads}")
        object.__setattr__(self, "severities", _frozen(self.severities))

    def __reduce__(self) -> tuple[type[Settings], tuple[Any, ...]]:
        """Picklable (a cluster sends it to its workers) although `severities` is a read-only mapping."""
        return (Settings, (self.threshold, self.warning, self.nli_threshold, dict(self.severities), self.disabled,
                           self.allow, self.max_bytes, self.threads))

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled

    def severity(self, rule_id: str, default: str) -> str:
        return self.severities.get(rule_id, default)

    @classmethod
    def build(cls, config: Config | None = None, *, threshold: float | None = None, warning: float | None = None,
              max_bytes: int | None = None, threads: int | None = None) -> Settings:
        """Config file values, overridden by the command-line flags that were given."""
        from checker.config import Config

        cfg = config or Config()
        return cls(threshold=threshold if threshold is not None else cfg.threshold,
                   warning=warning if warning is not None else cfg.warning,
                   severities=cfg.severity(),
                   disabled=frozenset(r for r, on in cfg.enabled().items() if not on),
                   allow=frozenset(a.lower() for a in cfg.allow),
                   max_bytes=max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES,
                   threads=threads)
