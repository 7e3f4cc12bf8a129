"""`name-suspect`: a proper name the LM finds far less likely than a close spelling it proposes.

"Ukrainian Foreign Minister Dmitro Kuleva": the model expects "Kuleba" there. Only rare names that
surprised the model are asked about, all in one batched generation per article; the model's three likeliest
next words are each considered, so a close spelling a hair behind another word is not lost.
"""

from __future__ import annotations

import bisect

from checker.features import unigram_surprisal, visible_start
from checker.findings import Finding, SentenceResult
from checker.names import Mention, edit_distance, mentions, zipf
from checker.rules import Context, Rule, RuleInfo, register

MIN_SURPRISAL = 8.0  # nats over the name's tokens before the model is asked for an alternative
MARGIN = 5.0  # nats by which the proposed spelling must beat the written one
CONTEXT_CHARS = 300
MAX_QUERIES = 25


@register
class NameSuspect(Rule):
    infos = (RuleInfo(
        "name-suspect", "Name spelling", "info",
        "A name may be misspelt: the language model strongly prefers a close spelling.",
        (
            "For rare names that surprise the language model, the model is asked what it expects in that place. "
            "When its proposal is within two letters of the written name and at least 5 nats (about 150 times) "
            "more likely, the finding suggests it. This is a suggestion for a human to verify, never a fact: "
            "the model knows famous names, not every name."
        ),
    ),)
    needs = ("lm",)

    def run(self, ctx: Context) -> list[Finding]:
        assert ctx.models is not None
        lm = ctx.models.lm
        text = ctx.document.text
        allow = ctx.settings.allow
        by_id = {s.id: s for s in ctx.prose}
        queries, seen = [], set()
        for m in mentions(text, [(s.id, s.start, s.end) for s in ctx.prose]):
            if m.initial or m.text in seen or m.text.lower() in allow or zipf(m.text) >= 2.5:
                continue
            s = by_id[m.sentence]
            actual = sum(t.surprisal for t in s.tokens if m.start <= t.start < m.end)
            if actual < MIN_SURPRISAL or actual - unigram_surprisal(m.text) < -4:
                continue
            seen.add(m.text)
            queries.append((m, s, actual))
            if len(queries) >= 4 * MAX_QUERIES:  # the filter below costs one output row per name
                break
        queries = self._worth_asking(ctx, queries)[:MAX_QUERIES]
        proposals = lm.propose([text[max(0, m.start - CONTEXT_CHARS):m.start].rstrip() for m, _, _ in queries])
        out = []
        for (m, s, actual), words in zip(queries, proposals):
            close = [(v, w) for w, v in words if w != m.text and w[0] == m.text[0]
                     and edit_distance(w, m.text, 2) <= 2 and actual - v >= MARGIN]
            if not close:
                continue
            cand_surprisal, candidate = min(close)
            out.append(Finding(
                self.id, self.infos[0].default_severity,
                f"“{m.text}” may be misspelt: the model strongly prefers “{candidate}” here "
                f"({actual:.1f} vs {cand_surprisal:.1f} nats). Verify the spelling.",
                [s.id], m.start, m.end, min(1.0, (actual - cand_surprisal) / 20),
                spans=[(m.start, m.end)], data={"suggestion": candidate, "written": m.text}))
        return out

    @staticmethod
    def _worth_asking(ctx: Context, queries: list[tuple[Mention, SentenceResult, float]]
                      ) -> list[tuple[Mention, SentenceResult, float]]:
        """Only names where a close spelling could come out: the LM pass already holds the distribution at the
        name's first token, and unless one of its five likeliest tokens starts with the name's first letter, no
        proposal can (proposals must share it). A wire story full of rare names asks a few, not 25."""
        lm_out = ctx.lm
        if lm_out is None or lm_out.hidden is None or not queries or ctx.models is None:
            return queries
        text, toks = ctx.document.text, lm_out.tokens
        starts = [visible_start(text, t) for t in toks]
        rows, kept, open_ = [], [], []
        for q in queries:
            i = bisect.bisect_left(starts, q[0].start)
            if 0 < i < len(toks) and starts[i] == q[0].start:
                rows.append(i - 1)
                kept.append(q)
            else:
                open_.append(q)  # no token starts exactly at the name: ask anyway
        tops = ctx.models.lm.next_pieces(lm_out.hidden[rows]) if rows else []
        for q, top in zip(kept, tops):
            if any(p.replace("▁", " ").strip()[:1] == q[0].text[0] for p in top):
                open_.append(q)
        return sorted(open_, key=lambda q: q[0].start)
