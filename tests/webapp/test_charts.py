"""The server-side SVG score chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from matcher.results import ScoreComponent
from webapp.charts import BAR_WIDTH, percent, score_bars_svg

SVG = "{http://www.w3.org/2000/svg}"


def _components(count: int) -> list[ScoreComponent]:
    return [ScoreComponent(f"c{i}", f"Composante <{i}>", i / count, 1.0, 0.1, 1 / count)
            for i in range(count)]


def test_one_bar_per_component() -> None:
    for count in (1, 3, 5):
        svg = str(score_bars_svg(_components(count)))
        root = ET.fromstring(svg)
        bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
        assert len(bars) == count


def test_accessible_name_and_text_labels() -> None:
    root = ET.fromstring(str(score_bars_svg(_components(2), chart_id="x")))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.get("id") == root.get("aria-labelledby") == "score-chart-x"
    assert "Ce qui compte dans ce classement" in (title.text or "")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Composante <0>" in texts  # escaped in the markup, readable once parsed


def test_labels_are_escaped() -> None:
    svg = str(score_bars_svg(_components(1)))
    assert "<0>" not in svg and "&lt;0&gt;" in svg


def test_bar_width_follows_value_and_is_clamped() -> None:
    comps = [ScoreComponent("a", "A", 0.5, 1, 0.5, 0.5), ScoreComponent("b", "B", 1.7, 1, 1, 0.5)]
    widths = re.findall(r'class="bar"[^>]*width="([\d.]+)"', str(score_bars_svg(comps)))
    assert [float(w) for w in widths] == [BAR_WIDTH / 2, BAR_WIDTH]


def test_no_components_still_valid_svg() -> None:
    root = ET.fromstring(str(score_bars_svg([])))
    assert root.find(f"{SVG}title") is not None


def test_percent_is_french() -> None:
    assert percent(0.824) == "82\u00a0%"


def test_values_are_words_not_numbers() -> None:
    comps = [ScoreComponent("a", "Métier", 0.93, 1, 0.5, 0.6),
             ScoreComponent("b", "Distance", 0.1, 1, 0.1, 0.4)]
    svg = str(score_bars_svg(comps))
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "très favorable" in texts and "défavorable" in texts
    assert not re.search(r"\d\s*%|0[.,]\d", "".join(t or "" for t in texts))


def test_a_part_that_did_not_count_is_not_called_unfavourable() -> None:
    comps = [ScoreComponent("contract", "Type de contrat", 0.0, 0.0, 0.0, 0.0),
             ScoreComponent("distance", "Distance", 0.0, 1.0, 0.0, 0.0)]
    root = ET.fromstring(str(score_bars_svg(comps, chart_id="u")))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Type de contrat", "non évalué", "Distance", "défavorable"]
    title = root.find(f"{SVG}title")
    assert title is not None and "Type de contrat : non évalué" in (title.text or "")


def test_the_longest_component_label_fits_before_its_bar() -> None:
    from matcher.matcher import COMPONENT_LABELS
    from webapp.charts import FONT_SIZE, LABEL_WIDTH

    longest = max(len(label) for label in COMPONENT_LABELS.values())
    assert longest * FONT_SIZE * 0.55 <= LABEL_WIDTH - 8    # 0.55 em: a wide sans-serif letter
