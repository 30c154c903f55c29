"""Which sections of the source documents the fact base draws on, and which it leaves out.

Per document and section: the facts that cite it and the quote each one uses there. A section with text
that no fact cites is either left out on purpose, with the reason the audit (docs/audit/inventory.yml)
gives, or it is a gap. The audit says what a document states; this module measures what the fact base
holds, so the two are checked against each other instead of trusted.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import yaml

from .model import Facts, Source
from .sources import SOURCES_DIR, Section, clean, document_text, section_title, sections

INVENTORY_PATH = Path(__file__).resolve().parents[2] / "docs" / "audit" / "inventory.yml"
# The `::: moniker range` blocks of the Microsoft 365 pages, and the cloud each one is written for.
VARIANT_CLOUD = {"o365-worldwide": "worldwide", "o365-21vianet": "china_21v", "o365-germany": "germany"}
# The audit names a variant block by its cloud's short name; "all" is text outside variant blocks.
AUDIT_VARIANT = {"all": None, "worldwide": "o365-worldwide", "21vianet": "o365-21vianet", "germany": "o365-germany"}
STATUSES = ("held", "excluded", "partly", "missing")


@dataclass(frozen=True)
class Citation:
    fact: str                  # "<facts.yml key>.<id>", e.g. "notes.d365_admin_roles"
    quote: Optional[str]       # what the fact quotes from this section; None when it cites it without a quote


@dataclass(frozen=True)
class SectionCoverage:
    doc: str
    section: Section
    citations: Tuple[Citation, ...]
    excluded: Optional[str]    # the audit's reason for leaving the section out

    @property
    def status(self) -> str:
        if self.citations:
            return "held"
        if not self.section.text:
            return "empty"             # a heading that only groups the questions below it
        return "excluded" if self.excluded else "gap"


def _cited(facts: Facts) -> Iterator[Tuple[str, Source, Tuple[str, ...], Optional[frozenset]]]:
    """(fact, cited section, the texts it takes from the documents, the clouds it applies to) for every
    fact of every kind."""
    plain = [("phones", f) for f in facts.phones] + [("no_phone", f) for f in facts.no_phone] + \
        [("portals", f) for f in facts.portals] + [("hours", f) for f in facts.hours.values()] + \
        [("response_times", f) for f in facts.response_times] + [("notes", f) for f in facts.notes.values()]
    for kind, fact in plain:
        quotes = tuple(q for q in (fact.quote, fact.quote_zh, getattr(fact, "url", None),
                                   getattr(fact, "written", None) or getattr(fact, "number", None)) if q)
        for src in fact.sources:
            yield f"{kind}.{fact.id}", src, quotes, fact.applies.get("cloud")
    for scheme in facts.schemes.values():
        texts = tuple(t for lv in scheme.levels for t in (lv.definition.en, lv.definition.zh,
                                                           *lv.examples.get("en", ()), *lv.examples.get("zh", ())))
        for src in scheme.sources:
            yield f"severity_schemes.{scheme.id}", src, texts, scheme.applies.get("cloud")
    for b in facts.business_hours:
        yield f"business_hours.{b.id}", b.source, (b.quote,), None
    meta = facts.language_meta
    meta_quotes = tuple(q for q in (meta["footnote_quote"], meta["translation_note_quote"]) if q)
    for ls in facts.language_support:
        yield f"language_support.{ls.id}", meta["source"], (ls.quote,) + meta_quotes, None
    if meta_quotes:                                  # the footnotes shared by every language row
        yield "language_support_meta", meta["source"], meta_quotes, None
    for link in facts.links.values():
        yield f"links.{link.id}", link.source, (link.url,), None
    for conflict in facts.conflicts.values():
        for side in conflict.sides:
            yield f"conflicts.{conflict.id}", Source(side.doc, side.section), (side.says,), None


def coverage(facts: Facts, inventory: Optional[Mapping] = None,
             sources_dir: Path = SOURCES_DIR) -> List[SectionCoverage]:
    """Every section of every document, in document order, with the facts that cite it."""
    found: Dict[Tuple[str, int], Dict[str, Optional[str]]] = {}
    for fact, src, quotes, clouds in _cited(facts):
        secs = sections(document_text(facts, src.doc, sources_dir))
        title = section_title(facts, src)
        same = [i for i, s in enumerate(secs) if s.heading == title]
        quoted = {i: q for i in same for q in quotes if clean(q) in secs[i].text}
        if quoted:                                   # the block(s) holding what the fact quotes
            targets = list(quoted.items())
        else:                                        # cited without a quote here: the blocks of its clouds
            targets = [(i, None) for i in same
                       if secs[i].variant is None or clouds is None or VARIANT_CLOUD.get(secs[i].variant) in clouds]
        for i, q in targets:
            cited = found.setdefault((src.doc, i), {})
            cited[fact] = cited.get(fact) or q
    reasons = excluded_sections(facts, inventory) if inventory else {}
    out = []
    for doc in facts.documents:
        for i, sec in enumerate(sections(document_text(facts, doc, sources_dir))):
            cites = tuple(Citation(f, q) for f, q in found.get((doc, i), {}).items())
            out.append(SectionCoverage(doc, sec, cites, reasons.get((doc, sec.heading, sec.variant))))
    return out


# ------------------------------------------------------------------------------------------- the audit
def load_inventory(path: Path = INVENTORY_PATH) -> Mapping:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _doc_id(facts: Facts, file: str) -> str:
    return next(d.id for d in facts.documents.values() if d.file == file)


def excluded_sections(facts: Facts, inventory: Mapping) -> Dict[Tuple[str, str, Optional[str]], str]:
    """(document, heading, variant) -> reason, for each audited section whose every statement is excluded."""
    out = {}
    for doc in inventory["documents"]:
        for sec in doc["sections"]:
            statements = sec.get("statements") or []
            if statements and all(s["status"] == "excluded" for s in statements):
                reason = "; ".join(dict.fromkeys(s.get("comment") or "" for s in statements)).strip("; ")
                out[(_doc_id(facts, doc["doc"]), sec["heading"], AUDIT_VARIANT[sec.get("moniker", "all")])] = reason
    return out


def audit_totals(inventory: Mapping) -> Dict[str, Dict[str, int]]:
    """Statements per document and status, counted from the audit's rows (plus an "all" row)."""
    totals: Dict[str, Dict[str, int]] = {}
    for doc in inventory["documents"]:
        row = totals.setdefault(doc["doc"], dict.fromkeys(STATUSES, 0))
        for sec in doc["sections"]:
            for s in sec.get("statements") or []:
                row[s["status"]] += 1
    totals["all"] = {k: sum(r[k] for r in totals.values()) for k in STATUSES}
    return totals


def audit_table(facts: Facts, inventory: Mapping) -> str:
    """The audit's totals as a Markdown table (docs/audit/README.md holds it)."""
    titles = {d.file: d.title for d in facts.documents.values()}
    lines = ["| Document | Statements | Held | Excluded | Missing |", "|---|---:|---:|---:|---:|"]
    for file, row in audit_totals(inventory).items():
        name = f"{file[:3]} {titles[file]}" if file in titles else "**All five**"
        missing = row["missing"] + row["partly"]
        lines.append(f"| {name} | {sum(row.values())} | {row['held']} | {row['excluded']} | {missing} |")
    return "\n".join(lines)


def report(rows: Sequence[SectionCoverage], facts: Facts, quotes: bool = True) -> str:
    """The coverage report as text: per document and section, what it holds."""
    out: List[str] = []
    doc = None
    for r in rows:
        if r.doc != doc:
            doc = r.doc
            mine = [x for x in rows if x.doc == doc]
            count = {s: sum(1 for x in mine if x.status == s) for s in ("held", "excluded", "empty", "gap")}
            out.append(f"\n{facts.documents[doc].file}  {facts.documents[doc].title}\n  "
                       + ", ".join(f"{n} {s}" for s, n in count.items()) + " sections")
        where = f"[{r.section.variant}] " if r.section.variant else ""
        mark = {"held": f"{len(r.citations)} facts", "excluded": "excluded", "empty": "empty",
                "gap": "NO FACT"}[r.status]
        out.append(f"  {where}{r.section.heading}: {mark}")
        if r.status == "excluded":
            out.append(f"      why: {r.excluded}")
        for c in r.citations if quotes else ():
            q = f' "{c.quote[:90]}{"..." if len(c.quote) > 90 else ""}"' if c.quote else " (cited, quoted elsewhere)"
            out.append(f"      {c.fact}:{q}")
    gaps = [r for r in rows if r.status == "gap"]
    out.append(f"\n{sum(1 for r in rows if r.status == 'held')} sections hold facts, "
               f"{sum(1 for r in rows if r.status == 'excluded')} left out on purpose, {len(gaps)} hold none"
               + (": " + "; ".join(f"{r.doc} / {r.section.heading}" for r in gaps) if gaps else ""))
    return "\n".join(out).lstrip("\n")
