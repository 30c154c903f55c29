"""Demonyms and cities (places.yml) name their country; the file is checked at load and against CLDR."""
import zoneinfo
from pathlib import Path

import pytest
import yaml

from core.routing import FactsError, default_router, load_facts
from core.routing.loader import FACTS_PATH, PLACES_PATH

PLACES = yaml.safe_load(PLACES_PATH.read_text(encoding="utf-8"))


def countries_in(text):
    return [m.value for m in default_router().vocab.find(text) if m.dim == "country"]


@pytest.mark.parametrize("text,country", [
    ("our Melbourne branch needs the billing line", "au"), ("我们公司在温哥华", "ca"), ("an American subsidiary", "us"),
    ("深圳的办公室", "cn"), ("we're a Munich-based firm", "de"), ("倫敦辦公室", "uk"), ("Canadian admin here", "ca"),
    # states and provinces, and a place name that is one letter from a country ("Columbia", "Colombia")
    ("we're in Texas", "us"), ("our British Columbia office", "ca"), ("新南威尔士的分公司", "au"),
    ("yo whats the aus number", "au"), ("加州的团队", "us"),
])
def test_a_demonym_or_city_names_its_country(text, country):
    assert countries_in(text) == [country]


@pytest.mark.parametrize("text", [
    "how do I settle an invoice dispute?",
    "Chinese support for Teams",
    "the German cloud",
    "is support open at Christmas",
    "an admin center error",
])
def test_ordinary_words_and_language_names_are_no_place(text):
    assert countries_in(text) == []


def test_every_country_has_places_and_no_name_is_one_letter():
    facts = load_facts()
    assert set(PLACES) == {cid for cid, t in facts.vocab["countries"].items() if not t.is_group}
    assert all(len(p) >= 2 for t in facts.vocab["countries"].values() for p in t.places)


def _zone_countries():
    for root in zoneinfo.TZPATH:
        tab = Path(root) / "zone.tab"
        if tab.exists():
            rows = (line.split("\t") for line in tab.read_text().splitlines() if line and not line.startswith("#"))
            return {r[2]: r[0].lower() for r in rows}
    pytest.fail("no zone.tab in the system time zone database")


def test_cities_that_cldr_knows_as_exemplar_cities_are_in_the_same_country():
    """CLDR names one city per time zone in each language; zone.tab gives that zone's country."""
    from babel import Locale

    cc = {"gb": "uk"}
    by_name = {}
    zones = _zone_countries()
    for locale in ("zh", "zh_Hant", "en"):
        for zone, names in Locale.parse(locale).time_zones.items():
            city = names.get("city") or (zone.rsplit("/", 1)[-1].replace("_", " ") if locale == "en" else None)
            if city and zone in zones:
                by_name.setdefault(city.casefold(), set()).add(cc.get(zones[zone], zones[zone]))
    checked = 0
    for cid, d in PLACES.items():
        for city in d.get("cities", []):
            known = by_name.get(city.casefold())
            if known and len(known) == 1:
                assert known == {cid}, f"{city!r} is listed for {cid}, CLDR puts it in {known}"
                checked += 1
    assert checked >= 60


@pytest.mark.parametrize("places,message", [
    ({"atlantis": {"cities": ["Poseidonia"]}}, r"places\[atlantis\]: unknown country id"),
    ({"au": {"towns": ["Wagga Wagga"]}}, r"places\[au\]: unexpected keys \['towns'\]"),
    ({"au": {"cities": ["悉"]}}, r"places\[au\]: '悉' is too short"),
    ({"au": {"cities": ["Toronto"]}, "ca": {"cities": ["Toronto"]}}, r"alias 'Toronto' also names"),
    ({"au": {"cities": ["Britain"]}}, r"alias 'Britain' also names"),
])
def test_a_broken_places_file_fails_at_load_naming_the_entry(tmp_path, places, message):
    path = tmp_path / "places.yml"
    path.write_text(yaml.safe_dump(places, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FactsError, match=message):
        load_facts(FACTS_PATH, places=path)
