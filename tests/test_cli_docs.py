"""Every CLI command answers --help and is documented in the README (as sqlite-utils does)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from webapp.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path, through click's public listing (which loads the lazy ones)."""
    found: list[tuple[str, ...]] = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


COMMANDS = _commands(main)


def test_the_commands_the_issues_name_exist() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"index", "match offers", "match candidates", "search", "serve", "demo",
            "eval", "eval-sets", "admin create-user"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path))
def test_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


@pytest.mark.parametrize("path", [p for p in COMMANDS
                                  if not isinstance(main.get_command(click.Context(main), p[0]),
                                                    click.Group) or len(p) > 1],
                         ids=lambda path: " ".join(path))
def test_documented_in_readme(path: tuple[str, ...]) -> None:
    assert f"emploi {' '.join(path)}" in README, f"`emploi {' '.join(path)}` is not in README.md"
