"""News-style NLI pairs made from wire-like sentences with FactCC-style transformations.

SNLI is image captions; these pairs teach the cross-encoder what a contradiction looks like in
news copy (a negated claim, a changed number, weekday, name or direction of change).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
AUX = ["is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could",
       "should", "must", "did", "does", "do"]
ANTONYMS = {
    "increase": "decrease", "increased": "decreased", "rise": "fall", "rose": "fell",
    "more": "fewer", "accepted": "rejected", "rejected": "accepted", "agreed": "refused",
    "won": "lost", "lost": "won", "allowed": "banned", "supported": "opposed",
    "mobilized": "withdrawn", "deployed": "withdrawn", "withdrew": "deployed",
    "send": "withdraw", "sent": "withdrew", "approved": "blocked", "opened": "closed",
    "began": "ended", "started": "stopped", "strengthened": "weakened", "higher": "lower",
    "lower": "higher", "larger": "smaller", "always": "never", "many": "few",
    "arrived": "left", "confirmed": "denied", "denied": "confirmed", "praised": "criticised",
    "ease": "escalate", "eased": "escalated", "joined": "left", "first": "last",
    "success": "failure", "peace": "war", "easy": "hard", "true": "false", "good": "bad",
}
REPORTING = {"said": "stated", "says": "states", "told": "said to", "announced": "said",
             "stated": "said", "added": "said", "urged": "called on", "warned": "cautioned"}
NAME_RE = re.compile(r"(?<=\s)([A-Z][a-z]+(?:\s[A-Z][a-z]+)*)")
NUM_RE = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


def _negate(s: str, rng: random.Random) -> str | None:
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if w.lower() in AUX and i + 1 < len(words)
           and words[i + 1].lower() not in {"not", "never", "n't"}]
    if not idx:
        return None
    i = rng.choice(idx)
    return " ".join(words[: i + 1] + [rng.choice(["not", "never"])] + words[i + 1:])


def _swap_number(s: str, rng: random.Random) -> str | None:
    nums = list(NUM_RE.finditer(s))
    if not nums:
        return None
    m = rng.choice(nums)
    raw = m.group().replace(",", "")
    try:
        val = float(raw)
    except ValueError:
        return None
    if val in (1900, 2000) or 1900 <= val <= 2100:  # a year: shift it
        new = str(int(val) + rng.choice([-3, -2, -1, 1, 2, 3]))
    else:
        factor = rng.choice([0.5, 0.8, 1.2, 1.5, 2, 3])
        nv = val * factor if val > 4 else val + rng.choice([2, 3, 5])
        new = f"{int(round(nv)):,}" if "," in m.group() else str(int(round(nv)))
        if new == m.group():
            return None
    return s[: m.start()] + new + s[m.end():]


def _swap_from(s: str, pool: list[str], rng: random.Random) -> str | None:
    hits = [w for w in pool if re.search(rf"\b{w}\b", s)]
    if not hits:
        return None
    w = rng.choice(hits)
    other = rng.choice([p for p in pool if p != w])
    return re.sub(rf"\b{w}\b", other, s, count=1)


def _swap_entity(s: str, names: list[str], rng: random.Random) -> str | None:
    found = [m for m in NAME_RE.finditer(s) if m.group() not in WEEKDAYS + MONTHS]
    cands = [n for n in names if n not in s]
    if not found or not cands:
        return None
    m = rng.choice(found)
    return s[: m.start()] + rng.choice(cands) + s[m.end():]


def _antonym(s: str, rng: random.Random) -> str | None:
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if w.lower().strip(",.") in ANTONYMS]
    if not idx:
        return None
    i = rng.choice(idx)
    core = words[i].strip(",.")
    rep = ANTONYMS[core.lower()]
    if core[0].isupper():
        rep = rep.capitalize()
    words[i] = words[i].replace(core, rep)
    return " ".join(words)


def _reporting(s: str, rng: random.Random) -> str | None:
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if w.strip(",.") in REPORTING]
    if not idx:
        return None
    i = rng.choice(idx)
    core = words[i].strip(",.")
    words[i] = words[i].replace(core, REPORTING[core])
    return " ".join(words)


def _reorder(s: str) -> str | None:
    m = re.match(r"^((?:Since|On|In|After|Before|Meanwhile|Last|Earlier|Later)[^,]{2,40}),\s+(.+?)([.!?])$", s)
    if not m:
        return None
    head, rest, end = m.groups()
    return f"{rest[0].upper()}{rest[1:]} {head[0].lower()}{head[1:]}{end}"


def _truncate(s: str) -> str | None:
    m = re.match(r"^(.{30,}?),\s+(?:which|who|while|as|warning|saying|with|and|but|including)\b.+$", s)
    if not m:
        return None
    return m.group(1).rstrip() + "."


def _drop_attribution(s: str) -> str | None:
    m = re.match(r"^(?:[A-Z][\w’' ]{1,40}) (?:said|says|stated|announced|added) (?:that )?(.{20,})$", s)
    if not m:
        return None
    rest = m.group(1)
    return rest[0].upper() + rest[1:]


def make_pairs(docs: Iterable[list[str]], seed: int = 0) -> Iterator[tuple[str, str, int]]:
    """Yield (premise, hypothesis, label) with 0=entailment, 1=neutral, 2=contradiction."""
    rng = random.Random(seed)
    docs = [d for d in docs if d]
    names = sorted({m.group() for d in docs for s in d for m in NAME_RE.finditer(s)
                    if m.group() not in WEEKDAYS + MONTHS and len(m.group()) > 3})
    for doc in docs:
        for s in doc:
            contra = [
                _negate(s, rng), _swap_number(s, rng), _swap_from(s, WEEKDAYS, rng),
                _swap_from(s, MONTHS, rng), _swap_entity(s, names, rng), _antonym(s, rng),
            ]
            contra = [h for h in contra if h and h != s]
            for h in rng.sample(contra, min(2, len(contra))):
                yield (s, h, 2) if rng.random() < 0.5 else (h, s, 2)
            for h in (_reporting(s, rng), _reorder(s), _truncate(s), _drop_attribution(s)):
                if h and h != s:
                    yield s, h, 0
            if len(doc) > 1 and rng.random() < 0.6:
                other = rng.choice([o for o in doc if o != s] or [s])
                if other != s:
                    yield s, other, 1
