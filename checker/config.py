"""Configuration: `[tool.checker]` in pyproject.toml or a `.checker.toml`, found upward from the inputs.

Command-line flags override the file; the file overrides the built-in defaults. `settings_from` is the one
place config and flags become `Settings` (the CLI's check, serve and eval, the server and benchmarks use it).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.errors import CheckerError
from checker.findings import FAIL_ON, SEVERITIES
from checker.limits import DEFAULT_MAX_BYTES
from checker.rules import INFOS, rule_ids, validate
from checker.settings import Settings

TEMPLATE = """\
# checker configuration (https://example.invalid/checker). Command-line flags override these.

# Garble probability at or above which a sentence is an error, and where the warning band starts.
# Leave them out to use the operating points stored with the garble model.
# threshold = 0.72
# warning = 0.52

# Lowest severity that makes `checker check` exit 1: error, warning, info or never.
fail-on = "error"

# Output formats when --format is not given: text, json, html, sarif, github, jsonl, junit.
formats = ["text", "json", "html"]

# Which files a folder contributes (glob patterns on the path below the folder).
include = []
exclude = []

# House spellings and terms that are fine: never reported as name variants or suspect names.
allow = []

# Source-aware checks (`--source` / `--sources`): false switches off every source-* rule, and an original given is
# then not read at all.
source-aware = true

# Per-rule switches: enabled = false turns a rule off; severity = "error" | "warning" | "info"; and the rule's own
# options (`checker rules` lists them), e.g.
# [rules.name-suspect]
# enabled = true
# severity = "info"
# [rules.contradiction]
# threshold = 0.97
"""


@dataclass
class Config:
    path: Path | None = None
    threshold: float | None = None
    warning: float | None = None
    fail_on: str = "error"
    formats: list[str] = field(default_factory=lambda: ["text", "json", "html"])
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_aware: bool = True

    def severity(self) -> dict[str, str]:
        return {r: v["severity"] for r, v in self.rules.items() if "severity" in v}

    def enabled(self) -> dict[str, bool]:
        on = {r: bool(v["enabled"]) for r, v in self.rules.items() if "enabled" in v}
        if not self.source_aware:  # the family switch: every source-* rule off
            on |= {r: False for r in rule_ids() if r.startswith("source-")}
        return on

    def options(self) -> dict[str, dict[str, Any]]:
        """Each rule's own options (everything under [rules.<id>] but the switches)."""
        out = {r: {k: v for k, v in opts.items() if k not in SWITCHES} for r, opts in self.rules.items()}
        return {r: o for r, o in out.items() if o}


SWITCHES = ("enabled", "severity")


def settings_from(config: Config | None = None, *, threshold: float | None = None, warning: float | None = None,
                  max_bytes: int | None = None, threads: int | None = None) -> Settings:
    """Config file values, overridden by the command-line flags that were given, checked against the rules."""
    cfg = config or Config()
    settings = Settings(threshold=threshold if threshold is not None else cfg.threshold,
                        warning=warning if warning is not None else cfg.warning,
                        severities=cfg.severity(),
                        disabled=frozenset(r for r, on in cfg.enabled().items() if not on),
                        allow=frozenset(a.lower() for a in cfg.allow),
                        options=cfg.options(),
                        max_bytes=max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES,
                        threads=threads)
    if settings.threshold is not None and settings.warning is not None and settings.warning > settings.threshold:
        raise CheckerError(f"warning {settings.warning:g} is above the error threshold {settings.threshold:g}: "
                           "the warning band would be empty (set warning at or below threshold)")
    validate(settings)
    return settings


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `.checker.toml`, or pyproject.toml with a [tool.checker] table, from start upward."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else [start.parent, *start.parent.parents]:
        for name in (".checker.toml", "pyproject.toml"):
            f = folder / name
            if not f.is_file():
                continue
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8-sig"))  # a BOM from a Windows editor
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise CheckerError(f"{f}: invalid TOML: {exc}") from None
            if name == "pyproject.toml":
                data = data.get("tool", {}).get("checker")
                if data is None:
                    continue
            return f, data
    return None


def load_config(paths: list[str], explicit: Path | None = None) -> Config:
    if explicit:
        try:
            data = tomllib.loads(explicit.read_text(encoding="utf-8-sig"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CheckerError(f"cannot read config {explicit}: {exc}") from None
        found: tuple[Path, dict[str, Any]] | None = (explicit, data.get("tool", {}).get("checker", data))
    else:
        first = next((Path(p) for p in paths if p != "-"), Path.cwd())
        found = find_config(first if first.exists() else Path.cwd())
    if not found:
        return Config()
    path, data = found
    return parse(data, path)


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    known = {"threshold", "warning", "fail-on", "formats", "include", "exclude", "allow", "rules", "source-aware"}
    unknown = set(data) - known
    where = f"{path}: " if path else ""
    if unknown:
        raise CheckerError(f"{where}unknown configuration keys: {', '.join(sorted(unknown))}")
    cfg = Config(path=path)
    for key in ("threshold", "warning"):
        if key in data:
            val = data[key]
            if isinstance(val, bool) or not isinstance(val, int | float) or not 0 <= val <= 1:
                raise CheckerError(f"{where}{key} must be a number between 0 and 1")
            setattr(cfg, key, float(val))
    if "fail-on" in data:
        if data["fail-on"] not in FAIL_ON:
            raise CheckerError(f"{where}fail-on must be one of {', '.join(FAIL_ON)}")
        cfg.fail_on = data["fail-on"]
    if "source-aware" in data:
        if not isinstance(data["source-aware"], bool):
            raise CheckerError(f"{where}source-aware must be true or false")
        cfg.source_aware = data["source-aware"]
    for key in ("formats", "include", "exclude", "allow"):
        if key in data:
            if not isinstance(data[key], list) or not all(isinstance(x, str) for x in data[key]):
                raise CheckerError(f"{where}{key} must be a list of strings")
            setattr(cfg, key, list(data[key]))
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise CheckerError(f"{where}rules must be a table of [rules.<id>] tables")
    known_ids = rule_ids()
    for rule, opts in rules.items():
        if rule not in known_ids:
            close = difflib.get_close_matches(rule, sorted(known_ids), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(sorted(known_ids))})"
            raise CheckerError(f"{where}unknown rule id rules.{rule}{hint}")
        if not isinstance(opts, dict):
            raise CheckerError(f"{where}rules.{rule} must be a table")
        declared = {o.name: o for o in INFOS[rule].options}
        bad = set(opts) - set(SWITCHES) - set(declared)
        if bad:
            raise CheckerError(f"{where}rules.{rule}: unknown keys {', '.join(sorted(bad))} "
                               f"({', '.join([*SWITCHES, *sorted(declared)])})")
        for name, value in opts.items():
            if name in declared:
                declared[name].parse(value, f"{where}rules.{rule}.{name}")
        if "enabled" in opts and not isinstance(opts["enabled"], bool):
            raise CheckerError(f"{where}rules.{rule}.enabled must be true or false")
        if "severity" in opts and opts["severity"] not in SEVERITIES:
            raise CheckerError(f"{where}rules.{rule}.severity must be one of {', '.join(SEVERITIES)}")
        cfg.rules[rule] = dict(opts)
    return cfg
