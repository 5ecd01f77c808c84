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
LABEL_W = 190
BAR_W = 300
VALUE_W = 70
ROW_H = 40
BAR_H = 14
MAX_ROWS = 15

SERIES_W = 640
SERIES_H = 220
PLOT_TOP = 20
PLOT_BOTTOM = 40
PLOT_LEFT = 40

_ids = itertools.count(1)


def _svg(title: str, width: int, height: int, body: str) -> Markup:
    title_id = f"territory-chart-{next(_ids)}"
    return Markup(
        f'<svg class="territory-chart" role="img" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" '
        f'font-size="13" fill="{TEXT}"><title id="{title_id}">{escape(title)}</title>'
        f"{body}</svg>")


def department_bars_svg(rows: Sequence[AreaFigures]) -> Markup:
    """Two bars per département (offers, seekers), scaled to the largest value."""
    shown = list(rows[:MAX_ROWS])
    top = max([1, *(r.offers for r in shown), *(r.seekers for r in shown)])
    legend_h = 24
    parts = [
        f'<rect x="0" y="4" width="12" height="12" fill="{OFFERS_COLOUR}"/>'
        '<text x="18" y="14">offres</text>'
        f'<rect x="90" y="4" width="12" height="12" fill="{SEEKERS_COLOUR}"/>'
        '<text x="108" y="14">demandeurs</text>'
    ]
    for i, row in enumerate(shown):
        y = legend_h + i * ROW_H
        label = escape(f"{row.name} ({row.code})")
        parts.append(f'<text x="0" y="{y + ROW_H / 2}" dominant-baseline="middle">{label}</text>')
        for j, (value, colour) in enumerate(((row.offers, OFFERS_COLOUR),
                                             (row.seekers, SEEKERS_COLOUR))):
            bar_y = y + 5 + j * (BAR_H + 2)
            width = round(value / top * BAR_W, 1)
            parts.append(f'<rect x="{LABEL_W}" y="{bar_y}" width="{width}" height="{BAR_H}" '
                         f'fill="{colour}"/>'
                         f'<text x="{LABEL_W + width + 6}" y="{bar_y + BAR_H / 2}" '
                         f'dominant-baseline="middle">{value}</text>')
    title = "Offres et demandeurs par département : " + ("; ".join(
        f"{r.name} {r.offers} offre(s), {r.seekers} demandeur(s)" for r in shown) or "aucun")
    height = legend_h + max(len(shown), 1) * ROW_H
    return _svg(title, LABEL_W + BAR_W + VALUE_W, height, "".join(parts))


def weekly_series_svg(weeks: Sequence[WeekCount]) -> Markup:
    """One column per week (oldest first), labelled by the week's first day."""
    top = max([1, *(w.offers for w in weeks)])
    plot_h = SERIES_H - PLOT_TOP - PLOT_BOTTOM
    plot_w = SERIES_W - PLOT_LEFT - 10
    step = plot_w / max(len(weeks), 1)
    base = PLOT_TOP + plot_h
    parts = [
        f'<line x1="{PLOT_LEFT}" y1="{base}" x2="{SERIES_W - 10}" y2="{base}" stroke="{GRID}"/>',
        f'<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{SERIES_W - 10}" y2="{PLOT_TOP}" '
        f'stroke="{GRID}" stroke-dasharray="4 4"/>',
        f'<text x="{PLOT_LEFT - 6}" y="{PLOT_TOP}" text-anchor="end" '
        f'dominant-baseline="middle">{top}</text>',
        f'<text x="{PLOT_LEFT - 6}" y="{base}" text-anchor="end" '
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
        parts.append(f'<text x="{x + width / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                     f'font-size="11">{week.start:%d/%m}</text>')
    title = "Nouvelles offres par semaine : " + ("; ".join(
        f"semaine du {w.start:%d/%m/%Y} : {w.offers}" for w in weeks) or "aucune")
    return _svg(title, SERIES_W, SERIES_H, "".join(parts))
