"""Which language an original is written in: `py3langid` (BSD; naive Bayes over byte n-grams, runs offline),
restricted to the languages a news desk receives wire copy in, named in English by `babel`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError

# wire languages: restricting the classifier keeps Mandarin news from reading as Wu or Cantonese
LANGUAGES = ("zh", "ja", "ko", "ru", "uk", "be", "bg", "sr", "mk", "de", "fr", "es", "it", "pt", "nl", "pl", "cs",
             "sk", "sl", "hr", "ro", "hu", "et", "lv", "lt", "fi", "sv", "da", "no", "tr", "el", "ar", "fa", "he",
             "hi", "ne", "si", "bn", "ur", "id", "ms", "vi", "th", "sw", "en")
CJK = ("zh", "ja")  # written without spaces between words: sentences end at full-width punctuation
SAMPLE = 4000  # characters read: enough for the classifier, bounded for a huge file
_LOCK = threading.Lock()  # the identifier keeps state between calls


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str  # in English, for reports ("Chinese")
    confidence: float


@cache
def _identifier():
    import py3langid.langid as langid  # noqa: PLC0415 - its model (a few MB) only when a source is given

    ident = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


def name_of(code: str) -> str:
    try:
        return Locale.parse(code).english_name or code
    except (UnknownLocaleError, ValueError):
        return code


def detect(text: str) -> Language:
    """The language of most of `text` (its first few thousand characters)."""
    sample = text[:SAMPLE]
    if not sample.strip():
        return Language("und", "unknown", 0.0)
    with _LOCK:
        code, p = _identifier().classify(sample)
    return Language(code, name_of(code), float(p))
