"""Every template names only filters and tests the app registers.

A filter is looked up when its expression runs, so a branch that the sample data never
reaches (the seeker diagnosis's actions, say) would only fail in front of a user."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import nodes


def _templates(app: Flask) -> list[Path]:
    folder = Path(app.root_path) / (app.template_folder or "templates")
    found = sorted(folder.rglob("*.html"))
    assert found, f"no templates under {folder}"
    return found


def test_every_filter_and_test_a_template_uses_is_registered(app: Flask) -> None:
    env = app.jinja_env
    unknown: list[str] = []
    for path in _templates(app):
        tree = env.parse(path.read_text(encoding="utf-8"))
        unknown += [f"{path.name}: filter {node.name}" for node in tree.find_all(nodes.Filter)
                    if node.name not in env.filters]
        unknown += [f"{path.name}: test {node.name}" for node in tree.find_all(nodes.Test)
                    if node.name not in env.tests]
    assert unknown == []
