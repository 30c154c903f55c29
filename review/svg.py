"""Bar charts as inline SVG text: the page stays one file, readable offline, with no script, font or image
loaded from anywhere. Every label is escaped; each bar carries a <title> (its value, shown on hover), and
the page beside each chart has a table with the same numbers.
"""
from __future__ import annotations

from html import escape
from typing import List, Optional, Sequence, Tuple

FONT = 12
Series = Tuple[str, str]                 # (name, colour)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _svg(width: int, height: int, label: str, body: List[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(label)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart">'
            f'<title>{_e(label)}</title>' + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], x: float, width: float) -> Tuple[List[str], int]:
    """Legend items from `x`, wrapped at `width`; returns the elements and the height they take."""
    if len(series) < 2:
        return [], 0
    out, cursor, y = [], x, 14
    for name, colour in series:
        step = 24 + 7 * len(name)
        if cursor > x and cursor + step > width:
            cursor, y = x, y + 16
        out.append(f'<rect x="{cursor:.1f}" y="{y - 9}" width="10" height="10" fill="{_e(colour)}"/>'
                   f'<text x="{cursor + 14:.1f}" y="{y}" font-size="{FONT}">{_e(name)}</text>')
        cursor += step
    return out, y + 8


def _fit(label: str, width: float) -> str:
    """A label cut to what `width` pixels hold (the whole label stays in the bar's <title>)."""
    room = max(4, int(width / 7.4))
    return label if len(label) <= room else label[:room - 1] + "…"


def hbars(label: str, rows: Sequence[Tuple[str, Sequence[float]]], series: Sequence[Series],
          width: int = 640, label_width: int = 190) -> str:
    """Horizontal bars, one per row, stacked by series; the total at the end of each bar."""
    bar, gap = 18, 6
    body, legend = _legend(series, label_width, width)
    height = legend + max(1, len(rows)) * (bar + gap) + 4
    longest = max((sum(v) for _, v in rows), default=0) or 1
    span = width - label_width - 60
    for i, (name, values) in enumerate(rows):
        y = legend + i * (bar + gap)
        body.append(f'<text x="{label_width - 6}" y="{y + bar - 5}" font-size="{FONT}" text-anchor="end">'
                    f'<title>{_e(name)}</title>{_e(_fit(name, label_width - 8))}</text>')
        x = float(label_width)
        for (series_name, colour), value in zip(series, values, strict=False):
            w = span * value / longest
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{_e(colour)}">'
                            f'<title>{_e(name)}: {_e(series_name)} {_fmt(value)}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + bar - 5}" font-size="{FONT}">{_fmt(sum(values))}</text>')
    return _svg(width, height, label, body)


def vbars(label: str, categories: Sequence[str], values: Sequence[Sequence[float]], series: Sequence[Series],
          width: int = 640, height: int = 240, tick: Optional[int] = None) -> str:
    """Vertical bars, one per category, stacked by series (`values[i]` are category i's values)."""
    legend, legend_height = _legend(series, 40, width)
    left, bottom, top = 40, 36, legend_height + 8
    height += legend_height
    plot_w, plot_h = width - left - 8, height - bottom - top
    highest = max((sum(v) for v in values), default=0) or 1
    n = max(1, len(categories))
    slot = plot_w / n
    bar = max(2.0, slot * 0.7)
    tick = tick or max(1, (n + 9) // 10)                  # at most about ten labels on the axis
    body = legend
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="#888"/>')
    body.append(f'<text x="{left - 4}" y="{top + 9}" font-size="{FONT}" text-anchor="end">{_fmt(highest)}</text>'
                f'<text x="{left - 4}" y="{top + plot_h}" font-size="{FONT}" text-anchor="end">0</text>')
    for i, (category, stack) in enumerate(zip(categories, values, strict=True)):
        x = left + i * slot + (slot - bar) / 2
        y = float(top + plot_h)
        for (series_name, colour), value in zip(series, stack, strict=False):
            h = plot_h * value / highest
            if h > 0:
                y -= h
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{_e(colour)}">'
                            f'<title>{_e(category)}: {_e(series_name)} {_fmt(value)}</title></rect>')
        if i % tick == 0:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" font-size="{FONT}" '
                        f'text-anchor="middle">{_e(category)}</text>')
    return _svg(width, height, label, body)


def share_bar(label: str, parts: Sequence[Tuple[str, float, str]], width: int = 640) -> str:
    """One bar split into shares (name, share 0..1, colour)."""
    height = 34
    body, x = [], 0.0
    for name, share, colour in parts:
        w = width * share
        if w > 0:
            body.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="26" fill="{_e(colour)}">'
                        f'<title>{_e(name)}: {share * 100:.1f} %</title></rect>')
            x += w
    if x == 0:
        body.append(f'<rect x="0" y="4" width="{width}" height="26" fill="#eee"/>')
    return _svg(width, height, label, body)
