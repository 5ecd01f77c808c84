"""The database as a Flask extension: one SQLAlchemy engine per app, one session per request.

The URL is ``DATABASE_URL`` in the app config (the settings' ``database_url``,
``EMPLOI_DATABASE_URL``), else a SQLite file in the instance folder
(``instance/emploi.sqlite3``, mode 0600, in a 0700 folder). PostgreSQL works with a
``postgresql+psycopg://`` URL (install ``psycopg``). The schema is managed by Alembic
(:func:`upgrade`), run at app start unless ``DB_AUTO_UPGRADE`` is false.

SQLite runs with ``secure_delete`` (deleted rows are overwritten with zeros) and, after an
erasure, :func:`purge_deleted` checkpoints and truncates the write-ahead log, so an erased
person's rows are gone from every file when the request answers.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from indexer.permissions import private_folder

logger = logging.getLogger(__name__)

EXTENSION_KEY = "emploi_db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = _create_engine(url)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def database_url(app: Flask) -> str:
    """The configured URL, or the SQLite file of the instance folder."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    private_folder(Path(app.instance_path))
    return f"sqlite:///{Path(app.instance_path) / 'emploi.sqlite3'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _private_sqlite_files(path: Path) -> None:
    """The database file (and its journal files) readable by their owner only; SQLite gives
    the ``-wal`` and ``-shm`` files it creates the mode of the database file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for candidate in (path, path.with_name(path.name + "-wal"),
                      path.with_name(path.name + "-shm")):
        if candidate.exists():
            os.chmod(candidate, 0o600)


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _private_sqlite_files(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    """Open the database, upgrade its schema (unless disabled), close sessions on teardown."""
    database = Database(database_url(app))
    app.extensions[EXTENSION_KEY] = database
    if app.config.get("DB_AUTO_UPGRADE", True):
        upgrade(database)
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    """The app's :class:`Database`."""
    database: Database = (app or current_app).extensions[EXTENSION_KEY]
    return database


def db() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db_session" not in g:
        g.db_session = get_database().sessions()
    session: Session = g.db_session
    return session


def _close_session(_error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


CHECKPOINT_ATTEMPTS = 50


def purge_deleted(database: Database) -> None:
    """Make deleted rows unrecoverable from the files: on SQLite, checkpoint the write-ahead
    log into the database (whose freed cells ``secure_delete`` zeroed) and truncate it.

    A reader in the middle of a query can delay the checkpoint; it is retried for about 5 s,
    then ``RuntimeError``. Other databases manage their own storage (PostgreSQL: ``VACUUM``).
    """
    if database.engine.dialect.name != "sqlite":
        return
    for _attempt in range(CHECKPOINT_ATTEMPTS):
        with database.engine.connect() as connection:
            busy, _log, _done = connection.execute(
                text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        if not busy:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the write-ahead log of {database.url} could not be truncated: "
                       "a reader kept it busy")


def alembic_config(database: Database) -> Config:
    """An Alembic configuration for ``database`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


MIGRATION_LOCK_KEY = 0x656D706C6F69
"""The PostgreSQL advisory lock key that serialises schema upgrades ("emploi" in ASCII)."""


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the latest by default).

    Processes that start together (gunicorn's workers, an ``emploi admin`` command beside
    the server) upgrade one at a time: the first creates the schema, the others find it
    current. Without the lock, two of them could both try to create the same table."""
    with _migration_lock(database):
        logger.info("upgrading the database schema to %s", revision)
        command.upgrade(alembic_config(database), revision)


@contextmanager
def _migration_lock(database: Database) -> Iterator[None]:
    """An inter-process lock held while the schema is upgraded: a lock file beside a SQLite
    database, an advisory lock on PostgreSQL, none elsewhere (one process at a time is then
    the deployment's duty)."""
    path = sqlite_path(database.url)
    if path is not None:
        with path.with_name(path.name + ".migrate.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if database.engine.dialect.name != "postgresql":
        yield
        return
    with database.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
