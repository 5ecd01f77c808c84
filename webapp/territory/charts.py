"""Server-side SVG charts of the territory page: offers and seekers by département, and the
weekly series of new offers. Readable without JavaScript; each chart's ``<title>`` says every
value in words for screen readers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

from matcher.analytics.potential import AreaFigures, WeekCount

TEXT = "#1a1a1a"
OFFERS_COLOUR = "#1f4e8c"
SEEKERS_COLOUR = "#8a4b08"
GRID = "#b8c0cc"
#: Drawn 360 units wide, about the width of a phone's column, so that the 13-unit text reads
#: at 12–13 px there; the page caps the drawing's width on larger screens.
WIDTH = 360
FONT = 13
BAR_W = 290
ROW_H = 58
BAR_H = 14
MAX_ROWS = 15

SERIES_H = 220
PLOT_TOP = 22
PLOT_BOTTOM = 36
PLOT_LEFT = 30
MAX_DAY_LABELS = 7

_ids = itertools.count(1)


def _svg(title: str, width: int, height: int, body: str) -> Markup:
    title_id = f"territory-chart-{next(_ids)}"
    return Markup(
        f'<svg class="territory-chart" role="img" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}" fill="{TEXT}"><title id="{title_id}">{escape(title)}</title>'
        f"{body}</svg>")


def department_bars_svg(rows: Sequence[AreaFigures]) -> Markup:
    """Two bars per département (offers, seekers), scaled to the largest value, the
    département's name on its own line above them."""
    shown = list(rows[:MAX_ROWS])
    top = max([1, *(r.offers for r in shown), *(r.seekers for r in shown)])
    legend_h = 24
    parts = [
        f'<rect x="0" y="5" width="12" height="12" fill="{OFFERS_COLOUR}"/>'
        '<text x="18" y="15">offres</text>'
        f'<rect x="90" y="5" width="12" height="12" fill="{SEEKERS_COLOUR}"/>'
        '<text x="108" y="15">demandeurs</text>'
    ]
    for i, row in enumerate(shown):
        y = legend_h + i * ROW_H
        parts.append(f'<text x="0" y="{y + 14}" font-weight="600">{escape(row.name)}</text>')
        for j, (value, colour) in enumerate(((row.offers, OFFERS_COLOUR),
                                             (row.seekers, SEEKERS_COLOUR))):
            bar_y = y + 20 + j * (BAR_H + 3)
            width = round(value / top * BAR_W, 1)
            parts.append(f'<rect x="0" y="{bar_y}" width="{width}" height="{BAR_H}" '
                         f'fill="{colour}"/>'
                         f'<text x="{width + 5}" y="{bar_y + BAR_H / 2}" '
                         f'dominant-baseline="middle">{value}</text>')
    title = "Offres et demandeurs par département : " + ("; ".join(
        f"{r.name} {r.offers} offre(s), {r.seekers} demandeur(s)" for r in shown) or "aucun")
    height = legend_h + max(len(shown), 1) * ROW_H
    return _svg(title, WIDTH, height, "".join(parts))


def weekly_series_svg(weeks: Sequence[WeekCount]) -> Markup:
    """One column per week (oldest first), labelled by the week's first day (every other
    week when there are many, so the labels never overlap)."""
    top = max([1, *(w.offers for w in weeks)])
    plot_h = SERIES_H - PLOT_TOP - PLOT_BOTTOM
    plot_w = WIDTH - PLOT_LEFT - 6
    step = plot_w / max(len(weeks), 1)
    every = max(1, -(-len(weeks) // MAX_DAY_LABELS))
    base = PLOT_TOP + plot_h
    parts = [
        f'<line x1="{PLOT_LEFT}" y1="{base}" x2="{WIDTH - 6}" y2="{base}" stroke="{GRID}"/>',
        f'<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{WIDTH - 6}" y2="{PLOT_TOP}" '
        f'stroke="{GRID}" stroke-dasharray="4 4"/>',
        f'<text x="{PLOT_LEFT - 5}" y="{PLOT_TOP}" text-anchor="end" '
        f'dominant-baseline="middle">{top}</text>',
        f'<text x="{PLOT_LEFT - 5}" y="{base}" text-anchor="end" '
        f'dominant-baseline="middle">0</text>',
    ]
    for i, week in enumerate(weeks):
        height = round(week.offers / top * plot_h, 1)
        x = PLOT_LEFT + i * step + step * 0.15
        width = round(step * 0.7, 1)
        parts.append(f'<rect x="{x:.1f}" y="{base - height}" width="{width}" height="{height}" '
                     f'fill="{OFFERS_COLOUR}"/>')
        if week.offers:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{base - height - 5}" '
                         f'text-anchor="middle">{week.offers}</text>')
        if i % every == 0:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{base + 18}" '
                         f'text-anchor="middle">{week.start:%d/%m}</text>')
    title = "Nouvelles offres par semaine : " + ("; ".join(
        f"semaine du {w.start:%d/%m/%Y} : {w.offers}" for w in weeks) or "aucune")
    return _svg(title, WIDTH, SERIES_H, "".join(parts))
