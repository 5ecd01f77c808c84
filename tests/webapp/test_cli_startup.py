"""The ``emploi`` command starts light: the web app (Flask, SQLAlchemy, the pages) is imported
only by the commands that need it, and the lazily loaded subcommands still work."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import webapp
from indexer.encoders import encodes_faster_than_cache
from matcher.engine import Engine
from matcher.related_skills import taxonomy_skill_labels
from webapp.cli import main

ROOT = Path(__file__).resolve().parents[2]
WEB_MODULES = ("flask", "sqlalchemy", "alembic", "webapp.app", "webapp.db")


def test_importing_the_command_imports_no_web_stack() -> None:
    code = ("import sys, webapp.cli; "
            f"print(','.join(m for m in {WEB_MODULES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    assert loaded == ""


@pytest.mark.parametrize(("command", "words"), [
    (["admin", "--help"], "Accounts and the database"),
    (["messages", "--help"], "counsellors' inbox"),
    (["eval", "--help"], "--set"),
    (["train-ranking", "--help"], "--set"),
])
def test_lazy_subcommands_load_when_invoked(command: list[str], words: str) -> None:
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert words in result.output


def test_the_help_lists_the_lazy_subcommands_with_the_others() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("admin", "eval", "eval-sets", "messages", "search", "serve", "index"):
        assert f"  {name} " in result.output


def test_the_package_exposes_create_app_and_nothing_unknown() -> None:
    assert callable(webapp.create_app)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = webapp.nope


def test_the_warm_up_prepares_reads_and_labels_then_freezes_what_is_loaded(
        tiny_engine: Engine) -> None:
    from webapp.cli import _warm_up

    gc.unfreeze()
    try:
        warm_up = _warm_up(tiny_engine)
        warm_up.join(timeout=120)
        assert not warm_up.is_alive()
        assert gc.get_freeze_count() > 0  # loaded objects out of the full collections' walk
        labels = set(taxonomy_skill_labels(tiny_engine.taxonomy))
        known = set(tiny_engine.skill_neighbours._vectors)
        if encodes_faster_than_cache(tiny_engine.encoder):  # every label, ahead
            assert labels <= known
        else:  # a slower encoder fetches labels as requests ask for them
            assert tiny_engine.prepare_skill_vectors() == 0 and not labels <= known
    finally:
        gc.unfreeze()
