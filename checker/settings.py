"""Settings: everything that changes a check's result, made once from config + flags and never mutated.

A leaf: it imports no registry. `checker.config.settings_from` builds one from a config file and flags and checks
it against the rule registry; the engine checks it again (`checker.rules.validate`), so a hand-made `Settings`
with an unknown rule id fails where it is used. The report's signature is derived from it, so two runs with one
signature judge alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from checker.errors import CheckerError
from checker.findings import SEVERITIES
from checker.limits import DEFAULT_MAX_BYTES


def _frozen(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Settings:
    threshold: float | None = None  # garble probability for an error (None: the scorer's own operating point)
    warning: float | None = None  # where the garble warning band starts
    severities: Mapping[str, str] = field(default_factory=_frozen)  # rule id → severity override
    disabled: frozenset[str] = frozenset()  # rule ids switched off
    allow: frozenset[str] = frozenset()  # lower-cased house spellings, never name findings
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=_frozen)  # rule id → option → value
    max_bytes: int = DEFAULT_MAX_BYTES
    threads: int | None = None  # torch intra-op threads; None leaves the process setting alone

    def __post_init__(self) -> None:
        for key in ("threshold", "warning"):
            v = getattr(self, key)
            if v is not None and not 0.0 <= v <= 1.0:
                raise CheckerError(f"{key} must be between 0 and 1, not {v}")
        for rid, sev in self.severities.items():
            if sev not in SEVERITIES:
                raise CheckerError(f"severity of {rid} must be one of {', '.join(SEVERITIES)}, not {sev!r}")
        if self.max_bytes < 1:
            raise CheckerError(f"max-bytes must be a positive number of bytes, not {self.max_bytes}")
        if self.threads is not None and self.threads < 1:
            raise CheckerError(f"threads must be at least 1, not {self.threads}")
        object.__setattr__(self, "severities", _frozen(self.severities))
        object.__setattr__(self, "options", _frozen({k: _frozen(v) for k, v in self.options.items()}))
        object.__setattr__(self, "disabled", frozenset(self.disabled))
        object.__setattr__(self, "allow", frozenset(self.allow))

    def __reduce__(self) -> tuple[type[Settings], tuple[Any, ...]]:
        """Picklable (a cluster sends it to its workers) although its mappings are read-only views; every field
        travels, a new one too."""
        return (Settings, tuple(_plain(getattr(self, f.name)) for f in dataclasses.fields(self)))

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled

    def severity(self, rule_id: str, default: str) -> str:
        return self.severities.get(rule_id, default)


def _plain(value: Any) -> Any:
    """A read-only mapping (nested too) as a plain dict, for pickling."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value
