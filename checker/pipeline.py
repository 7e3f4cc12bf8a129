"""The one-way flow: ingest → segment → score → findings. Models are loaded by the caller and passed in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from checker.features import assign_tokens, most_surprising_window, sentence_features, span_tokens
from checker.findings import Finding, ModelRef, Report, SentenceResult, TokenOut
from checker.garble import GarbleModel
from checker.ingest import Document
from checker.lm import LanguageModel
from checker.rules import Context, Rule, all_rules
from checker.segment import segment


@dataclass
class Checker:
    lm: LanguageModel
    garble: GarbleModel
    extra_models: dict[str, Any] = field(default_factory=dict)
    rules: list[Rule] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)  # per-rule overrides from the configuration
    enabled: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rules is None:
            models = self.model_map()
            self.rules = [cls() for cls in all_rules().values() if all(n in models for n in cls.needs)]

    def model_map(self) -> dict[str, Any]:
        return {"lm": self.lm, "garble": self.garble, **self.extra_models}

    def model_refs(self) -> list[ModelRef]:
        refs = [ModelRef(self.lm.name, self.lm.version, self.lm.sha256),
                ModelRef(self.garble.name, self.garble.version, self.garble.sha256)]
        refs += [ModelRef(m.name, m.version, m.sha256) for m in self.extra_models.values() if hasattr(m, "sha256")]
        return refs

    def check(self, doc: Document) -> Report:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        segs = segment(doc.text)
        timings["segment"] = time.perf_counter() - t

        t = time.perf_counter()
        tokens = self.lm.score(doc.text)
        timings["lm"] = time.perf_counter() - t

        t = time.perf_counter()
        spans = [(s.start, s.end) for s in segs]
        per_seg = assign_tokens(doc.text, tokens, spans)
        sts = [span_tokens(doc.text, tokens, idx, s.start) for idx, s in zip(per_seg, segs)]
        results = []
        for seg, st in zip(segs, sts):
            results.append(SentenceResult(
                seg.id, seg.start, seg.end, seg.text, seg.kind, seg.paragraph,
                tokens=[TokenOut(*_visible(doc.text, tk.start, tk.end), tk.surprisal) for tk in st.tokens]))
        prose = [i for i, s in enumerate(segs) if s.kind == "sentence" and sts[i].tokens]
        for i, row in zip(prose, sentence_features([sts[i] for i in prose])):
            r = results[i]
            r.features = row
            r.garble = self.garble.probability(row)
            a, b = most_surprising_window(sts[i])
            toks = sts[i].tokens[a:b]
            r.span = _whole_words(doc.text, _visible(doc.text, toks[0].start, toks[0].end)[0], toks[-1].end,
                                  segs[i].start, segs[i].end)
        timings["features"] = time.perf_counter() - t

        t = time.perf_counter()
        ctx = Context(doc, results, self.model_map(), self.options)
        findings: list[Finding] = []
        for rule in self.rules or []:
            t_rule = time.perf_counter()
            found = rule.run(ctx)
            timings[f"rule:{rule.id}"] = time.perf_counter() - t_rule
            for f in found:
                f.severity = self.severity.get(f.rule, f.severity)
                if self.enabled.get(f.rule, True):
                    findings.append(f)
        findings.sort(key=lambda f: (f.start, f.rule))
        for f in findings:
            f.line, f.column = doc.line_col(f.start)
            anchors = [f.start, *(a for a, _ in f.spans)]  # a two-place finding is silenced at either place
            sup = next((s for s in doc.suppressions if any(s.covers(f.rule, a) for a in anchors)), None)
            if sup:
                f.suppressed, f.suppression_reason = True, sup.reason or "suppressed in the source"
        flagged = {i for f in findings if not f.suppressed for i in f.sentences if f.severity in ("error", "warning")}
        for r in results:
            r.flagged = r.id in flagged
        timings["rules"] = time.perf_counter() - t
        return Report(doc.path, doc.sha256, doc.text, results, findings, self.model_refs(), timings,
                      doc.format, doc.metadata, source=doc.source, runs=doc.runs)


def _whole_words(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Widen a token window to whole words so the underline never cuts "Kuleva" into "va"."""
    while start > lo and text[start - 1].isalnum():
        start -= 1
    while end < hi and text[end].isalnum():
        end += 1
    while end > start and text[end - 1] in " ,;:“”‘’\"'":
        end -= 1
    while start < end and text[start] in "“”‘’\"'( ":
        start += 1
    return start, end


def _visible(text: str, start: int, end: int) -> tuple[int, int]:
    """A token's span without the leading whitespace the tokenizer folds into it."""
    while start < end and text[start].isspace():
        start += 1
    return start, end
