"""Figures on both sides of a translation, as values that can be compared: "12亿" and "1.2 billion" are both
1.2e9, "百分之五十" and "50 percent" are both 50, "3月5日" and "March 5" are a month 3 and a day 5.

Chinese numerals go through `cn2an` (its "smart" mode reads 两千三百万, 1.2万, 二〇二〇); a run of numeral
characters counts only where it is a figure — before a measure word, a scale or a date part, after 第 or inside
百分之 — because 一直, 统一, 十分 and 万一 are words, not numbers. Decimal commas and thousands separators of a
source language come from `babel`'s locale data. English number words are read (to match a source figure) but
never reported as lacking a source: only figures written in digits are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import cn2an
from babel import Locale, UnknownLocaleError

SCALES_EN = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "mn": 1e6, "m": 1e6,
             "k": 1e3}
SCALES_ZH = {"万": 1e4, "亿": 1e8, "万亿": 1e12, "千万": 1e7, "百万": 1e6, "千亿": 1e11, "百亿": 1e10}
SCALES_OTHER = {  # number words of scale in the source languages a desk meets most (lower case, prefix-matched)
    "mill": 1e6, "milliard": 1e9, "billion": 1e9, "billón": 1e12, "mrd": 1e9, "mio": 1e6, "tausend": 1e3,
    "tys": 1e3, "тыс": 1e3, "млн": 1e6, "млрд": 1e9, "миллион": 1e6, "миллиард": 1e9, "тысяч": 1e3,
}
MONTHS_EN = {m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                             "august", "september", "october", "november", "december"))}
MONTHS_EN |= {m[:3]: i for m, i in list(MONTHS_EN.items()) if m != "may"} | {"sept": 9}
WORDS_EN = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
WORDS_EN |= {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
WORDS_EN |= {"hundred": 100, "dozen": 12, "half": 0.5}
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS_EN = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
ZH_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# what follows a Chinese numeral that is a figure (a measure word, a unit, a date part, a scale)
ZH_MEASURES = ("个", "名", "人", "位", "年", "月", "日", "号", "元", "美元", "欧元", "英镑", "亿", "万", "岁", "次",
               "家", "座", "架", "辆", "艘", "条", "项", "件", "所", "场", "天", "周", "星期", "小时", "分钟", "秒",
               "公里", "千米", "米", "吨", "公斤", "千克", "斤", "亩", "公顷", "平方", "倍", "多", "余", "股", "户",
               "例", "起", "批", "届", "轮", "国", "省", "市", "县", "所", "部", "台", "头", "只", "份", "篇", "点",
               "成", "度", "枚", "支", "层", "栋", "套", "间", "张", "本", "页", "段", "句", "种", "类", "强",
               "个百分点")
ZH_NUMERAL_RE = re.compile(rf"(第)?([{ZH_DIGITS}]+(?:点[{ZH_DIGITS}]+)?)")
DIGITS_RE = re.compile(r"(?<![\w.,\-])(\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d+)([.,]\d+)?(?![\w])")
EN_RE = re.compile(
    r"(?<![\w./:])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\s?:\s?\d)(?:\s?(%|percent\b|per cent\b|(?:st|nd|rd|th)\b)|"
    r"(?:\s|-)?(thousand|million|billion|trillion|bn|mn)\b|(k|m)\b)?(?![\w])", re.I)
NUMBER_WORD = "|".join(sorted({*WORDS_EN, "thousand", "million", "billion", "trillion"}, key=len, reverse=True))
EN_WORD_RE = re.compile(
    rf"\b((?:{NUMBER_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{NUMBER_WORD}))*|" +
    "|".join(sorted({*ORDINALS_EN, *MONTHS_EN, *WEEKDAYS_EN}, key=len, reverse=True)) + r")\b\.?", re.I)


@dataclass(frozen=True)
class Figure:
    """One figure in a sentence: its value, where it stands (relative to the sentence) and what kind it is."""

    value: float
    start: int
    end: int
    text: str
    kind: str = "number"  # number | percent | year | month | day | ordinal
    written: bool = True  # written in digits (only these are reported as lacking a source)


@cache
def _separators(code: str) -> tuple[str, str]:
    try:
        loc = Locale.parse(code)
        return loc.number_symbols["latn"]["decimal"], loc.number_symbols["latn"]["group"]
    except (UnknownLocaleError, ValueError, KeyError):
        return ".", ","


def _zh_value(run: str) -> float | None:
    if run in ("十", "百", "千"):
        return {"十": 10.0, "百": 100.0, "千": 1000.0}[run]
    try:
        v = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return float(v)


def _scale_after(text: str, end: int, scales: dict[str, float]) -> tuple[float, int]:
    """A scale word after a figure ("亿", "万", also "多万": more than … ten thousand)."""
    for skip in (0, 1):
        if skip and text[end:end + 1] not in ("多", "余"):
            break
        for word in sorted(scales, key=len, reverse=True):
            if text.startswith(word, end + skip):
                return scales[word], end + skip + len(word)
    return 1.0, end


def source_figures(text: str, code: str) -> list[Figure]:
    """Figures of a source sentence in language `code`."""
    if code in ("zh", "ja"):
        return _chinese(text)
    return _spaced(text, code)


def _kind_zh(text: str, end: int, value: float) -> str:
    kind = {"年": "year", "月": "month", "日": "day", "号": "day", "时": "time"}.get(text[end:end + 1], "number")
    if kind == "number" and text[end:end + 1] == "点" and text[end + 1:end + 2] in ("钟", "半", "整", ""):
        kind = "time"
    return "number" if kind == "year" and value < 1000 else kind  # 三年: three years, not a year


UNIT_RE = re.compile(r"(?:kwh|mwh|gwh|kg|km|cm|mm|mg|ml|ha|mph|kph|gb|mb|tb|mw|kw|gw|g|m|t|l)(?![A-Za-z])")


def frac_of(raw: str) -> bool:
    return "." in raw


def _latin_before(text: str, start: int) -> bool:
    """A Latin letter (full-width too) just before, or before a hyphen: S-400, Ｓ-400, G20 are names."""
    prev = unicodedata.normalize("NFKC", text[max(0, start - 2):start])
    return bool(re.search(r"[A-Za-z][-.]?$", prev))  # and Ag.999: a code


def _range_scale(text: str, end: int) -> tuple[float, str]:
    """600至850亿: a range's first figure takes the scale written after the second."""
    m = re.match(r"\s*(?:至|到|-|—|～|~)\s*\d+(?:\.\d+)?(多|余)?(万亿|千亿|百亿|千万|百万|万|亿)", text[end:])
    return (SCALES_ZH[m.group(2)], m.group(2)) if m else (1.0, "")


def _chinese(text: str) -> list[Figure]:
    out: list[Figure] = []
    taken: list[tuple[int, int]] = []
    for m in re.finditer(r"(\d+(?:[.,]\d+)*)", text):  # Arabic digits, with a Chinese scale after them
        raw = m.group(1)
        body = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw) else raw.replace(",", ".")
        try:
            v = float(body)
        except ValueError:
            continue
        if _latin_before(text, m.start()) or (re.match(r"[A-Za-zＡ-Ｚａ-ｚ]", text[m.end():]) and
                                              not UNIT_RE.match(text[m.end():])):
            continue  # G20, 5G, S-400, COVID-19: names, not figures (30g, 5km: units)
        scale, end = _scale_after(text, m.end(), SCALES_ZH)
        if scale == 1.0:
            scale, _word = _range_scale(text, end)
        kind = "percent" if text[end:end + 1] in ("%", "％") else _kind_zh(text, end, v)
        if text[end:end + 1] == "成" and scale == 1.0 and v <= 10 and not frac_of(raw):
            v, kind, end = v * 10, "percent", end + 1  # 6成: six tenths, "60%"
        if text[max(0, m.start() - 1):m.start()] == "时" and text[end:end + 1] == "分":
            kind = "time"  # the minutes of 19时54分
        if text.startswith(("后", "年代"), end) and v < 100 and v % 10 == 0:
            kind = "decade"  # 90后 ("post-90s"), 上世纪80年代 ("the 1980s")
        pct = text.rfind("百分之", 0, m.start())
        if pct >= 0 and pct + 3 == m.start():
            kind = "percent"
        taken.append((m.start(), end))
        if kind != "time":  # 19时54分 / "19:54": clock times are left to the editor
            out.append(Figure(v * scale, m.start(), end, text[m.start():end], kind))
    for m in re.finditer(r"(过|上|破|超)(亿|万)", text):  # 过亿: "more than 100 million"
        out.append(Figure(SCALES_ZH[m.group(2)], m.start(), m.end(), m.group(), "number", written=False))
        taken.append((m.start(), m.end()))
    for m in ZH_NUMERAL_RE.finditer(text):
        a, b = m.start(2), m.end(2)
        if any(a < e and s < b for s, e in taken):
            continue
        run = m.group(2)
        ordinal = bool(m.group(1))
        percent = text.endswith("百分之", 0, a) or text.endswith("百分之", 0, m.start())
        follows = text[b:b + 3]
        measured = any(follows.startswith(w) for w in ZH_MEASURES)
        figure = ordinal or percent or measured or (run[-1] in "万亿" and len(run) > 1)
        if not figure or (run in ("万", "亿") and not ordinal) or (run in ("十", "百", "千") and not measured):
            continue  # 万一, 亿万: words
        if len(run) > 1 and not re.search("[十百千万亿点]", run) and not (len(run) == 4 and text[b:b + 1] == "年"):
            continue  # 唯一一支, 一一对应: repeated digits without units are no figure (二〇二〇年 is a year)
        v = _zh_value(run)
        if v is None:
            continue
        if text[b:b + 1] == "成" and not ordinal and v <= 10:
            out.append(Figure(v * 10, a, b + 1, text[a:b + 1], "percent", written=False))  # 两成: two tenths, 20%
            continue
        if v < 3 and not percent and _kind_zh(text, b, v) == "number":
            continue  # 一个 / 两国: "a", "both" in English, not a figure to check
        scale, end = _scale_after(text, b, SCALES_ZH) if run[-1] not in "万亿" else (1.0, b)
        if scale == 1.0 and text[b:b + 1] in ("余", "多", "几"):
            continue  # 十余家, 数十多: "more than a dozen", "dozens" — no figure to hold the English to
        kind = "ordinal" if ordinal else "percent" if percent else _kind_zh(text, end, v)
        if kind != "time":
            out.append(Figure(v * scale, a, end, text[a:end], kind, written=False))
    return sorted(out, key=lambda f: f.start)


def _spaced(text: str, code: str) -> list[Figure]:
    dec, group = _separators(code)
    out = []
    for m in DIGITS_RE.finditer(text):
        whole, frac = m.group(1), m.group(2) or ""
        body = re.sub(r"[,\u00a0\u202f .]", "", whole) if len(whole) > 3 and not whole.isdigit() else whole
        if frac:  # the locale's decimal mark; its group mark before three digits (1.234 in German is 1234)
            grouped = frac[0] != dec and (frac[0] == group or group in "\u00a0\u202f ") and len(frac) == 4
            body += frac[1:] if grouped else "." + frac[1:]
        try:
            v = float(body)
        except ValueError:
            continue
        scale, end = 1.0, m.end()
        word = re.match(r"\s*([^\W\d_]+)\.?", text[end:])
        if word:
            lw = word.group(1).lower()
            for key, sc in sorted(SCALES_OTHER.items(), key=lambda kv: -len(kv[0])):
                if lw.startswith(key):
                    scale, end = sc, end + word.end()
                    break
        kind = "percent" if re.match(r"\s?(%|％|pro|per|por|проц)", text[m.end():], re.I) else \
            "year" if scale == 1 and not frac and 1900 <= v <= 2100 else "number"
        out.append(Figure(v * scale, m.start(), end, text[m.start():end], kind))
    return out


def english_figures(text: str) -> list[Figure]:
    """Figures of an English sentence: digits (with scale words, %, ordinals), number words, month names."""
    out: list[Figure] = []
    for m in re.finditer(r"\b(?:post-(\d{2})s?|'?(\d{2}|\d{4})s)\b", text):  # the 1990s, post-90s, post-90, '80s
        out.append(Figure(float(m.group(1) or m.group(2)), m.start(), m.end(), m.group(), "decade", written=False))
    for m in re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?)(?=" + UNIT_RE.pattern + ")", text):  # 30g, 5km: a unit attached
        out.append(Figure(float(m.group(1)), m.start(), m.end(), m.group(), "number"))
    for m in EN_RE.finditer(text):
        whole, frac, unit, scale_word, short = m.groups()
        if any(f.start <= m.start() < f.end for f in out):
            continue
        if re.match(r"\s?(?:a\.?m\.?|p\.?m\.?|o'clock)(?!\w)", text[m.end():], re.I):
            continue  # 6 pm: a clock time
        if m.start() > 1 and text[m.start() - 1] == "-" and text[m.start() - 2].isalpha():
            continue  # COVID-19, S-400
        if re.search(r"\d\s?:\s?$", text[max(0, m.start() - 4):m.start()]):
            continue  # the minutes of a clock time (19:54, "19: 54")
        v = float(whole.replace(",", "") + (frac or ""))
        scale = SCALES_EN.get((scale_word or short or "").lower(), 1.0)
        if scale == 1.0 and not unit:  # "60 to 85 billion": the first end takes the scale after the second
            rng = re.match(r"\s*(?:to|-|–|—|and)\s*[\d.,]+\s*(thousand|million|billion|trillion)\b", text[m.end():],
                           re.I)
            scale = SCALES_EN[rng.group(1).lower()] if rng else 1.0
        u = (unit or "").lower()
        kind = "percent" if u in ("%", "percent", "per cent") else "ordinal" if u in ("st", "nd", "rd", "th") else \
            "year" if scale == 1 and not frac and 1900 <= v <= 2100 else "number"
        out.append(Figure(v * scale, m.start(), m.end(), m.group(), kind))
    for m in EN_WORD_RE.finditer(text):
        w = m.group(1).lower()
        if any(f.start <= m.start() < f.end for f in out):
            continue
        if w in WEEKDAYS_EN:  # wire style gives "24日" as "on Thursday": a day, whatever its number
            out.append(Figure(-1.0, m.start(), m.end(), m.group(), "weekday", written=False))
        elif w in MONTHS_EN:
            if w == "may" and (m.group(1) == "may" or not text[:m.start()].strip()) \
                    and not re.match(r"\s+\d", text[m.end():]):
                continue  # the verb
            out.append(Figure(float(MONTHS_EN[w]), m.start(), m.end(), m.group(), "month", written=False))
        elif w in ORDINALS_EN:
            out.append(Figure(float(ORDINALS_EN[w]), m.start(), m.end(), m.group(), "ordinal", written=False))
        else:
            v = _words_value(re.split(r"[\s-]+(?:and\s+)?", w))
            out.append(Figure(v, m.start(), m.end(), m.group(), "number", written=v >= 1e6))
    return sorted(out, key=lambda f: f.start)


def _words_value(words: list[str]) -> float:
    """ "forty-two" → 42, "five hundred thousand" → 500000, "1.2"-less scales: "two million" → 2e6."""
    total, current = 0.0, 0.0
    for w in words:
        if w in ("hundred",):
            current = (current or 1) * 100
        elif w in ("thousand", "million", "billion", "trillion"):
            total += (current or 1) * SCALES_EN[w]
            current = 0.0
        else:
            current += WORDS_EN.get(w, 0)
    return total + current


def same(a: float, b: float, shown: str = "") -> bool:
    """Equal, or equal once rounded to the precision the English shows ("1.23 billion" for 12.345亿)."""
    if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
        return True
    if a < 100 and b >= 1900 and b % 100 == a:  # a decade: 90后 / the 1990s
        return True
    digits = re.sub(r"\D", "", shown.split()[0] if shown else "").lstrip("0")
    if not digits or b == 0:
        return False
    step = 10 ** (math.floor(math.log10(abs(b))) - len(digits) + 1)
    return abs(a - b) <= step / 2 + 1e-9


@dataclass
class Comparison:
    missing: list[Figure]  # source figures with no English counterpart
    extra: list[Figure]  # English figures in digits with no source counterpart


def compare(source: list[Figure], english: list[Figure]) -> Comparison:
    """Pair equal values one to one; what is left over on each side."""
    left = list(english)
    missing = []
    for f in source:  # the same value and kind (a month for a month), then the same value, then a day's weekday
        hit = next((e for e in left if same(f.value, e.value, e.text) and (f.kind == "month") == (e.kind == "month")),
                   None) or next((e for e in left if same(f.value, e.value, e.text)), None) or \
            next((e for e in left if f.kind == "day" and e.kind == "weekday"), None)
        if hit is None:
            if f.value != 1:  # "1美元兑7元": a one is "a", "per", or nothing in English
                missing.append(f)
        else:
            left.remove(hit)
    extra = [e for e in left if e.written and e.kind not in ("year", "ordinal", "weekday")]
    if not extra:  # wire style drops the day of an event ("阿博特25日表示" → "Abbott said"): only a changed day counts
        missing = [f for f in missing if f.kind != "day"]
    return Comparison(missing, extra)
