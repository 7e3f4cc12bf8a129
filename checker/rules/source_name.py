"""`source-name`: a name of the original that its English writes another way ("Lin Xiaozake" for 林小宰,
"Kuleva" for Кулеба)."""

from __future__ import annotations

from checker.bitext.names import mismatches
from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register
from checker.rules.source_number import pairs


@register
class SourceName(Rule):
    needs = ("encoder",)  # through the alignment; loaded only when a check is given the original
    infos = (RuleInfo(
        "source-name", "Name differs from the source", "warning",
        "A name of the original is spelled another way in its English.",
        (
            "Source-aware. For each aligned pair, a Chinese person's name the English gives as surname and given "
            "name (\"Lin Xiaozake\") must be the pinyin of the original's characters (`pypinyin`, every reading "
            "of a character counts): when the surname is there and the given name is not its characters' "
            "pinyin but close to it (two letters at most), the finding names the original's characters and "
            "their reading (林小宰: \"Xiaozai\"). For a Latin-script original a rare capitalised English word "
            "the source lacks but spells within two letters (a consonant changed, not only vowels or an ending) "
            "is reported; Cyrillic and other alphabets are compared through their Latin transliteration "
            "(`anyascii`: Кулеба → \"Kuleba\"). One place's two names (Kiev / Kiew) are never reported. Foreign "
            "names written in Chinese characters are not checked: their pinyin is not their English spelling."
        ),
        issue_type="misspelling", category="typos",
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        side = ctx.original
        if side is None:
            return []
        out = []
        for src, tgt in pairs(side, ctx.sentences):
            source = side.joined(src)
            for t in tgt:
                s = ctx.sentences[t]
                for m in mismatches(s.text, source, side.language):
                    out.append(Finding(
                        self.id, self.infos[0].default_severity,
                        f"“{m.written}” is not the original's name: the source has {m.source} (“{m.expected}”).",
                        [t], s.start + m.start, s.start + m.end, 0.8,
                        data={**side.quote(src), "written": m.written, "suggestion": m.expected,
                              "source_name": m.source}))
        return out
