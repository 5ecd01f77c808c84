"""Importing e-mail files (``.eml``, mbox, folders of them) into the counsellors' inboxes,
streaming: messages are read one at a time (:func:`matcher.inbox.readers.iter_messages`),
triaged and stored by chunks of :data:`CHUNK`, each chunk committed on its own.

Bad input never stops an import and never loses what is stored: an unreadable file, an
oversized message, an unparsable one are reported with the file, the message's position and
the reason, and the import goes on; a message with an unknown charset is kept (decoded with
replacement characters) and the warning is stored with it. A message already imported (same
Message-ID, else same sender, date, subject and body) is skipped, so an import can be run
again after a failure. If the database fails, the chunks already committed stay.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from indexer.atomic import write_lines_atomic
from matcher.engine import Engine
from matcher.inbox.readers import ReadMessage, ReadProblem, iter_messages
from webapp.inbox.arrival import Incoming, receive
from webapp.models import User

log = logging.getLogger(__name__)

CHUNK = 200


@dataclass(frozen=True, slots=True)
class Rejection:
    """A file or message that was not imported, and why (in French)."""

    path: str
    position: int | None
    reason: str

    def describe(self) -> str:
        """"boite.mbox, message 3 : message trop volumineux (…)"."""
        where = self.path + (f", message {self.position}" if self.position else "")
        return f"{where} : {self.reason}"


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    warnings: list[Rejection] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{self.read} message(s) read, {self.stored} stored, {self.duplicates} "
                f"already imported, {len(self.rejected)} rejected, {len(self.warnings)} "
                f"kept with a warning ({self.seconds:.1f} s)")


def import_files(app: Flask, session: Session, engine: Engine, paths: Iterable[Path],
                 counsellor: User | None = None, chunk: int = CHUNK,
                 progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Import every message of ``paths`` (see the module docstring); ``counsellor``: the inbox
    to fill (else each message is routed by its link)."""
    report = ImportReport()
    started = time.monotonic()
    pending: list[Incoming] = []
    warnings: dict[tuple[str, int | None], str] = {}
    for path in paths:
        for item in iter_messages(Path(path)):
            if isinstance(item, ReadProblem):
                where = (_name(item.path), item.index)
                if item.kept:
                    warnings[where] = item.reason
                    report.warnings.append(Rejection(*where, item.reason))
                else:
                    report.rejected.append(Rejection(*where, item.reason))
                continue
            assert isinstance(item, ReadMessage)
            report.read += 1
            where = (_name(item.path), item.index)
            pending.append(Incoming(item.message, counsellor=counsellor,
                                    source_file=where[0], source_position=item.index,
                                    warning=warnings.pop(where, None)))
            if len(pending) >= chunk:
                _store(app, session, engine, pending, report)
                pending = []
                report.seconds = time.monotonic() - started
                if progress is not None:
                    progress(report)
    if pending:
        _store(app, session, engine, pending, report)
    report.seconds = time.monotonic() - started
    return report


def _name(path: str) -> str:
    return str(path)[-500:]


def _store(app: Flask, session: Session, engine: Engine, chunk: list[Incoming],
           report: ImportReport) -> None:
    """Triage and store one chunk, committed on its own (rolled back whole on failure)."""
    try:
        arrivals = receive(session, engine, chunk, app)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("the chunk of %d messages starting with %s failed; the chunks "
                      "before it are stored", len(chunk), _where(chunk[0]))
        raise
    for arrival in arrivals:
        if arrival.stored is not None:
            report.stored += 1
        elif arrival.duplicate:
            report.duplicates += 1
        else:
            incoming = arrival.incoming
            report.rejected.append(Rejection(incoming.source_file or "?",
                                             incoming.source_position,
                                             arrival.problem or "refusé"))
    log.info("%d messages read, %d stored, %d rejected", report.read, report.stored,
             len(report.rejected))


def _where(item: Incoming) -> str:
    position = f", message {item.source_position}" if item.source_position else ""
    return f"{item.source_file}{position}"


def write_report(path: Path, report: ImportReport) -> None:
    """The rejected and warned messages as JSON lines (written atomically)."""
    lines = [json.dumps({**asdict(r), "kept": False}, ensure_ascii=False)
             for r in report.rejected]
    lines += [json.dumps({**asdict(r), "kept": True}, ensure_ascii=False)
              for r in report.warnings]
    write_lines_atomic(path, lines)
