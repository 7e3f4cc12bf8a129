"""`name-suspect`: a proper name the LM finds far less likely than a close spelling it proposes.

"Ukrainian Foreign Minister Dmitro Kuleva": the model expects "Kuleba" there. Only rare names that
surprised the model are asked about, where the article's LM pass read them and in the same context, so the
written name's surprisal and the proposal's are comparable; the model's three likeliest first pieces are each
completed, so a close spelling a hair behind another word is not lost.
"""

from __future__ import annotations

import bisect

from checker.features import unigram_surprisal, visible_start
from checker.findings import Finding
from checker.names import edit_distance, mentions, zipf
from checker.rules.base import Context, Rule, RuleInfo, register

MIN_SURPRISAL = 8.0  # nats over the name's tokens before the model is asked for an alternative
MARGIN = 5.0  # nats by which the proposed spelling must beat the written one
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
        issue_type="misspelling", category="typos",
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
            if len(queries) >= 4 * MAX_QUERIES:  # each costs one output-layer row before the limit applies
                break
        lm_out = ctx.lm
        if lm_out is None or not queries:
            return []
        # the pass's token at each name's first letter: the model is asked there, in the context it read
        starts = [visible_start(text, t) for t in lm_out.tokens]
        at = [(q, bisect.bisect_left(starts, q[0].start)) for q in queries]
        # a name starting inside a token cannot be asked where it starts (none of 1,746 dev names does)
        at = [(q, i) for q, i in at if i < len(starts) and starts[i] == q[0].start]
        queries = [q for q, _ in at]
        initials = [m.text[0] for m, _, _ in queries]
        # proposals must share the name's first letter: first pieces without it are never decoded
        proposals = lm.propose_at(lm_out, [i for _, i in at], limit=MAX_QUERIES,
                                  keep=lambda k, piece: piece.replace("▁", " ").strip()[:1] == initials[k])
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
