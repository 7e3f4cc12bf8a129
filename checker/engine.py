"""The engine: one article in, one report out, through named stages that read and return plain data.

    segment → lm → garble → align → rules → locate → suppress → flag

`align` runs only when the check is given the original article (source-aware checking): it loads the multilingual
encoder on first use, so an English-only check never pays for it.

The CLI, a server and a cluster worker build one engine with `load_engine(settings, models_factory)` and check
bytes with `check_bytes`; no stage writes into shared state, so one engine can check many articles (one after
another or from several threads) and two checks of one input under one signature give the same findings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from checker.bitext.side import read_side
from checker.cancel import cancellable, checkpoint
from checker.errors import InputError
from checker.features import assign_tokens, visible_start
from checker.findings import FLAGGING, Finding, Report, SentenceResult, SourceSide, TokenOut
from checker.ingest import Document, read_document
from checker.models import Models, ModelsFactory, default_models
from checker.parts import ArticleScores, LMOutput
from checker.rules import Context, Rule, all_rules, validate
from checker.segment import segment
from checker.settings import Settings
from checker.signature import make_signature

T = TypeVar("T")
SOURCE_PARTS = ("encoder", "adequacy")  # loaded by the align stage, only when a check is given the original
STAGES = ("segment", "lm", "garble", "align", "rules", "locate", "suppress", "flag")


@dataclass(frozen=True)
class Engine:
    models: Models
    settings: Settings = field(default_factory=Settings)
    rules: tuple[Rule, ...] = ()  # empty: every registered rule with an enabled id

    def __post_init__(self) -> None:
        validate(self.settings)
        if not self.rules:
            chosen = tuple(cls() for cls in all_rules().values()
                           if any(self.settings.enabled(rid) for rid in cls.ids()))
            object.__setattr__(self, "rules", chosen)

    @property
    def needs(self) -> tuple[str, ...]:
        """Model parts this engine's stages and rules use: only these are ever loaded."""
        wanted = {"lm"} | {n for r in self.rules for n in r.needs if n not in SOURCE_PARTS}
        return tuple(n for n in Models.ORDER if n in wanted)

    def warm_up(self) -> None:
        """Load every part now (a server's start-up), instead of on the first check."""
        self.models.load(self.needs)

    def signature(self, *, source: bool = False) -> dict[str, Any]:
        """`source`: the check read an original, so the multilingual encoder decided findings too."""
        return make_signature(self.settings, self.models, (*self.needs, *(SOURCE_PARTS if source else ())),
                              self.rules)

    @property
    def source_aware(self) -> bool:
        """Whether an original given to `check` is read at all (the source-* family may be switched off)."""
        return any(rid.startswith("source-") and self.settings.enabled(rid) for r in self.rules for rid in r.ids())

    def check(self, doc: Document, original: Document | None = None,
              cancel: threading.Event | None = None) -> Report:
        """One article (against its original, when given); `cancel`, once set, stops the check at its next
        checkpoint with `Cancelled` (a server's deadline, a client that left)."""
        with cancellable(cancel):
            return self._check(doc, original)

    def _check(self, doc: Document, original: Document | None) -> Report:
        timings: dict[str, float] = {}

        def timed(name: str, fn: Callable[..., T], *args: Any) -> T:
            checkpoint()
            t = time.perf_counter()
            try:
                return fn(*args)
            finally:
                timings[name] = time.perf_counter() - t

        segs = timed("segment", segment, doc.text)
        sentences = [SentenceResult.of(s) for s in segs]
        lm_out = timed("lm", self._lm, doc.text)
        timed("garble", self._garble, doc.text, sentences, lm_out)
        side = timed("align", self._align, original, sentences) if original is not None and self.source_aware \
            else None
        findings, stats = timed("rules", self._rules, doc, sentences, timings, lm_out, side)
        timed("locate", self._locate, doc, findings)
        timed("suppress", self._suppress, doc, findings)
        timed("flag", self._flag, sentences, findings)
        return Report(doc.path, doc.sha256, doc.text, sentences, findings, self.models.refs(), timings,
                      doc.format, dict(doc.metadata), source=doc.source, runs=list(doc.runs),
                      signature=self.signature(source=side is not None), stats=stats, original=side)

    # -- stages -------------------------------------------------------------------------------------------------

    def _lm(self, text: str) -> LMOutput:
        garble = self.models.garble if "garble" in self.needs else None
        if garble is None or not garble.wants_hidden:
            return self.models.lm.score(text)
        return self.models.lm.score(text, hidden=True, layers=garble.hidden_layers)

    def _garble(self, text: str, sentences: list[SentenceResult], lm_out: LMOutput) -> None:
        """Attach tokens to every segment; score prose sentences with the garble scorer (when it is needed)."""
        index = assign_tokens(text, lm_out.tokens, [(s.start, s.end) for s in sentences])
        for s, idx in zip(sentences, index):
            s.tokens = [TokenOut(visible_start(text, lm_out.tokens[i]), lm_out.tokens[i].end,
                                 lm_out.tokens[i].surprisal) for i in idx]
        if "garble" not in self.needs:
            return
        prose = [i for i, s in enumerate(sentences) if s.kind == "sentence"]
        if not prose:
            return
        verdicts = self.models.garble.score(ArticleScores(text, [sentences[i] for i in prose], lm_out,
                                                          [index[i] for i in prose]))
        for i, v in zip(prose, verdicts):
            s = sentences[i]
            s.garble, s.spans, s.reason, s.features = v.probability, list(v.spans), v.reason, dict(v.features)
            s.span_scores = list(v.span_scores)

    def _align(self, original: Document, sentences: list[SentenceResult]) -> SourceSide:
        return read_side(original, sentences, self.models.encoder, self.models.adequacy)

    def _rules(self, doc: Document, sentences: list[SentenceResult], timings: dict[str, float],
               lm_out: LMOutput | None = None, side: SourceSide | None = None) -> tuple[list[Finding], dict[str, Any]]:
        ctx = Context(doc, sentences, self.models, self.settings, lm=lm_out, original=side)
        findings: list[Finding] = []
        for rule in self.rules:
            checkpoint()
            t = time.perf_counter()
            found = rule.run(ctx)
            timings[f"rule:{rule.id}"] = time.perf_counter() - t
            for f in found:
                if self.settings.enabled(f.rule):
                    f.severity = self.settings.severity(f.rule, f.severity)
                    findings.append(f)
        findings.sort(key=lambda f: (f.start, f.rule, f.end, f.sentences))
        return findings, ctx.stats

    @staticmethod
    def _locate(doc: Document, findings: list[Finding]) -> None:
        for f in findings:
            f.line, f.column = doc.line_col(f.start)

    @staticmethod
    def _suppress(doc: Document, findings: list[Finding]) -> None:
        for f in findings:
            anchors = [f.start, *(a for a, _ in f.spans)]  # a two-place finding is silenced at either place
            sup = next((s for s in doc.suppressions if any(s.covers(f.rule, a) for a in anchors)), None)
            if sup:
                f.suppressed, f.suppression_reason = True, sup.reason or "suppressed in the source"

    @staticmethod
    def _flag(sentences: list[SentenceResult], findings: list[Finding]) -> None:
        flagged = {i for f in findings if not f.suppressed and f.severity in FLAGGING for i in f.sentences}
        for s in sentences:
            s.flagged = s.id in flagged


def load_engine(settings: Settings | None = None, models_factory: ModelsFactory = default_models, *,
                warm: bool = True) -> Engine:
    """The one way a CLI run, a server, a Ray worker, a benchmark or a test gets an engine: models from the
    factory (the process-wide container by default; fakes in tests), loaded now unless `warm` is False."""
    settings = settings or Settings()
    engine = Engine(models_factory(settings.threads), settings)
    if warm:
        engine.warm_up()
    return engine


def check_bytes(engine: Engine, name: str, data: bytes, fmt: str | None = None, *,
                original: tuple[str, bytes, str | None] | None = None,
                cancel: threading.Event | None = None) -> Report:
    """Bytes already read (by the CLI, the server or a Ray driver) checked as the document `name`, against the
    original article (name, bytes, format) when one is given; bad input on either side is a `CheckerError` with its
    one line, as everywhere, and the English is then not checked at all."""
    source = read_original(*original) if original is not None else None
    return engine.check(read_document(name, data, fmt), source, cancel)


def read_original(name: str, data: bytes, fmt: str | None = None) -> Document:
    """The original article, read like the English (any supported format); its errors say which side failed."""
    try:
        return read_document(name, data, fmt)
    except InputError as exc:
        raise InputError(f"source {name}: {exc}") from None
