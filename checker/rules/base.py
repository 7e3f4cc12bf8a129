"""What every rule declares, the context it reads, and the registry `checker rules`, config, SARIF, the HTML
report and the engine read.

A rule declares what it reports (`infos`: id, label, default severity, summary, explanation, a link into
docs/RULES.md, typed options), which model parts it reads (`needs`), and what of its judgement belongs in a
report's signature (`signature`). Importing this never imports torch: renderers and config read the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from checker.errors import CheckerError
from checker.findings import SEVERITIES, Finding, SentenceResult, SourceSide
from checker.ingest.base import Document
from checker.settings import Settings

if TYPE_CHECKING:
    from checker.models import Models
    from checker.parts import LMOutput

DOCS = "docs/RULES.md"
# W3C ITS 2.0 Localization Quality Issue Types (https://www.w3.org/TR/its20/#lqissue-typevalues)
ISSUE_TYPES = frozenset({
    "terminology", "mistranslation", "omission", "untranslated", "addition", "duplication", "inconsistency",
    "grammar", "legal", "register", "locale-specific-content", "locale-violation", "style", "characters",
    "misspelling", "typographical", "formatting", "inconsistent-entities", "numbers", "markup", "pattern-problem",
    "whitespace", "internationalization", "length", "non-conformance", "uncategorized", "other"})
CATEGORIES = frozenset({"grammar", "typos", "semantics", "style", "misc"})


@dataclass(frozen=True)
class RuleOption:
    """A setting of one rule, read from `[rules.<id>]` in the config: typed, bounded, with its default."""

    name: str
    type: type  # float, int, bool or str
    default: Any
    help: str
    bounds: tuple[float, float] | None = None  # inclusive, for numbers

    def parse(self, value: Any, where: str) -> Any:
        """The value as this option's type, or one line saying why not (`where` names the key)."""
        numeric = self.type in (int, float)
        if isinstance(value, bool) != (self.type is bool) or (numeric and not isinstance(value, int | float)) or (
                self.type is int and isinstance(value, float)) or (self.type is str and not isinstance(value, str)):
            raise CheckerError(f"{where} must be {self.describe()}")
        if numeric and self.bounds and not self.bounds[0] <= value <= self.bounds[1]:
            raise CheckerError(f"{where} must be {self.describe()}, not {value}")
        return float(value) if self.type is float else value

    def describe(self) -> str:
        kind = {float: "a number", int: "a whole number", bool: "true or false", str: "a string"}[self.type]
        return f"{kind} between {self.bounds[0]:g} and {self.bounds[1]:g}" if self.bounds else kind


@dataclass(frozen=True)
class RuleInfo:
    """What a finding's rule id means: shown by `checker rules`, SARIF, the HTML report and config checks."""

    id: str
    label: str
    default_severity: str
    summary: str
    explanation: str
    options: tuple[RuleOption, ...] = ()
    # what kind of problem, in the W3C ITS 2.0 localization-quality vocabulary LanguageTool and CAT tools share
    issue_type: str = "uncategorized"
    category: str = "misc"  # how an editor's tool groups and colours it: grammar, typos, semantics, style, misc

    @property
    def link(self) -> str:
        """Where the rule is explained at length (the repository's docs/RULES.md, one section per id)."""
        return f"{DOCS}#{self.id}"


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
    original: SourceSide | None = None  # the original article and the alignment, in a source-aware check

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

    def option(self, settings: Settings, name: str) -> Any:
        """An option's value: the config's, else the declared default."""
        declared = next(o for o in self.infos[0].options if o.name == name)
        return settings.options.get(self.id, {}).get(name, declared.default)

    def signature(self, settings: Settings, models: Models) -> dict[str, Any]:
        """What of this rule's judgement a report's signature must record (resolved thresholds); none by default."""
        return {}

    def run(self, ctx: Context) -> list[Finding]:
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}  # primary id → class
INFOS: dict[str, RuleInfo] = {}  # every reported id → its metadata


def register(cls: type[Rule]) -> type[Rule]:
    for info in cls.infos:
        if info.id in INFOS:
            raise ValueError(f"rule id {info.id} registered twice")
        if info.default_severity not in SEVERITIES:
            raise ValueError(f"rule {info.id}: default severity {info.default_severity!r} is not one of {SEVERITIES}")
        if info.issue_type not in ISSUE_TYPES or info.category not in CATEGORIES:
            raise ValueError(f"rule {info.id}: issue type {info.issue_type!r} or category {info.category!r} unknown")
    RULES[cls.infos[0].id] = cls
    for info in cls.infos:
        INFOS[info.id] = info
    return cls


def all_rules() -> dict[str, type[Rule]]:
    return dict(RULES)


def rule_ids() -> frozenset[str]:
    return frozenset(INFOS)


def rule_info(rule_id: str) -> RuleInfo:
    """Metadata of a rule id; an id from an old report that no rule declares still gets a readable label."""
    return INFOS.get(rule_id) or RuleInfo(rule_id, rule_id.replace("-", " ").capitalize(), "warning", "", "")


def validate(settings: Settings) -> None:
    """Settings name only known rule ids and options, with values of the declared types (one line if not)."""
    known = rule_ids()
    for rid in [*settings.severities, *settings.disabled, *settings.options]:
        if rid not in known:
            raise CheckerError(f"unknown rule id {rid!r} (known: {', '.join(sorted(known))})")
    for rid, opts in settings.options.items():
        declared = {o.name: o for o in INFOS[rid].options}
        for name, value in opts.items():
            if name not in declared:
                raise CheckerError(f"rule {rid} has no option {name!r}"
                                   + (f" (options: {', '.join(sorted(declared))})" if declared else ""))
            declared[name].parse(value, f"rules.{rid}.{name}")


def rules_markdown() -> str:
    """docs/RULES.md, written from the registry (`checker rules --markdown`): one section per id, the anchor every
    `RuleInfo.link` points at. A test keeps the committed file equal to this."""
    lines = ["# Rules", "", "Written by `checker rules --markdown` from the rule registry; do not edit by hand.", "",
             "| id | label | default severity | issue type (ITS 2.0) | category | model parts |",
             "|---|---|---|---|---|---|"]
    for rid, info in sorted(INFOS.items()):
        owner = next(cls for cls in RULES.values() if rid in cls.ids())
        lines.append(f"| [`{rid}`](#{rid}) | {info.label} | {info.default_severity} | {info.issue_type} | "
                     f"{info.category} | {', '.join(owner.needs) or '—'} |")
    for rid, info in sorted(INFOS.items()):
        lines += ["", f"## {rid}", "", f"**{info.label}** (default: {info.default_severity}). {info.summary}", "",
                  info.explanation]
        if info.options:
            lines += ["", f"| option (`[rules.{rid}]`) | type | default | what it does |", "|---|---|---|---|"]
            lines += [f"| `{o.name}` | {o.describe()} | {'—' if o.default is None else o.default} | {o.help} |"
                      for o in info.options]
    return "\n".join(lines) + "\n"
