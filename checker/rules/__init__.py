"""Rules: each a small class in its own module, registered by id. A new rule is one file + one import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from checker.findings import Finding, SentenceResult
from checker.ingest import Document


@dataclass
class Context:
    """What a rule may read: the document, the scored sentences, and the loaded models."""

    document: Document
    sentences: list[SentenceResult]
    models: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def prose(self) -> list[SentenceResult]:
        return [s for s in self.sentences if s.kind == "sentence"]


class Rule:
    id: ClassVar[str]
    default_severity: ClassVar[str] = "warning"
    summary: ClassVar[str] = ""
    explanation: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ()  # model names the rule reads from Context.models

    def run(self, ctx: Context) -> list[Finding]:
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    RULES[cls.id] = cls
    return cls


def all_rules() -> dict[str, type[Rule]]:
    return dict(RULES)


RuleFactory = Callable[[], Rule]

from checker.rules import contradiction as _contradiction  # noqa: E402,F401
from checker.rules import date_mismatch as _date_mismatch  # noqa: E402,F401
from checker.rules import garbled as _garbled  # noqa: E402,F401
from checker.rules import name_suspect as _name_suspect  # noqa: E402,F401
from checker.rules import name_variant as _name_variant  # noqa: E402,F401
from checker.rules import number_mismatch as _number_mismatch  # noqa: E402,F401
from checker.rules import self_reference as _self_reference  # noqa: E402,F401
