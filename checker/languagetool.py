"""LanguageTool's HTTP protocol (API v2), spoken by the editors' tools newsrooms already use: the LibreOffice
extension, the browser add-on, LTeX, Obsidian and CMS plugins take a server URL and send `POST /v2/check`.

This module is the protocol without the HTTP: the request's text (`text`, or `data` — annotated text whose markup
is skipped but keeps its place), the languages we answer for, and a checker report turned into LanguageTool's
answer (`matches` with offsets in UTF-16 code units, as LanguageTool's Java strings count them). Rule metadata
(issue type, category) comes from the rule registry; the server's routes (`checker.server.languagetool`) and the
`languagetool` output format only wire it.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from typing import Any

from checker import __version__
from checker.findings import Report
from checker.ingest.base import SURROGATE
from checker.rules.base import INFOS, rule_info

# English only: the LM, the garble model and the NLI model read English (the original, in a source-aware check,
# may be any language, but that is `/v1/check`'s multipart field, not this protocol)
LANGUAGES = (("English", "en", "en"), ("English (US)", "en", "en-US"), ("English (GB)", "en", "en-GB"),
             ("English (Australian)", "en", "en-AU"), ("English (Canadian)", "en", "en-CA"),
             ("English (New Zealand)", "en", "en-NZ"), ("English (South African)", "en", "en-ZA"))
# LanguageTool's own category ids, so clients colour our matches as they colour theirs
CATEGORIES = {"grammar": ("GRAMMAR", "Grammar"), "typos": ("TYPOS", "Possible Typo"),
              "semantics": ("SEMANTICS", "Semantics"), "style": ("STYLE", "Style")}
CONTEXT = 40  # characters of context on each side of a match, as LanguageTool sends


class ProtocolError(Exception):
    """A request LanguageTool itself would refuse: its status (400, 413) and its one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def software() -> dict[str, Any]:
    return {"name": "checker", "version": __version__, "buildDate": "", "apiVersion": 1, "premium": False,
            "premiumHint": "", "status": "checker speaking LanguageTool's API v2"}


def languages() -> list[dict[str, str]]:
    return [{"name": name, "code": code, "longCode": long_code} for name, code, long_code in LANGUAGES]


def language(code: str | None) -> dict[str, str]:
    """The answer's language for a request's `language` ("en", "en-US", "auto"); anything else is refused with
    LanguageTool's own wording, which clients show as it is."""
    if not code:
        raise ProtocolError(400, "Missing 'language' parameter, e.g. 'language=en-US' or 'language=auto'")
    wanted = "en-US" if code.lower() == "auto" else code
    for name, _short, long_code in LANGUAGES:
        if wanted.lower() == long_code.lower():
            return {"name": name, "code": long_code}
    known = ", ".join(long_code for _, _, long_code in LANGUAGES)
    raise ProtocolError(400, f"'{code[:40]}' is not a language code known to this server (checker reads "
                             f"machine-translated English). Supported language codes are: {known}, auto")


@dataclass
class Text:
    """What the client sees (`original`: text and markup) and what is checked (`plain`: text, markup read as
    its `interpretAs`), with the runs that map a plain offset back to the client's."""

    original: str
    plain: str
    runs: list[tuple[int, int, int]] = field(default_factory=list)  # (plain_pos, original_pos, length)

    def __post_init__(self) -> None:
        self.starts = [r[0] for r in self.runs]  # read once, not per offset mapped

    def to_original(self, pos: int, end: bool = False) -> int:
        """A plain offset in the client's text; an end offset stays with the text before a markup run."""
        starts = self.starts
        i = (bisect.bisect_left(starts, pos) if end else bisect.bisect_right(starts, pos)) - 1
        if i < 0:
            return 0
        plain_pos, orig_pos, length = self.runs[i]
        return orig_pos + min(pos - plain_pos, length)


def request_text(params: dict[str, str]) -> Text:
    """`text`, or `data` as {"text": …} or {"annotation": [{"text": …}, {"markup": …, "interpretAs": …}]}."""
    if "text" in params and "data" in params:
        raise ProtocolError(400, "Set only 'text' or 'data' parameter, not both")
    if "text" in params:
        return checked(Text(params["text"], params["text"], [(0, 0, len(params["text"]))]))
    if "data" not in params:
        raise ProtocolError(400, "Missing 'text' or 'data' parameter")
    try:
        data = json.loads(params["data"])
    except (ValueError, RecursionError):
        raise ProtocolError(400, "Could not parse JSON from 'data' parameter") from None
    if not isinstance(data, dict) or ("text" in data) == ("annotation" in data):
        raise ProtocolError(400, "'data' key in JSON requires either 'text' or 'annotation' key")
    if "text" in data:
        if not isinstance(data["text"], str):
            raise ProtocolError(400, "'text' in 'data' must be a string")
        return checked(Text(data["text"], data["text"], [(0, 0, len(data["text"]))]))
    parts = data["annotation"]
    if not isinstance(parts, list):
        raise ProtocolError(400, "'annotation' in 'data' must be a list")
    original, plain, runs, o, p = [], [], [], 0, 0
    for k, part in enumerate(parts):
        if not isinstance(part, dict) or ("text" in part) == ("markup" in part):
            raise ProtocolError(400, f"annotation[{k}] needs either 'text' or 'markup'")
        piece = part.get("text", part.get("markup"))
        shown = part.get("interpretAs", "") if "markup" in part else piece
        if not isinstance(piece, str) or not isinstance(shown, str):
            raise ProtocolError(400, f"annotation[{k}]: 'text', 'markup' and 'interpretAs' must be strings")
        original.append(piece)
        plain.append(shown)
        if "text" in part:
            runs.append((p, o, len(piece)))
        elif shown:
            runs.append((p, o, 0))  # "\n\n" for a </p>: its characters all point at the markup's start
        o, p = o + len(piece), p + len(shown)
    return checked(Text("".join(original), "".join(plain), runs))


def checked(text: Text) -> Text:
    """A text the checker can read: JSON's "\\ud800" escapes make strings no UTF-8 holds."""
    bad = SURROGATE.search(text.plain)
    if bad:
        raise ProtocolError(400, f"the text holds an unpaired surrogate (U+{ord(bad.group()):04X}) at "
                                 f"{bad.start()}: not Unicode text")
    return text


class Utf16:
    """Offsets in UTF-16 code units: a character outside the Basic Multilingual Plane (an emoji) counts two."""

    def __init__(self, text: str) -> None:
        self.wide = [i for i, c in enumerate(text) if ord(c) > 0xFFFF]

    def __call__(self, pos: int) -> int:
        return pos + bisect.bisect_left(self.wide, pos)


def replacements(finding_data: dict[str, Any], written: str) -> list[dict[str, str]]:
    """What a client may offer to write instead: name-suspect's proposal, the other spelling of a name variant."""
    out = []
    if isinstance(finding_data.get("suggestion"), str):
        out.append(finding_data["suggestion"])
    variants = finding_data.get("variants")
    if isinstance(variants, list):
        out += [v for v in variants if isinstance(v, str) and v != written]
    return [{"value": v} for v in dict.fromkeys(out)]


def matches(report: Report, text: Text, *, enabled: frozenset[str] = frozenset(),
            disabled: frozenset[str] = frozenset(), enabled_only: bool = False) -> list[dict[str, Any]]:
    """The report's active findings as LanguageTool matches, in the client's own text and units."""
    units = Utf16(text.original)
    out = []
    for f in report.active:
        if f.rule in disabled or (enabled_only and f.rule not in enabled):
            continue
        info = rule_info(f.rule)
        start, end = text.to_original(f.start), text.to_original(f.end, end=True)
        written = text.original[start:end]
        lo, hi = max(0, start - CONTEXT), min(len(text.original), end + CONTEXT)
        ctx_units = Utf16(text.original[lo:hi])
        sentence = report.sentences[f.sentences[0]].text if f.sentences else written
        cat_id, cat_name = CATEGORIES.get(info.category, ("MISC", "Miscellaneous"))
        out.append({
            "message": f.full_message(), "shortMessage": info.label,
            "replacements": replacements(f.data, written),
            "offset": units(start), "length": units(end) - units(start),
            "context": {"text": text.original[lo:hi], "offset": ctx_units(start - lo),
                        "length": ctx_units(end - lo) - ctx_units(start - lo)},
            "sentence": sentence, "type": {"typeName": "Other"},
            "rule": {"id": f.rule, "description": info.summary, "issueType": info.issue_type,
                     "category": {"id": cat_id, "name": cat_name}},  # no `urls`: ours are repository paths
            "ignoreForIncompleteSentence": False, "contextForSureMatch": 0,
        })
    return out


def answer(report: Report | None, text: Text, lang: dict[str, str], *, incomplete: bool = False,
           **filters: Any) -> dict[str, Any]:
    """The whole `/v2/check` answer; `report` None for a text with nothing to check (empty)."""
    return {"software": software(), "warnings": {"incompleteResults": incomplete},
            "language": {**lang, "detectedLanguage": {**lang, "confidence": 1.0}},
            "matches": matches(report, text, **filters) if report is not None else []}


def config_info(max_chars: int) -> dict[str, Any]:
    """`/v2/configinfo`, which the LibreOffice extension reads first (without it, it never checks remotely): our
    rules as text-level rules (they read the whole article), with their issue types and categories."""
    rules = []
    for rid, info in sorted(INFOS.items()):
        cat_id, cat_name = CATEGORIES.get(info.category, ("MISC", "Miscellaneous"))
        rules.append({"ruleId": rid, "description": info.summary, "categoryId": cat_id, "categoryName": cat_name,
                      "locQualityIssueType": info.issue_type, "isTextLevelRule": "true", "minToCheckParagraph": "-1"})
    return {"software": software(), "parameter": {"maxTextLength": max_chars}, "rules": rules}
