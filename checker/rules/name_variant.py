"""`name-variant`: one person or place spelled two ways in one article (Kiev/Kyiv, Zelensky/Zelenskyy)."""

from __future__ import annotations

from collections import defaultdict

from checker.findings import Finding
from checker.names import edit_distance, is_derivation, mentions, zipf
from checker.rules.base import Context, Rule, RuleInfo, register


@register
class NameVariant(Rule):
    infos = (RuleInfo(
        "name-variant", "Name variant", "warning",
        "The same name is spelled two ways in one article.",
        (
            "Capitalised names are compared pairwise; two different spellings within edit distance 2 that share "
            "their first letter (Kiev/Kyiv, Zelensky/Zelenskyy, Kuleva/Kuleba) are reported with every occurrence. "
            "Related words (Russia/Russian) and pairs of ordinary English words are not. House spellings can be "
            "allowed in the configuration."
        ),
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        allow = ctx.settings.allow
        ments = [m for m in mentions(ctx.document.text, [(s.id, s.start, s.end) for s in ctx.prose])
                 if not m.initial or zipf(m.text) < 4.0]
        by_name = defaultdict(list)
        for m in ments:
            by_name[m.text].append(m)
        names = sorted(by_name)
        out, used = [], set()
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if a[0] != b[0] or {a, b} & used or a.lower() in allow or b.lower() in allow:
                    continue
                if min(len(a), len(b)) < 4 or is_derivation(a, b):
                    continue
                if zipf(a) >= 4.0 and zipf(b) >= 4.0:
                    continue
                d = edit_distance(a, b, 2)
                if d > 2 or (d == 2 and min(len(a), len(b)) < 4):
                    continue
                occ = sorted(by_name[a] + by_name[b], key=lambda m: m.start)
                counts = f"“{a}” ×{len(by_name[a])}, “{b}” ×{len(by_name[b])}"
                out.append(Finding(
                    self.id, self.infos[0].default_severity,
                    f"Name spelled two ways: {counts}. Pick one spelling.",
                    sorted({m.sentence for m in occ}), occ[0].start, occ[0].end, 1.0 - d / 10,
                    spans=[(m.start, m.end) for m in occ], data={"variants": [a, b]}))
                used |= {a, b}
        return out
