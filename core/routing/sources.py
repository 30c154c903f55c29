"""Check the fact base against the source documents it cites.

Every quote must occur verbatim in the section its fact cites (`source`), every cited section heading must
exist in its document, and every phone number and URL must be written in at least one document. Used by the
test suite and by `python -m core.routing check`. The zh-CN page repeats the English text in `sxs-lookup`
spans; those are stripped before matching, as the seeds README says.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .model import Facts, Source

SOURCES_DIR = Path(__file__).resolve().parents[2] / "sources"


def clean(text: str) -> str:
    """Document text with the English echo spans and HTML tags removed and whitespace collapsed."""
    text = re.sub(r'<span class="sxs-lookup"><span[^>]*>.*?</span></span>', "", text, flags=re.S)
    text = re.sub(r"</?span[^>]*>", "", text)
    return re.sub(r"\s+", " ", text)


@lru_cache(maxsize=8)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def document_text(facts: Facts, doc_id: str, sources_dir: Path = SOURCES_DIR) -> str:
    return _read(str(sources_dir / facts.documents[doc_id].file))


def _heading(line: str) -> str:
    return re.sub(r"<[^>]+>|\[|\]\(#[^)]*\)", "", clean(line.lstrip("#"))).strip()


def headings(facts: Facts, doc_id: str, sources_dir: Path = SOURCES_DIR) -> List[str]:
    return [_heading(line) for line in document_text(facts, doc_id, sources_dir).splitlines() if line.startswith("#")]


@dataclass(frozen=True)
class Section:
    """One section of a document as a reader sees it: its heading, the cloud variant block it stands in
    (the `::: moniker range` name, None outside variant blocks) and its cleaned text up to the next heading."""
    heading: str
    variant: Optional[str]
    text: str


def _body(text: str) -> List[str]:
    """The document's lines after its YAML front matter (whose `# ...` comment lines are not headings)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1:]
    return lines


@lru_cache(maxsize=8)
def sections(text: str) -> Tuple[Section, ...]:
    """The sections in document order. The text a `::: moniker` line opens (a cloud variant's untitled
    introduction) belongs to the page's title section, as a reader sees it."""
    out: List[Section] = []
    title = current = variant = None
    lines: List[str] = []

    def close() -> None:
        body = clean("\n".join(lines)).strip()
        if current is not None and (body or not gap):    # the gap between two variant blocks is no section
            out.append(Section(current, variant, body))

    gap = False
    for line in _body(text):
        moniker = re.match(r':::\s*moniker\s+range="([^"]+)"', line)
        end = line.startswith("::: moniker-end")
        if line.startswith("#") or ((moniker or end) and title is not None):
            close()
            if moniker or end:
                current, variant, gap = title, (moniker.group(1) if moniker else None), end
            else:
                current, gap = _heading(line), False
            title = title or current
            lines = []
        else:
            lines.append(line)
    close()
    return tuple(out)


def section_title(facts: Facts, source: Source) -> str:
    doc = facts.documents[source.doc]
    return (facts.section_titles_zh.get(source.section, source.section) if doc.lang == "zh" else source.section).strip()


def section_exists(facts: Facts, source: Source, sources_dir: Path = SOURCES_DIR) -> bool:
    return section_title(facts, source) in headings(facts, source.doc, sources_dir)


def quote_in_section(facts: Facts, source: Source, quote: str, sources_dir: Path = SOURCES_DIR) -> bool:
    """True when `quote` stands in the cited section (a heading that occurs in several variant blocks counts
    with the text of each)."""
    title = section_title(facts, source)
    return any(sec.heading == title and clean(quote) in sec.text
               for sec in sections(document_text(facts, source.doc, sources_dir)))


def quote_in(facts: Facts, doc_id: str, quote: str, sources_dir: Path = SOURCES_DIR) -> bool:
    return clean(quote) in clean(document_text(facts, doc_id, sources_dir))


def verify(facts: Facts, sources_dir: Path = SOURCES_DIR) -> List[str]:
    """All mismatches between the facts and the documents (empty when everything is pinned)."""
    problems: List[str] = []
    for doc in facts.documents.values():
        if not (sources_dir / doc.file).exists():
            return [f"documents[{doc.id}]: {sources_dir / doc.file} not found"]

    def check_quote(where: str, doc_id: str, quote: str, section: Source = None) -> None:
        if quote and not quote_in(facts, doc_id, quote, sources_dir):
            problems.append(f"{where}: quote not found in {facts.documents[doc_id].file}: {quote[:80]!r}")
        elif quote and section is not None and section_exists(facts, section, sources_dir) \
                and not quote_in_section(facts, section, quote, sources_dir):
            problems.append(f"{where}: quote not in its cited section {section.section!r}: {quote[:80]!r}")

    zh_doc = next((d.id for d in facts.documents.values() if d.lang == "zh"), None)
    groups: Dict[str, list] = {
        "phones": list(facts.phones), "no_phone": list(facts.no_phone), "portals": list(facts.portals),
        "hours": list(facts.hours.values()), "response_times": list(facts.response_times),
        "notes": list(facts.notes.values()), "severity_schemes": list(facts.schemes.values()),
    }
    for kind, items in groups.items():
        for fact in items:
            where = f"{kind}[{fact.id}]"
            for src in fact.sources:
                if not section_exists(facts, src, sources_dir):
                    problems.append(f"{where}: section {src.section!r} not found in {facts.documents[src.doc].file}")
            check_quote(where, fact.source.doc, fact.quote, fact.source)
            if fact.quote_zh:
                zh_sources = [s for s in fact.sources if facts.documents[s.doc].lang == "zh"]
                check_quote(f"{where}.quote_zh", zh_sources[0].doc if zh_sources else zh_doc, fact.quote_zh,
                            zh_sources[0] if zh_sources else None)
    for scheme in facts.schemes.values():
        docs = [s.doc for s in scheme.sources]
        for lv in scheme.levels:
            texts = [("en", lv.definition.en)] + [("en", e) for e in lv.examples.get("en", ())]
            if not scheme.zh_translated:
                texts += [("zh", lv.definition.zh)] + [("zh", e) for e in lv.examples.get("zh", ())]
            for lang, text in texts:
                if not any(facts.documents[d].lang == lang and quote_in(facts, d, text, sources_dir) for d in docs):
                    problems.append(f"severity_schemes[{scheme.id}].levels[{lv.id}]: {lang} text not in sources: "
                                    f"{text[:60]!r}")
    for b in facts.business_hours:
        check_quote(f"business_hours[{b.id}]", b.source.doc, b.quote, b.source)
    meta = facts.language_meta
    for ls in facts.language_support:
        check_quote(f"language_support[{ls.id}]", meta["source"].doc, ls.quote)
    check_quote("language_support_meta.footnote", meta["source"].doc, meta["footnote_quote"])
    check_quote("language_support_meta.translation_note", meta["source"].doc, meta["translation_note_quote"])
    for lid, link in facts.links.items():
        if link.url not in document_text(facts, link.source.doc, sources_dir):
            problems.append(f"links[{lid}]: {link.url} not in {facts.documents[link.source.doc].file}")
    for portal in facts.portals:
        if portal.url and not any(portal.url.rstrip("/") in document_text(facts, s.doc, sources_dir)
                                  for s in portal.sources):
            problems.append(f"portals[{portal.id}]: {portal.url} not in its sources")
    everything = " ".join(clean(document_text(facts, d, sources_dir)) for d in facts.documents)
    for phone in facts.phones:
        for form in filter(None, (phone.written or phone.number, phone.alternative)):   # as the cited page writes it
            if not any(form in clean(document_text(facts, s.doc, sources_dir)) for s in phone.sources):
                problems.append(f"phones[{phone.id}]: {form!r} not written in its sources")
        if phone.number not in everything:                                           # the form the bot says
            problems.append(f"phones[{phone.id}]: {phone.number!r} is not written in any document")
    for conflict in facts.conflicts.values():
        for side in conflict.sides:
            if not section_exists(facts, Source(side.doc, side.section), sources_dir):
                problems.append(f"conflicts[{conflict.id}]: section {side.section!r} not in {side.doc}")
            elif not side.absent and not quote_in_section(facts, Source(side.doc, side.section), side.says,
                                                          sources_dir):
                problems.append(f"conflicts[{conflict.id}]: {side.doc} side not verbatim in {side.section!r}: "
                                f"{side.says[:60]!r}")
    return problems
