"""The review as one static HTML page: inline CSS and SVG, no script, nothing fetched (its Content-Security-
Policy forbids it), readable offline. Every piece of text from the store (messages, channel names, hand-off
fields) goes through html.escape; user messages arrive here already masked.
"""
from __future__ import annotations

from html import escape
from typing import Any, Dict, Iterable, List, Sequence

from review import svg
from review.turns import DESCRIPTIONS, HEADLINE, OUTCOMES

MAX_ROWS = 500                               # unanswered groups shown; review.json and the YAML hold all
COLOURS = {"answered": "#2e7d32", "answered_after_clarifying": "#7cb342", "given_up": "#f9a825",
           "fallback": "#c62828", "error": "#6a1b9a", "abandoned_clarification": "#ef6c00",
           "clarifying": "#64b5f6", "not_in_sources": "#8d6e63", "out_of_scope": "#9e9e9e",
           "small_talk": "#b0bec5", "no_reply": "#424242", "other": "#d7ccc8"}
LABELS = {o: o.replace("_", " ").capitalize() for o in OUTCOMES}
LANG_ATTR = {"zh": "zh-Hans", "en": "en"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.45}
header,main{max-width:1080px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:1rem;margin:16px 0 6px}
.meta{color:#555;font-size:.9rem;margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 12px}
.card dt{font-size:.8rem;color:#555}
.card dd{margin:2px 0 0;font-size:1.5rem;font-weight:600}
table{border-collapse:collapse;background:#fff;font-size:.88rem;margin:6px 0 10px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{max-width:100%;height:auto;display:block;margin:6px 0}
.swatch{display:inline-block;width:10px;height:10px;margin-right:6px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
.muted{color:#666;font-size:.85rem}
.msg{white-space:pre-wrap;word-break:break-word;max-width:420px}
.scroll{overflow-x:auto;max-width:100%}
.grid>div{min-width:0}
"""


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th scope=\"col\">{e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            raw = isinstance(cell, Raw)
            cls = ' class="n"' if i in numeric else ""
            cells.append(f"<td{cls}>{cell if raw else e(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


class Raw(str):
    """Markup built here from escaped parts (never text from the store as such)."""


def render(review: Dict[str, Any]) -> str:
    w, t = review["window"], review["totals"]
    title = f"Conversation review {w['since']} – {w['until']}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{e(title)}</h1><p class=\"meta\">{e(w['days'])} days in {e(w['timezone'])}; store "
        f"{e(review['store'])}; generated {e(review['generated_at'])}</p></header><main>",
        _summary(review), _per_day(review), _outcomes(review), _language_channel(review), _topics(review),
        _asked_about(review), _first_answer(review), _handoffs(review), _unanswered(review), _privacy(review),
        "</main></body></html>"]
    if not t["turns"]:
        parts.insert(6, "<p><strong>No user messages in this window.</strong></p>")
    return "\n".join(parts)


def _summary(r: Dict[str, Any]) -> str:
    t, h, f = r["totals"], r["headline"], r["turns_to_first_answer"]
    cards = [("Conversations", t["conversations"], "conversations"), ("Turns", t["turns"], "turns"),
             ("Senders", t["senders"], "senders")]
    cards += [(LABELS[o], pct(h[o]), o) for o in HEADLINE]
    cards += [("Median turns to a first answer", "–" if f["median"] is None else f"{f['median']:g}", "median"),
              ("Hand-off summaries", t["handoffs"], "handoffs"),
              ("Unanswered messages", t["unanswered_messages"], "unanswered")]
    items = "".join(f'<div class="card" id="fig-{e(key)}"><dt>{e(name)}</dt><dd>{e(value)}</dd></div>'
                    for name, value, key in cards)
    return ('<section aria-labelledby="s-summary"><h2 id="s-summary">Summary</h2>'
            f'<dl class="cards">{items}</dl></section>')


def _per_day(r: Dict[str, Any]) -> str:
    days = r["per_day"]
    labels = [d["date"][5:] for d in days]
    convs = svg.vbars("Conversations per day", labels, [[d["conversations"]] for d in days],
                      [("conversations", "#1565c0")])
    shown = [o for o in OUTCOMES if any(d["outcomes"][o] for d in days)] or list(HEADLINE)
    turns = svg.vbars("Turns per day by outcome", labels, [[d["outcomes"][o] for o in shown] for d in days],
                      [(LABELS[o], COLOURS[o]) for o in shown])
    rows = [(d["date"], d["conversations"], d["turns"]) + tuple(d["outcomes"][o] for o in HEADLINE) for d in days]
    return ('<section aria-labelledby="s-day"><h2 id="s-day">Conversations and turns per day</h2>'
            f'<div class="grid"><div><h3>Conversations</h3>{convs}</div><div><h3>Turns, by outcome</h3>{turns}'
            f'</div></div>{table(["day", "conversations", "turns"] + [LABELS[o] for o in HEADLINE], rows, range(1, 7))}'
            '</section>')


def _outcomes(r: Dict[str, Any]) -> str:
    bar = svg.share_bar("Share of turns by outcome", [(LABELS[o["outcome"]], o["share"], COLOURS[o["outcome"]])
                                                      for o in r["outcomes"]])
    rows = [(Raw(f'<span class="swatch" style="background:{COLOURS[o["outcome"]]}"></span>{e(LABELS[o["outcome"]])}'),
             o["turns"], pct(o["share"]), DESCRIPTIONS[o["outcome"]]) for o in r["outcomes"]]
    return ('<section aria-labelledby="s-outcomes"><h2 id="s-outcomes">Outcome of each turn</h2>'
            f'{bar}{table(["outcome", "turns", "share of turns", "meaning"], rows, (1, 2))}</section>')


def _breakdown(rows: List[Dict[str, Any]], key: str) -> str:
    data = [(x[key], x["conversations"], x["turns"]) + tuple(
        pct(x["outcomes"][o] / x["turns"]) if x["turns"] else "–" for o in HEADLINE) for x in rows]
    return table([key, "conversations", "turns"] + [LABELS[o] for o in HEADLINE], data, range(1, 7))


def _language_channel(r: Dict[str, Any]) -> str:
    def chart(rows: List[Dict[str, Any]], key: str) -> str:
        return svg.hbars(f"Turns per {key}", [(x[key], [x["turns"]]) for x in rows], [("turns", "#1565c0")],
                         label_width=110)

    return ('<section aria-labelledby="s-lang"><h2 id="s-lang">Per language and per channel</h2><div class="grid">'
            f'<div><h3>Language</h3>{chart(r["per_language"], "language")}{_breakdown(r["per_language"], "language")}'
            f'</div><div><h3>Channel</h3>{chart(r["per_channel"], "channel")}'
            f'{_breakdown(r["per_channel"], "channel")}</div></div></section>')


def _topics(r: Dict[str, Any]) -> str:
    rows = [(x["topic"], [x["answered"], x["turns"] - x["answered"]]) for x in r["topics"]]
    chart = svg.hbars("Topics asked", rows, [("answered", COLOURS["answered"]), ("not answered", "#e57373")])
    return ('<section aria-labelledby="s-topics"><h2 id="s-topics">Topics asked</h2>'
            '<p class="muted">Per turn: the topics of the answers it got, else the topic of its intent.</p>'
            + chart + table(["topic", "turns", "answered"],
                            [(x["topic"], x["turns"], x["answered"]) for x in r["topics"]], (1, 2))
            + '</section>')


def _asked_about(r: Dict[str, Any]) -> str:
    titles = {"products": "Products", "clouds": "Clouds", "countries": "Countries",
              "not_covered": "Products not covered"}
    blocks = []
    for kind, title in titles.items():
        rows = r["asked_about"][kind]
        chart = svg.hbars(f"{title} asked about", [(x["name"], [x["turns"]]) for x in rows],
                          [("turns", "#00838f")], width=360, label_width=170) if rows else '<p class="muted">none</p>'
        listing = table(["name", "id", "turns"], [(x["name"], x["id"], x["turns"]) for x in rows], (2,)) if rows else ""
        blocks.append(f"<div><h3>{e(title)}</h3>{chart}{listing}</div>")
    return ('<section aria-labelledby="s-asked"><h2 id="s-asked">Products, clouds and countries asked about</h2>'
            '<p class="muted">Turns whose message named the value (values ruled out do not count).</p>'
            f'<div class="grid">{"".join(blocks)}</div></section>')


def _first_answer(r: Dict[str, Any]) -> str:
    f = r["turns_to_first_answer"]
    chart = svg.vbars("Conversations by turns to a first answer", [d["turns"] for d in f["distribution"]],
                      [[d["conversations"]] for d in f["distribution"]], [("conversations", "#5e35b1")],
                      width=360, height=200)
    median = "–" if f["median"] is None else f"{f['median']:g}"
    return ('<section aria-labelledby="s-first"><h2 id="s-first">Turns to a first answer</h2>'
            f'<p>Median <strong>{e(median)}</strong> user messages over {e(f["conversations"])} conversations; '
            f'{e(f["never_answered"])} conversations got no answer.</p>{chart}</section>')


def _handoffs(r: Dict[str, Any]) -> str:
    h = r["handoffs"]
    items = [(x["day"], x["language"], x["channel"], x["product"], x["environment"], x["severity"],
              Raw(f'<span class="msg">{e(x["impact"])}</span>'), x["conversation"]) for x in h["items"][:MAX_ROWS]]
    summary = ", ".join(f'{x["name"]}: {x["count"]}' for x in h["by_product"]) or "none"
    severities = ", ".join(f'{x["severity"]}: {x["count"]}' for x in h["by_severity"]) or "none"
    return ('<section aria-labelledby="s-handoff"><h2 id="s-handoff">Hand-off summaries prepared</h2>'
            f'<p><strong>{e(h["count"])}</strong> summaries. By product: {e(summary)}. '
            f'By severity: {e(severities)}.</p>'
            + (table(["day", "language", "channel", "product", "environment", "severity", "business impact (masked)",
                      "conversation"], items) if items else "") + "</section>")


def _unanswered(r: Dict[str, Any]) -> str:
    u = r["unanswered"]
    rows = []
    for g in u["groups"][:MAX_ROWS]:
        lang = next(iter(g["languages"]), "")
        text = Raw(f'<span class="msg" lang="{e(LANG_ATTR.get(lang, lang or "und"))}">{e(g["text"])}</span>'
                   + (f'<br><span class="muted">also: {e(" | ".join(g["variants"]))}</span>' if g["variants"] else ""))
        rows.append((g["count"], text, g["kinds"]["fallback"], g["kinds"]["abandoned_clarification"],
                     ", ".join(g["languages"]), ", ".join(g["channels"]), g["conversations"],
                     f'{g["first_seen"]} – {g["last_seen"]}'))
    more = len(u["groups"]) - MAX_ROWS
    return ('<section aria-labelledby="s-unanswered"><h2 id="s-unanswered">Unanswered messages</h2>'
            f'<p>{e(u["messages"])} messages (fallback turns and abandoned clarifications) in {e(len(u["groups"]))} '
            'groups of near-identical messages, masked. For labelling: review_candidates.yml.</p>'
            + (table(["count", "message", "fallback", "abandoned", "languages", "channels", "conversations", "seen"],
                     rows, (0, 2, 3, 6)) if rows else "")
            + (f'<p class="muted">{e(more)} more groups in review.json.</p>' if more > 0 else "") + "</section>")


def _privacy(r: Dict[str, Any]) -> str:
    p = r["privacy"]
    return ('<section aria-labelledby="s-privacy"><h2 id="s-privacy">Privacy</h2>'
            f'<p class="muted">Messages: {e(p["masking"])}. Conversations: {e(p["sender_ids"])}. '
            'Read from the store directly, never through the assistant\'s API.</p></section>')
