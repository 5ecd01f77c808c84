"""The app factory and the engine extension."""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp import create_app
from webapp.engine_ext import EXTENSION_KEY, get_engine


def test_config_defaults_then_test_config() -> None:
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing


def test_test_config_engine_is_used(app: Flask, engine: Any) -> None:
    with app.app_context():
        assert get_engine() is engine
    assert app.extensions[EXTENSION_KEY] is engine


def test_engine_built_lazily_once(engine: Any) -> None:
    calls: list[object] = []

    def factory(config: Any) -> Any:
        calls.append(config)
        return engine

    app = create_app({"TESTING": True, "ENGINE_FACTORY": factory})
    assert calls == []
    client = app.test_client()
    assert client.get("/chercheur").status_code == 200
    assert client.get("/employeur").status_code == 200
    assert len(calls) == 1
    with app.app_context():
        assert get_engine() is engine


def test_wsgi_module_exposes_an_app() -> None:
    import importlib

    module = importlib.import_module("webapp.wsgi")
    assert isinstance(module.app, Flask)


def test_runner_fixture(runner: Any) -> None:
    result = runner.invoke(args=["--help"])
    assert result.exit_code == 0
