"""Rules: each a small class in its own module, registered by id. A new rule is one file + one import below.

A rule declares what it reports (`infos`: id, label, default severity, summary, explanation, options) and
which model parts it reads (`needs`); the engine runs only rules with an enabled id and loads only the
parts they need. Importing this package never imports torch: renderers and config read the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from checker.findings import Finding, SentenceResult
from checker.ingest import Document
from checker.settings import Settings

if TYPE_CHECKING:
    from checker.models import LMOutput, Models


@dataclass(frozen=True)
class RuleInfo:
    """What a finding's rule id means: shown by `checker rules`, SARIF, the HTML report and config checks."""

    id: str
    label: str
    default_severity: str
    summary: str
    explanation: str
    options: tuple[tuple[str, str], ...] = ()  # (setting, what it does)


@dataclass
class Context:
    """What a rule may read for one article: the document, the scored sentences, models and settings.

    `stats` belongs to this one check (the engine copies it into the report); nothing is shared between checks.
    """

    document: Document
    sentences: list[SentenceResult]
    models: Models | None = None
    settings: Settings = field(default_factory=Settings)
    stats: dict[str, Any] = field(default_factory=dict)
    lm: LMOutput | None = None  # the article's LM pass (tokens, and hidden states when the garble scorer wants them)

    @property
    def prose(self) -> list[SentenceResult]:
        return [s for s in self.sentences if s.kind == "sentence"]


class Rule:
    infos: ClassVar[tuple[RuleInfo, ...]]  # the first is the rule's own id; more when it reports several
    needs: ClassVar[tuple[str, ...]] = ()  # model parts read from Context.models: "lm", "garble", "nli"

    @classmethod
    def ids(cls) -> tuple[str, ...]:
        return tuple(i.id for i in cls.infos)

    @property
    def id(self) -> str:
        return self.infos[0].id

    def run(self, ctx: Context) -> list[Finding]:
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}  # primary id → class
INFOS: dict[str, RuleInfo] = {}  # every reported id → its metadata


def register(cls: type[Rule]) -> type[Rule]:
    RULES[cls.infos[0].id] = cls
    for info in cls.infos:
        if info.id in INFOS:
            raise ValueError(f"rule id {info.id} registered twice")
        INFOS[info.id] = info
    return cls


def all_rules() -> dict[str, type[Rule]]:
    return dict(RULES)


def rule_ids() -> frozenset[str]:
    return frozenset(INFOS)


def rule_info(rule_id: str) -> RuleInfo:
    """Metadata of a rule id; an id from an old report that no rule declares still gets a readable label."""
    return INFOS.get(rule_id) or RuleInfo(rule_id, rule_id.replace("-", " ").capitalize(), "warning", "", "")


from checker.rules import contradiction as _contradiction  # noqa: E402,F401
from checker.rules import date_mismatch as _date_mismatch  # noqa: E402,F401
from checker.rules import garbled as _garbled  # noqa: E402,F401
from checker.rules import name_suspect as _name_suspect  # noqa: E402,F401
from checker.rules import name_variant as _name_variant  # noqa: E402,F401
from checker.rules import number_mismatch as _number_mismatch  # noqa: E402,F401
from checker.rules import overlong as _overlong  # noqa: E402,F401
from checker.rules import self_reference as _self_reference  # noqa: E402,F401
