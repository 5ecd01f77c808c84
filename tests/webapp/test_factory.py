"""The app factory, its extensions (engine, database) and configuration."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from flask import Flask

from webapp import create_app
from webapp.db import get_database
from webapp.engine_ext import EXTENSION_KEY, get_engine


def test_config_defaults_then_test_config(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert not create_app({"DATABASE_URL": url, "SECRET_KEY": "x"}).testing
    assert create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"}).testing


def test_test_config_engine_is_used(app: Flask, engine: Any) -> None:
    with app.app_context():
        assert get_engine() is engine
    assert app.extensions[EXTENSION_KEY] is engine


def test_engine_built_lazily_once(engine: Any, database_url: str) -> None:
    calls: list[object] = []

    def factory(config: Any) -> Any:
        calls.append(config)
        return engine

    app = create_app({"TESTING": True, "ENGINE_FACTORY": factory, "DATABASE_URL": database_url,
                      "SECRET_KEY": "x"})
    assert calls == []
    client = app.test_client()
    assert client.get("/recherche?titles=vendeur").status_code == 200
    assert client.get("/offres/OF-VENTE-1").status_code == 200
    assert len(calls) == 1
    with app.app_context():
        assert get_engine() is engine


def test_database_defaults_to_the_instance_folder(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("EMPLOI_DATABASE_URL", raising=False)
    monkeypatch.delenv("EMPLOI_SECRET_KEY", raising=False)
    app = Flask("x", instance_path=str(tmp_path / "instance"))
    from webapp.db import database_url

    assert database_url(app) == f"sqlite:///{tmp_path / 'instance' / 'emploi.sqlite3'}"
    monkeypatch.setenv("EMPLOI_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url(app) == "postgresql+psycopg://u@h/db"


def test_secret_key_is_random_and_kept_in_the_instance_folder(tmp_path: Path) -> None:
    from webapp import _instance_secret

    first = _instance_secret(tmp_path)
    assert len(first) == 64 and first == _instance_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_wsgi_module_exposes_an_app(tmp_path: Path, monkeypatch: Any) -> None:
    import importlib

    monkeypatch.setenv("EMPLOI_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("EMPLOI_SECRET_KEY", "x")
    module = importlib.import_module("webapp.wsgi")
    assert isinstance(module.app, Flask)
    get_database(module.app).dispose()


def test_runner_fixture(runner: Any) -> None:
    result = runner.invoke(args=["--help"])
    assert result.exit_code == 0
