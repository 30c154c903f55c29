"""Operator command line: check the facts and print routing answers without running the bot.

    python -m core.routing route --product "Office 365" --cloud 21Vianet
    python -m core.routing route --product F&O --cloud 21v --at 2026-10-01T23:59+08:00 --lang zh
    python -m core.routing triage "nobody can send mail"
    python -m core.routing check            # validate facts.yml and pin it against sources/
    python -m core.routing coverage         # per document and section: the facts held, and the gaps
    python -m core.routing find "世纪互联的 Office 365 电话"   # what the vocabulary recognises
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import List, Optional
from zoneinfo import ZoneInfo

import yaml

from .coverage import INVENTORY_PATH, audit_table, coverage, load_inventory, report
from .loader import FactsError, load_facts
from .model import DIMS, Facts, NoPhone
from .router import HoursAnswer, ResponseAnswer, Route, Router, Query
from .sources import verify
from .triage import triage
from .vocab import vocabulary_for


def _when(dt: Optional[datetime]) -> str:
    return dt.strftime("%a %Y-%m-%d %H:%M %Z") if dt else "-"


def _cite(facts: Facts, fact, lang: str) -> str:
    doc = facts.documents[fact.source.doc]
    return f"[{doc.file[:3]} {doc.title_zh if lang == 'zh' else doc.title} / {facts.section_title(fact.source, lang)}]"


def print_route(r: Route, lang: str, out=sys.stdout) -> None:
    f = r.facts

    def w(s=""):
        print(s, file=out)

    w(f"query:    {r.query.as_dict()}" + (f"   (inferred {dict(r.inferred)})" if r.inferred else ""))
    for p in r.problems:
        w(f"problem:  {p.code} {p.dim or ''} {p.value or ''}")
    for name in ("phone", "portal", "hours", "response", "severity"):
        part = r.part(name)
        w(f"\n{name.upper()} ({part.status})")
        if part.missing:
            w(f"  ask for {part.missing.dim}: "
              + ", ".join(f.name(part.missing.dim, c, lang) for c in part.missing.candidates))
            continue
        for row in part.rows:
            label = r.row_label(name, row)
            tag = "; ".join(", ".join(f.name(d, v, lang) for v in vs) for d, vs in label.items())
            tag = f" <{tag}>" if tag else ""
            if isinstance(row, NoPhone):
                w(f"  (no number){tag}: {f.notes[row.note].text.get(lang)}  {_cite(f, row, lang)}")
            elif name == "phone":
                alt = f" (alt. {row.alternative})" if row.alternative else ""
                w(f"  {row.number}{alt}{tag}  {_cite(f, row, lang)}")
            elif name == "portal":
                w(f"  {row.name.get(lang)} {row.url or ''}{tag}  {_cite(f, row, lang)}")
            elif isinstance(row, HoursAnswer):
                s = row.status
                state = {True: "OPEN", False: "CLOSED", None: "?"}[s.open]
                detail = f"closes {_when(s.closes_at)}" if s.closes_at else \
                    f"next opens {_when(s.next_open)}" if s.next_open else \
                    f"next open day {s.next_open_day}" if s.next_open_day else s.reason
                extra = f" holiday={s.holiday}" if s.holiday else ""
                w(f"  {row.hours.text.get(lang)}{tag}\n      now {state} ({detail}){extra}"
                  f"{' [calendar estimated]' if s.estimated else ''}  {_cite(f, row.hours, lang)}")
            elif isinstance(row, ResponseAnswer):
                due = _when(row.due.at) if row.due.at else row.due.reason
                w(f"  {row.response.text.get(lang)}{tag}  -> due {due}  {_cite(f, row.response, lang)}")
            else:
                for lv in row.levels:
                    w(f"  {lv.label.get(lang)}: {lv.definition.get(lang)}")
    if r.conflicts:
        w("\nCONFLICTS")
        for c in r.conflicts:
            w(f"  {c.about.get(lang)}: {c.why.get(lang)}")
    if r.notes:
        w("\nNOTES")
        for n in r.notes:
            w(f"  [{','.join(n.topics)}] {n.text.get(lang)}")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core.routing", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rp = sub.add_parser("route", help="print the routing answer for a query")
    for d in DIMS:
        rp.add_argument(f"--{d.replace('_', '-')}", dest=d, help=f"{d} (id or alias)")
    rp.add_argument("--at", help="ISO time with offset (default: now)")
    rp.add_argument("--tz", help="caller's IANA time zone, for hours given in local time")
    rp.add_argument("--lang", choices=("en", "zh"), default="en")
    rp.add_argument("--json", action="store_true", help="machine-readable summary")
    tp = sub.add_parser("triage", help="propose a severity for a problem description")
    tp.add_argument("text")
    tp.add_argument("--lang", choices=("en", "zh"), default="en")
    sub.add_parser("check", help="validate facts.yml and verify it against sources/")
    cp = sub.add_parser("coverage", help="per document and section: the facts that cite it and their quotes")
    cp.add_argument("--inventory", type=Path, default=INVENTORY_PATH,
                    help="the audit naming the sections left out on purpose (default: %(default)s)")
    cp.add_argument("--brief", action="store_true", help="one line per section, without the quotes")
    cp.add_argument("--table", action="store_true", help="print the audit's totals as a Markdown table")
    fp = sub.add_parser("find", help="show the vocabulary found in a sentence")
    fp.add_argument("text")
    args = ap.parse_args(argv)

    try:
        facts = load_facts()
    except FactsError as e:
        print(f"facts.yml is invalid: {e}", file=sys.stderr)
        return 2
    if args.cmd == "check":
        problems = verify(facts)
        for p in problems:
            print(p)
        print(f"{len(facts.phones)} phone rows, {len(facts.portals)} portals, {len(facts.hours)} hours, "
              f"{len(facts.response_times)} response times, {len(facts.notes)} notes: "
              + ("all pinned to the sources" if not problems else f"{len(problems)} problems"))
        return 1 if problems else 0
    if args.cmd == "coverage":
        try:
            inventory = load_inventory(args.inventory)
        except (OSError, yaml.YAMLError) as e:
            print(f"cannot read the audit {args.inventory}: {e}", file=sys.stderr)
            return 2
        if args.table:
            print(audit_table(facts, inventory))
            return 0
        rows = coverage(facts, inventory)
        print(report(rows, facts, quotes=not args.brief))
        return 1 if any(r.status == "gap" for r in rows) else 0
    if args.cmd == "find":
        for m in vocabulary_for(facts).find(args.text):
            print(f"{m.dim:13} {m.value:15} {m.text!r}")
        return 0
    if args.cmd == "triage":
        t = triage(args.text)
        print(f"proposed: {('Severity ' + t.level.upper()) if t.level else 'unknown'} (rule {t.rule})"
              + (f", would be {t.alternative.upper()} if {'/'.join(t.needs)} differs" if t.alternative else ""))
        for s in t.signals:
            print(f"  {s.label.get(args.lang)}: {s.evidence!r}")
        return 0
    try:
        now = datetime.fromisoformat(args.at) if args.at else None
        if now is not None and now.tzinfo is None:
            raise ValueError("give an offset, e.g. 2026-10-01T09:00+08:00")
        if args.tz:
            ZoneInfo(args.tz)
    except Exception as e:  # noqa: BLE001 - bad input gets a clear message
        print(f"bad --at/--tz: {e}", file=sys.stderr)
        return 2
    r = Router(facts).route(Query(**{d: getattr(args, d) for d in DIMS}), now=now, user_tz=args.tz)
    if args.json:
        print(json.dumps({
            "query": r.query.as_dict(), "inferred": dict(r.inferred), "problems": [p.code for p in r.problems],
            "phones": [getattr(x, "number", None) for x in r.phone.rows if not isinstance(x, NoPhone)],
            "portals": [x.url for x in r.portal.rows], "missing": {
                n: {"dim": r.part(n).missing.dim, "candidates": list(r.part(n).missing.candidates)}
                for n in ("phone", "portal", "hours", "response", "severity") if r.part(n).missing},
            "sources": [f"{s.doc}: {s.section}" for s in r.sources]}, ensure_ascii=False, indent=1))
    else:
        print_route(r, args.lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
