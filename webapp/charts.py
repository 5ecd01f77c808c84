"""Server-side SVG charts: a horizontal bar per score component, readable without JavaScript.

Each bar says in a word how favourable its part of the match is ("très favorable" to
"défavorable", or "non évalué" for a part that could not be judged and did not count); no raw
number is printed on the page."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup, escape

ROW_HEIGHT = 26
BAR_HEIGHT = 14
LABEL_WIDTH = 180
BAR_WIDTH = 80
VALUE_WIDTH = 130
FONT_SIZE = 14
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
TEXT_COLOUR = "#1a1a1a"
TRACK_COLOUR = "#e3e7ee"
BAR_COLOUR = "#1f4e8c"

_chart_ids = itertools.count(1)


class Component(Protocol):
    """What the chart needs from a score component (``matcher.results.ScoreComponent``)."""

    @property
    def label(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def share(self) -> float: ...
    @property
    def weight(self) -> float: ...


def percent(value: float) -> str:
    """A ratio as a French percentage: 0.824 → '82 %'."""
    return f"{round(_clamp(value) * 100):d}\u00a0%"


#: (lowest value, word): how one part of a match reads, from its value in [0, 1].
COMPONENT_WORDS = ((0.8, "très favorable"), (0.55, "favorable"), (0.3, "partiel"),
                   (0.0, "défavorable"))


UNJUDGED = "non évalué"
"""The word for a part of the match that could not be judged (no weight in the score: the
offer names no contract, the profile gives no experience…)."""


def component_word(value: float) -> str:
    """A component's value in a word: 0.9 → 'très favorable', 0.1 → 'défavorable'."""
    clamped = _clamp(value)
    return next(word for floor, word in COMPONENT_WORDS if clamped >= floor)


def judged_word(component: Component) -> str:
    """:func:`component_word`, or :data:`UNJUDGED` when the component did not count."""
    return component_word(component.value) if component.weight > 0 else UNJUDGED


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _row(index: int, component: Component) -> str:
    """One labelled bar: the label, a track, the bar (its value) and the value as text."""
    top = index * ROW_HEIGHT
    middle = top + ROW_HEIGHT / 2
    bar_y = top + (ROW_HEIGHT - BAR_HEIGHT) / 2
    width = round(_clamp(component.value) * BAR_WIDTH, 1) if component.weight > 0 else 0.0
    label = escape(component.label)
    value_text = judged_word(component)
    return (
        f'<g class="score-row">'
        f'<text x="0" y="{middle}" dominant-baseline="middle">{label}</text>'
        f'<rect class="track" x="{LABEL_WIDTH}" y="{bar_y}" width="{BAR_WIDTH}" '
        f'height="{BAR_HEIGHT}" fill="{TRACK_COLOUR}"/>'
        f'<rect class="bar" x="{LABEL_WIDTH}" y="{bar_y}" width="{width}" '
        f'height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
        f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{middle}" '
        f'dominant-baseline="middle">{escape(value_text)}</text>'
        f"</g>"
    )


def chart_title(components: Sequence[Component]) -> str:
    """The chart's accessible name: every component in words."""
    parts = [f"{c.label} : {judged_word(c)}" for c in components]
    return "Ce qui compte dans ce classement : " + ("; ".join(parts) if parts else "rien")


def score_bars_svg(components: Sequence[Component], chart_id: str | None = None) -> Markup:
    """An accessible horizontal bar chart of score components, one bar per component.

    Each bar's length is the component's value in [0, 1]; the word beside it says how
    favourable that part is. ``chart_id`` makes the ``<title>`` id unique
    on a page (a counter is used when omitted).
    """
    title_id = f"score-chart-{chart_id or next(_chart_ids)}"
    height = max(len(components), 1) * ROW_HEIGHT
    rows = "".join(_row(index, component) for index, component in enumerate(components))
    return Markup(
        f'<svg class="score-chart" role="img" aria-labelledby="{escape(title_id)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">'
        f'<title id="{escape(title_id)}">{escape(chart_title(components))}</title>'
        f"{rows}</svg>"
    )
