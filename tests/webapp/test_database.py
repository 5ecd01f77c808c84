"""The schema: Alembic migrations match the models, and go up and down."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from webapp.db import Database, alembic_config, upgrade
from webapp.models import Base


def test_migrations_build_the_models_schema(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(database)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
    tables = set(inspect(database.engine).get_table_names())
    assert {"users", "api_tokens", "seeker_links", "offer_ownerships", "counsellor_assignments",
            "contact_requests", "consents", "tag_edits", "profile_overrides", "erased_profiles",
            "login_attempts", "user_sessions", "claim_codes", "saved_offers"} <= tables
    assert "login_failures" not in tables
    database.dispose()


def test_migrations_go_down_and_up(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    config = alembic_config(database)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert "users" in inspect(database.engine).get_table_names()
    database.dispose()


def _upgrade_when_released(url: str, start: Any) -> None:
    start.wait()
    database = Database(url)
    upgrade(database)
    database.dispose()


def test_processes_starting_together_upgrade_one_at_a_time(tmp_path: Path) -> None:
    """gunicorn's workers and an ``emploi admin`` command open a fresh database at once:
    every one of them must come up (none may try to create a table another just made)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_upgrade_when_released, args=(url, start))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    database = Database(url)
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.dispose()
