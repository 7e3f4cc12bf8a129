"""`date-mismatch`: weekdays and dates that cannot both be true given the article's date.

The article date comes from the metadata (`date`) or a dateline such as "date 2022-01-30".
"Yesterday"/"today"/"tomorrow" fix the day, so a weekday beside them can be checked too.
"""

from __future__ import annotations

import datetime as dt
import re

from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = {m: i + 1 for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July",
                                          "August", "September", "October", "November", "December"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["Sept"] = 9
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
WEEKDAY_DATE_RE = re.compile(
    rf"\b(?P<wd>{'|'.join(WEEKDAYS)})\b,?\s*\(?(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{MONTH_RE})\.?|(?P<m2>{MONTH_RE})\.?\s+"
    rf"(?P<d2>\d{{1,2}}))(?:,?\s+(?P<y>\d{{4}}))?")
TODAY_RE = re.compile(r"\b(yesterday|today|tomorrow)\b", re.I)


def article_date(ctx: Context) -> dt.date | None:
    meta = ctx.document.metadata.get("date", "")
    m = ISO_RE.search(meta)
    if not m:
        for s in ctx.sentences:
            if s.kind == "dateline":
                m = ISO_RE.search(s.text)
                break
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@register
class DateMismatch(Rule):
    infos = (RuleInfo(
        "date-mismatch", "Date mismatch", "warning",
        "A weekday and a date that cannot both be true.",
        (
            "With the article's date known (metadata or a dateline), explicit dates with a weekday "
            "(\"Saturday, 28 January\") must fall on that weekday, and a sentence must not put one event on two "
            "different days (\"yesterday, on Friday\" in an article dated Sunday)."
        ),
        issue_type="inconsistency", category="semantics",
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        base = article_date(ctx)
        if base is None:
            return []
        text = ctx.document.text
        out = []
        for s in ctx.prose:
            for m in WEEKDAY_DATE_RE.finditer(text, s.start, s.end):
                day = int(m.group("d1") or m.group("d2"))
                month = MONTHS[(m.group("m1") or m.group("m2")).rstrip(".")]
                year = int(m.group("y")) if m.group("y") else base.year
                if not m.group("y") and month - base.month > 6:
                    year -= 1  # "December" in a January article
                try:
                    date = dt.date(year, month, day)
                except ValueError:
                    out.append(Finding(self.id, "error", f"“{m.group()}” is not a real date.", [s.id],
                                       m.start(), m.end(), 1.0))
                    continue
                if WEEKDAYS[date.weekday()] != m.group("wd"):
                    out.append(Finding(
                        self.id, self.infos[0].default_severity,
                        f"“{m.group()}”: {date.isoformat()} is a {WEEKDAYS[date.weekday()]}, not a {m.group('wd')}.",
                        [s.id], m.start(), m.end(), 1.0, data={"date": date.isoformat()}))
            rel = TODAY_RE.search(text, s.start, s.end)
            wd = re.compile(rf"\bon ({'|'.join(WEEKDAYS)})\b").search(text, s.start, s.end)
            if rel and wd:
                offset = {"yesterday": -1, "today": 0, "tomorrow": 1}[rel.group(1).lower()]
                meant = base + dt.timedelta(days=offset)
                if WEEKDAYS[meant.weekday()] != wd.group(1):
                    out.append(Finding(
                        self.id, self.infos[0].default_severity,
                        f"“{rel.group(1)}” is {WEEKDAYS[meant.weekday()]} ({meant.isoformat()}) for an article dated "
                        f"{base.isoformat()}, but the sentence says “{wd.group()}”.",
                        [s.id], wd.start(), wd.end(), 0.9,
                        spans=[(rel.start(), rel.end()), (wd.start(), wd.end())]))
        return out

