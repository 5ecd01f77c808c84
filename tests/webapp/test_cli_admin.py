"""``emploi admin`` and the demo accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from webapp.cli import main
from webapp.cli.demo_accounts import seed
from webapp.db import get_database
from webapp.models import Role
from webapp.repositories import ownership, users


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("EMPLOI_DATABASE_URL", url)
    monkeypatch.setenv("EMPLOI_SECRET_KEY", "cli-test")
    return url


def test_admin_commands(cli_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["admin", "db-upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["admin", "create-user", "--role", "counsellor", "--email",
                                  "Conseil@Exemple.fr", "--name", "Claire"])
    assert result.exit_code == 0, result.output
    assert "created counsellor account conseil@exemple.fr" in result.output
    assert len(result.output.split("password: ")[1].strip()) >= 20
    result = runner.invoke(main, ["admin", "create-user", "--role", "seeker", "--email",
                                  "s@exemple.fr", "--password-stdin"],
                           input="un mot de passe assez long\n")
    assert result.exit_code == 0 and "password:" not in result.output
    short = runner.invoke(main, ["admin", "create-user", "--role", "seeker", "--email",
                                 "t@exemple.fr", "--password-stdin"], input="court\n")
    assert short.exit_code == 2
    again = runner.invoke(main, ["admin", "create-user", "--role", "seeker", "--email",
                                 "s@exemple.fr"])
    assert again.exit_code == 2 and "existe déjà" in again.output
    token = runner.invoke(main, ["admin", "create-token", "--email", "conseil@exemple.fr"])
    assert token.exit_code == 0 and token.output.startswith("ie_")
    linked = runner.invoke(main, ["admin", "link", "--email", "conseil@exemple.fr",
                                  "--target", "P-AGRI"])
    assert linked.exit_code == 0, linked.output


def test_every_admin_command_has_help() -> None:
    runner = CliRunner()
    for command in ("db-upgrade", "create-user", "create-token", "link"):
        result = runner.invoke(main, ["admin", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_serve_documents_threads_and_workers() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "--threads" in result.output and "--workers" in result.output
    assert "--secure-cookies" in result.output


def test_demo_accounts(app: Flask, engine: Any) -> None:
    with app.app_context(), get_database(app).sessions() as session:
        first = seed(session, engine)
        second = seed(session, engine)
        roles = [a.role for a in first]
        assert roles.count(Role.ADMIN) == 1 and roles.count(Role.COUNSELLOR) == 2
        assert roles.count(Role.EMPLOYER) == 2 and roles.count(Role.SEEKER) >= 2
        assert {a.email for a in first} == {a.email for a in second}
        assert all(a.password != b.password for a, b in zip(first, second, strict=True))
        for account in first:
            user = users.by_email(session, account.email)
            assert user is not None
            if account.role is Role.SEEKER:
                assert ownership.profile_of(session, user) in engine.profiles.ids()
            if account.role is Role.EMPLOYER:
                assert ownership.offers_of(session, user)
