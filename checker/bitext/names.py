"""Names of the original as the English writes them: a Chinese person's name in pinyin (`pypinyin`), a Latin-script
name by its spelling, a Cyrillic one by transliteration (`anyascii`).

Only confident mismatches: an English name that the original plainly has in another form. For Chinese, a name
the English gives as surname + given name ("Lin Xiaozake") whose surname character is in the source sentence,
whose given name is not the pinyin of the one to three characters after it while one of those readings is close
("Xiaozai", from 林小宰), and which no other run of the source reads. For other scripts, a rare capitalised English
word that the source does not have but spells nearly the same ("Kuleva" where the source says Кулеба, read
"Kuleba"), and that is not one place's two names (Kiev / Kiew).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from checker.names import edit_distance, zipf
from checker.pinyin import plain as _plain
from checker.places import same_place

# the commonest Chinese surnames (about 85 % of people), single and double characters
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
            "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
            "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
            "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
            "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
            "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
            "鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由")
DOUBLE_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙",
                   "宇文", "司徒", "端木", "独孤", "南宫", "万俟", "闻人", "轩辕", "申屠", "呼延")
NAME_RE = re.compile(r"\b([A-Z][a-z]{1,5})\s+([A-Z][a-z]+(?:[-’'](?![st]\b)[A-Za-z][a-z]*)?)\b")
CAP_RE = re.compile(r"(?<![\w’'-])([A-Z][a-zA-Z\u00C0-\u024F’'-]{3,})")
SOURCE_WORD_RE = re.compile(r"[^\W\d_][\w’'-]*", re.UNICODE)
CLOSE = 2  # letters by which a written name may differ from the original's and still be that name mistyped
RARE = 3.5  # Zipf below which a capitalised English word is a name, not a word ("Minister", "Foreign")


@dataclass(frozen=True)
class NameMismatch:
    start: int  # in the English sentence
    end: int
    written: str
    expected: str  # the original's name as the English should write it
    source: str  # the original's characters or word


@cache
def _readings(char: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin  # noqa: PLC0415 - its tables load only when a Chinese original is read

    return tuple(dict.fromkeys(p.replace("ü", "v") for p in pinyin(char, style=Style.NORMAL, heteronym=True)[0]))


def _spellings(chars: str) -> list[str]:
    """Every toneless pinyin reading of a run of characters, joined, the commonest first ("小宰" → ["xiaozai"])."""
    out = [""]
    for c in chars:
        out = list(dict.fromkeys(a + b for a in out for b in _readings(c)))[:64]
    return out


def chinese(english: str, source: str) -> list[NameMismatch]:
    """"Lin Xiaozake" where the source has 林小宰: the given name is not the pinyin of the characters after the
    surname, but close to it."""
    out = []
    readable: set[str] | None = None  # what the source's runs of characters read, worked out once, if needed
    for m in NAME_RE.finditer(english):
        surname, given = m.group(1), m.group(2)
        if zipf(given) >= RARE or "-" in given:
            continue  # a hyphen: Hong Kong's or Taiwan's romanisation ("Yu Pang-chun"), not pinyin
        if readable is None:
            readable = _readable(source)
        if _plain(given) in readable:
            continue  # its characters are in the source, wherever its surname is ("Xi Jinping": 主席习近平)
        expected, seen = [], False
        for i, c in enumerate(source):
            two = source[i:i + 2]
            if two in DOUBLE_SURNAMES:
                head, rest = two, source[i + 2:i + 5]
            elif c in SURNAMES:
                head, rest = c, source[i + 1:i + 4]
            else:
                continue
            if surname.lower() not in _spellings(head) or rest[:1] == "氏":
                continue  # 阮氏金银: a Vietnamese name (Thị), whose English is Vietnamese, not pinyin
            for n in (1, 2, 3):  # 3: a married name with both surnames (林郑月娥, "Lin Zhengyue'e")
                chars = rest[:n]
                if len(chars) < n or not all("\u4e00" <= ch <= "\u9fff" for ch in chars):
                    continue
                seen = True
                readings = _spellings(chars)
                if _plain(given) in readings:
                    break
                expected += [(edit_distance(_plain(given), r, CLOSE), rank, r, head + chars)
                             for rank, r in enumerate(readings)]
            else:
                continue
            break  # the name is there as written
        else:
            if seen and expected:
                d, _rank, reading, chars = min(expected)
                rivals = {c for e, _, _, c in expected if e == d}
                if 0 < d <= CLOSE and len(rivals) == 1:  # two names of the source as close: not confident
                    out.append(NameMismatch(m.start(2), m.end(2), given, reading.capitalize(), chars))
    return out


def _readable(source: str) -> set[str]:
    """Every reading of every run of one to three characters of the source."""
    return {r for i in range(len(source)) if "\u4e00" <= source[i] <= "\u9fff" for n in (1, 2, 3)
            for r in _spellings(source[i:i + n])}


def _appears(reading: str, source: str) -> bool:
    """Some run of one to three characters of the source reads `reading`."""
    return reading in _readable(source)


def _fold(word: str) -> str:
    from anyascii import anyascii  # noqa: PLC0415 - only for an original in another script

    return anyascii(unicodedata.normalize("NFC", word))


VOWELS = frozenset("aeiouy")


def consonant_change(a: str, b: str) -> bool:
    """A letter that matters changed ("Kuleva"/"Kuleba", "Baerbok"/"Baerbock"), not only vowels and endings,
    where transliterations legitimately differ (Dmitro / Dmitriy, Zelenskiy / Zelensky)."""
    from difflib import SequenceMatcher  # noqa: PLC0415 - standard library, on the rare path

    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal" and set(a[i1:i2] + b[j1:j2]) - VOWELS:
            return True
    return False


def spelled(english: str, source: str) -> list[NameMismatch]:
    """"Kuleva" where the source (any alphabet, read in Latin letters) has "Kuleba": a rare capitalised English
    word the source lacks, that a source word spells within CLOSE letters (same first letter, not one place)."""
    words = {}
    for w in SOURCE_WORD_RE.findall(source):
        folded = _fold(w)
        if folded[:1].isupper() and len(folded) >= 4:
            words.setdefault(folded.lower(), (folded, w))
    if not words:
        return []
    out = []
    for m in CAP_RE.finditer(english):
        word = m.group(1).rstrip("’'")
        low = _fold(word).lower()
        if low in words or zipf(word) >= RARE or m.start() == 0:
            continue
        best = min(((edit_distance(low, k, CLOSE), k) for k in words if k[0] == low[0]), default=None)
        if best is None or not 0 < best[0] <= CLOSE or len(low) < 5 or not consonant_change(low, best[1]):
            continue
        folded, original = words[best[1]]
        if same_place(word, folded) or low.rstrip("s") == best[1].rstrip("s"):
            continue  # Kiev / Kiew: one place; a plural or possessive is the same name
        out.append(NameMismatch(m.start(1), m.start(1) + len(word), word, folded, original))
    return out


def mismatches(english: str, source: str, language: str) -> list[NameMismatch]:
    """The names of `english` that its `source` sentence has in another form."""
    if language == "zh":
        return chinese(english, source)
    if language in ("ja", "ko", "und") or not re.search(r"[^\W\d_]", source):
        return []
    return spelled(english, source)
