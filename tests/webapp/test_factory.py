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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_defaults_to_the_instance_folder(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("EMPLOI_DATABASE_URL", raising=False)
    monkeypatch.delenv("EMPLOI_SECRET_KEY", raising=False)
    monkeypatch.setenv("EMPLOI_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app({"TESTING": True})
    instance = tmp_path / "instance"
    assert get_database(app).url == f"sqlite:///{instance / 'emploi.sqlite3'}"
    # the instance folder, the database (and its write-ahead log) and the secret key are
    # readable by their owner only
    assert _mode(instance) == 0o700
    assert _mode(instance / "secret_key") == 0o600
    for path in instance.glob("emploi.sqlite3*"):
        assert _mode(path) == 0o600, path
    get_database(app).dispose()


def test_configuration_comes_from_the_settings_object(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("EMPLOI_INSTANCE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("EMPLOI_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("EMPLOI_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("EMPLOI_OUTCOMES_FILE", str(tmp_path / "spells.csv"))
    monkeypatch.setenv("EMPLOI_TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert get_database(app).url == f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["OUTCOMES_FILE"] == str(tmp_path / "spells.csv")
    assert app.config["TRUSTED_PROXIES"] == 1
    assert app.config["SETTINGS"].trusted_proxies == 1
    get_database(app).dispose()


def test_no_scattered_environment_reads_in_the_web_app() -> None:
    root = Path(__file__).resolve().parents[2] / "webapp"
    readers = [path for path in root.rglob("*.py")
               if "os.environ" in path.read_text() or "getenv" in path.read_text()]
    assert readers == []  # configuration comes from indexer.settings.Settings only


def test_secret_key_is_random_and_kept_in_the_instance_folder(tmp_path: Path) -> None:
    from webapp.instance import instance_secret

    folder = tmp_path / "instance"
    first = instance_secret(folder)
    assert len(first) == 64 and first == instance_secret(folder)
    assert _mode(folder / "secret_key") == 0o600
    assert _mode(folder) == 0o700


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
