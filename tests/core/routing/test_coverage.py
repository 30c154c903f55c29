"""The fact base against the audit of the five documents (docs/audit/inventory.yml): every section with
support text holds a fact or is left out for a stated reason, and the audit's rows agree with the facts."""
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.routing.coverage import (
    AUDIT_VARIANT, audit_table, audit_totals, coverage, excluded_sections, load_inventory,
)
from core.routing.sources import clean, document_text, sections

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def inventory():
    return load_inventory()


@pytest.fixture(scope="module")
def rows(facts, inventory):
    return coverage(facts, inventory)


def fact_exists(facts, ref):
    if ref == "language_support_meta":               # a block, not a table of rows
        return bool(facts.language_meta)
    kind, _, fid = ref.partition(".")
    table = {"phones": facts.phones, "no_phone": facts.no_phone, "portals": facts.portals,
             "response_times": facts.response_times, "business_hours": facts.business_hours,
             "language_support": facts.language_support}
    if kind in table:
        return any(f.id == fid for f in table[kind])
    mapping = {"hours": facts.hours, "notes": facts.notes, "links": facts.links, "conflicts": facts.conflicts,
               "severity_schemes": facts.schemes}
    if kind in mapping:
        return fid in mapping[kind]
    return fid in facts.vocab.get(kind, {})          # products.d365_ce: the vocabulary states it


def test_every_support_section_holds_a_fact_or_is_excluded_with_a_reason(rows):
    gaps = [f"{r.doc} / [{r.section.variant or 'all'}] {r.section.heading}" for r in rows if r.status == "gap"]
    assert gaps == []


def test_the_audit_has_nothing_missing(inventory):
    totals = audit_totals(inventory)["all"]
    assert (totals["missing"], totals["partly"]) == (0, 0)
    assert totals["held"] > 250


def test_the_audit_totals_are_counted_from_its_rows(inventory):
    stored = inventory["totals"]
    for doc, row in audit_totals(inventory).items():
        assert {k: v for k, v in stored[doc].items()} == {k: v for k, v in row.items() if k in stored[doc]}, doc


def test_excluded_statements_say_why(inventory):
    silent = [s["what"] for d in inventory["documents"] for sec in d["sections"] for s in sec["statements"]
              if s["status"] == "excluded" and not (s.get("comment") or "").strip()]
    assert silent == []


def test_every_audited_section_exists_in_its_document(facts, inventory):
    by_file = {d.file: d.id for d in facts.documents.values()}
    for doc in inventory["documents"]:
        real = {(s.heading, s.variant) for s in sections(document_text(facts, by_file[doc["doc"]]))}
        for sec in doc["sections"]:
            assert (sec["heading"], AUDIT_VARIANT[sec.get("moniker", "all")]) in real, (doc["doc"], sec["heading"])


def test_every_audit_quote_is_verbatim_in_its_section(facts, inventory):
    by_file = {d.file: d.id for d in facts.documents.values()}
    for doc in inventory["documents"]:
        secs = sections(document_text(facts, by_file[doc["doc"]]))
        for sec in doc["sections"]:
            text = " ".join(s.text for s in secs if s.heading == sec["heading"]
                            and s.variant == AUDIT_VARIANT[sec.get("moniker", "all")])
            for st in sec["statements"]:
                if st["status"] != "excluded":
                    assert clean(st["quote"]) in text, (doc["doc"], sec["heading"], st["quote"][:60])


def test_a_held_statement_names_facts_that_exist_and_cite_its_section(facts, inventory, rows):
    """The audit may not call a statement held on the strength of a fact that cites another section."""
    by_file = {d.file: d.id for d in facts.documents.values()}
    cited = {(r.doc, r.section.heading, r.section.variant): {c.fact for c in r.citations} for r in rows}
    wrong = []
    for doc in inventory["documents"]:
        for sec in doc["sections"]:
            key = (by_file[doc["doc"]], sec["heading"], AUDIT_VARIANT[sec.get("moniker", "all")])
            for st in sec["statements"]:
                if st["status"] != "held":
                    continue
                refs = st.get("facts") or []
                assert refs and all(fact_exists(facts, f) for f in refs), (doc["doc"], st["what"])
                if not set(refs) & cited.get(key, set()):
                    wrong.append(f"{doc['doc'][:3]} {sec['heading'][:50]}: {st['what'][:60]}")
    assert wrong == []


def test_a_section_that_loses_its_facts_shows_up_as_a_gap(facts, inventory, rows):
    held = next(r for r in rows if r.doc == "d365_overview" and r.section.heading == "What is a break-fix issue?")
    assert held.status == "held"
    dropped = {c.fact.partition(".")[2] for c in held.citations if c.fact.startswith("notes.")}
    thinner = dataclasses.replace(facts, notes={k: v for k, v in facts.notes.items() if k not in dropped})
    after = next(r for r in coverage(thinner, inventory)
                 if r.doc == "d365_overview" and r.section.heading == "What is a break-fix issue?")
    assert dropped and after.status == "gap"


def test_a_cloud_block_is_credited_only_for_the_facts_of_its_cloud(rows):
    germany = [r for r in rows if r.doc == "m365_contact" and r.section.variant == "o365-germany"]
    assert germany
    for r in germany:
        for c in r.citations:
            assert "21v" not in c.fact and "_ww_" not in c.fact, (r.section.heading, c.fact)


def test_the_audit_table_in_the_docs_is_the_audits_own(facts, inventory):
    readme = (ROOT / "docs" / "audit" / "README.md").read_text(encoding="utf-8")
    assert audit_table(facts, inventory) in readme


def test_excluded_sections_are_keyed_by_real_sections(facts, inventory, rows):
    real = {(r.doc, r.section.heading, r.section.variant) for r in rows}
    assert set(excluded_sections(facts, inventory)) <= real


def test_the_coverage_command_reports_sections_and_quotes():
    out = subprocess.run([sys.executable, "-m", "core.routing", "coverage"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    assert "What is a break-fix issue?" in out.stdout
    assert re.search(r"notes\.\w+: \"", out.stdout)
    assert re.search(r"\d+ sections hold facts, \d+ left out on purpose, 0 hold none", out.stdout)


def test_the_coverage_command_refuses_an_unreadable_audit(tmp_path):
    bad = tmp_path / "inventory.yml"
    bad.write_text("documents: [\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "core.routing", "coverage", "--inventory", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "cannot read the audit" in out.stderr
