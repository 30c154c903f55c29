"""A broken facts file fails fast at load with a message naming the entry."""
import copy

import pytest
import yaml

from core.routing import FactsError, load_facts
from core.routing.loader import FACTS_PATH

RAW = yaml.safe_load(FACTS_PATH.read_text(encoding="utf-8"))


def load_broken(tmp_path, mutate):
    raw = copy.deepcopy(RAW)
    mutate(raw)
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_facts(path)


def phone(raw, pid):
    return next(p for p in raw["phones"] if p["id"] == pid)


CASES = [
    ("invalid number", lambda r: phone(r, "m365_uk").update(number="0800 032"),
     r"phones\[m365_uk\]\.number: .*not a valid number"),
    ("written form of another line", lambda r: phone(r, "o365_21v").update(written="(86) 400-886-6134"),
     r"phones\[o365_21v\]\.written"),
    ("unknown product", lambda r: phone(r, "m365_us")["applies"].update(product=["m356"]),
     r"phones\[m365_us\]\.applies\.product: unknown product 'm356'"),
    ("unknown dimension", lambda r: phone(r, "m365_us")["applies"].update(colour=["red"]),
     r"phones\[m365_us\]\.applies\.colour: unknown dimension"),
    ("unknown region", lambda r: phone(r, "germany_eea")["applies"].update(country=["@mars"]),
     r"phones\[germany_eea\]\.applies\.country: unknown region"),
    ("dangling hours", lambda r: phone(r, "m365_us").update(hours=["nope"]),
     r"phones\[m365_us\]\.hours: unknown hours entry 'nope'"),
    ("dangling note", lambda r: phone(r, "m365_us").update(notes=["nope"]),
     r"phones\[m365_us\]\.notes: unknown note 'nope'"),
    ("missing quote", lambda r: phone(r, "m365_us").pop("quote"),
     r"phones\[m365_us\]\.quote: every fact quotes its source"),
    ("unknown document", lambda r: phone(r, "m365_us")["source"].update(doc="nope"),
     r"phones\[m365_us\]\.source\.doc: unknown document"),
    ("bad time zone",
     lambda r: next(h for h in r["hours"] if h["id"] == "germany_billing")["schedule"].update(tz="Europe/Berlln"),
     r"hours\[germany_billing\]\.schedule\.tz: unknown time zone"),
    ("start after end",
     lambda r: next(h for h in r["hours"] if h["id"] == "germany_billing")["schedule"].update(start="18:00"),
     r"hours\[germany_billing\]\.schedule: start 18:00 is not before end 17:00"),
    ("bad clock time",
     lambda r: next(h for h in r["hours"] if h["id"] == "germany_billing")["schedule"].update(end="25:00"),
     r"hours\[germany_billing\]\.schedule\.end: expected HH:MM"),
    ("text split by a comma",
     lambda r: next(h for h in r["hours"] if h["id"] == "germany_billing").update(
         text={"en": "a", "zh": "b", "c)": None}),
     r"hours\[germany_billing\]\.text: unexpected keys"),
    ("response clock without clock times",
     lambda r: next(x for x in r["response_times"] if x["id"] == "fo_21v_critical").update(
         clock="support_hours:o365_21v_billing"),
     r"response_times\[fo_21v_critical\]\.clock: hours entry 'o365_21v_billing' has no clock times"),
    ("inference with an unknown key", lambda r: r["inferences"][0].update(caveat="germany_cloud_scope"),
     r"inferences\[0\]: unexpected keys \['caveat'\]"),
    ("only_if_named on an open dimension",
     lambda r: next(h for h in r["hours"] if h["id"] == "germany_billing")["applies"].update(only_if_named=["plan"]),
     r"hours\[germany_billing\]\.applies\.only_if_named: 'plan' must be a dimension this selector restricts"),
    ("unknown level", lambda r: next(x for x in r["response_times"] if x["id"] == "o365_21v_a").update(level="z"),
     r"response_times\[o365_21v_a\]\.level: scheme 'o365_21v' has no level 'z'"),
    ("alias naming two things", lambda r: r["countries"]["ca"]["aliases"].append("Britain"),
     r"countries\[.*\]\.aliases: alias 'Britain' also names"),
    ("conflict winner not a side", lambda r: r["conflicts"]["o365_21v_sev_b_response"].update(winner="fo_21v"),
     r"conflicts\[o365_21v_sev_b_response\]\.winner"),
    ("section without a zh title", lambda r: phone(r, "m365_us")["source"].update(section="Nowhere"),
     r"phones\[m365_us\]: section 'Nowhere' has no zh title"),
    ("duplicate id", lambda r: r["phones"].append(dict(phone(r, "m365_us"))), r"phones\[m365_us\]: duplicate id"),
]


@pytest.mark.parametrize("name,mutate,message", CASES, ids=[c[0] for c in CASES])
def test_broken_facts_fail_fast_naming_the_entry(tmp_path, name, mutate, message):
    with pytest.raises(FactsError, match=message):
        load_broken(tmp_path, mutate)


def test_not_yaml(tmp_path):
    path = tmp_path / "facts.yml"
    path.write_text("phones: [unclosed", encoding="utf-8")
    with pytest.raises(FactsError, match="not valid YAML"):
        load_facts(path)


def test_the_real_file_loads():
    facts = load_facts()
    assert len(facts.phones) == 10 and len(facts.response_times) == 22
