"""The inbox classifier's saved versions: the first one trained on the dev set, then one per
retraining on the dev set plus the counsellors' confirmations and corrections.

Files live in the model folder (``INBOX_MODEL_DIR``, else ``<instance>/inbox-models``, mode
0700: a model trained on messages holds words of them), one JSON file per version
(``inbox-classifier-v000003.json``, written atomically by
:meth:`matcher.inbox.classifier.InboxClassifier.save`); the table
:class:`~webapp.inbox.models.ClassifierVersion` says which versions exist and which messages
trained each. The newest version is the one in use: every process checks it before triaging
and reloads when it changed, so a retraining done by ``emploi messages retrain`` or another
worker is picked up without a restart.

Retraining keeps the last :data:`KEEP_VERSIONS` versions and always the newest one trained on
the dev set alone (what the inbox falls back to when an erasure deletes every version trained
on the erased person's messages).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from indexer.atomic import atomic_path
from indexer.encoders import Encoder
from indexer.permissions import private_folder
from matcher.inbox.classifier import ClassifierConfig, InboxClassifier
from matcher.inbox.intents import Intent, Urgency
from matcher.inbox.message import Message, SenderRole
from matcher.inbox.triage import Correction, default_classifier, retrain
from webapp.inbox.models import ClassifierVersion, InboxMessage, TriageCorrection
from webapp.models import User

log = logging.getLogger(__name__)

KEEP_VERSIONS = 5
FILE_PATTERN = "inbox-classifier-v{version:06d}.json"
_retrain_lock = threading.Lock()


class RetrainBusy(RuntimeError):
    """Another retraining is running in this process."""


def model_dir(app: Flask | None = None) -> Path:
    """The folder of the saved versions (created private on first use)."""
    app = app or current_app
    configured = app.config.get("INBOX_MODEL_DIR")
    folder = Path(configured) if configured else Path(app.instance_path) / "inbox-models"
    private_folder(folder)
    return folder


def base_model(app: Flask | None = None) -> Path | None:
    """``INBOX_BASE_MODEL``: a saved classifier to start from instead of training one on the
    dev set (a path, or a callable returning one: the tests train a fast one once)."""
    configured = (app or current_app).config.get("INBOX_BASE_MODEL")
    if callable(configured):
        configured = configured()
    return Path(configured) if configured else None


def classifier_config(app: Flask | None = None) -> ClassifierConfig | None:
    """``INBOX_CLASSIFIER_CONFIG`` (a faster configuration for tests), else the measured
    default."""
    config = (app or current_app).config.get("INBOX_CLASSIFIER_CONFIG")
    return config if isinstance(config, ClassifierConfig) else None


def latest(session: Session) -> ClassifierVersion | None:
    """The version in use (the newest), if any."""
    return session.scalar(select(ClassifierVersion).order_by(ClassifierVersion.version.desc())
                          .limit(1))


def ensure_first(session: Session, folder: Path, encoder: Encoder,
                 base_model: Path | None = None) -> ClassifierVersion:
    """The version in use; when there is none, the first one: ``base_model`` copied when
    given (``INBOX_BASE_MODEL``), else a classifier trained on the dev set (half a minute)."""
    current = latest(session)
    if current is not None:
        return current
    file_name = FILE_PATTERN.format(version=1)
    path = folder / file_name
    if base_model is not None:
        with atomic_path(path) as temporary:
            shutil.copyfile(base_model, temporary)
    elif not path.exists():
        log.info("training the inbox classifier on the dev set (first use)")
        default_classifier(path, encoder)
    row = ClassifierVersion(version=1, file_name=file_name, trained_on=0, corrections=0,
                            message_ids=[])
    session.add(row)
    session.commit()
    return row


def load(folder: Path, row: ClassifierVersion, encoder: Encoder) -> InboxClassifier:
    """The classifier of one version (:class:`~matcher.inbox.classifier.ModelFileError` when
    its file is unusable)."""
    return InboxClassifier.load(folder / row.file_name, encoder)


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """The corrections a retraining would use, and the messages they come from."""

    corrections: list[Correction]
    message_ids: list[int]


def training_set(session: Session) -> TrainingSet:
    """The latest confirmation or correction of every message that has one."""
    latest_ids = (select(func.max(TriageCorrection.id))
                  .group_by(TriageCorrection.message_id).scalar_subquery())
    rows = session.execute(select(TriageCorrection, InboxMessage)
                           .join(InboxMessage, InboxMessage.id == TriageCorrection.message_id)
                           .where(TriageCorrection.id.in_(latest_ids))
                           .order_by(TriageCorrection.id)).all()
    corrections = [Correction(as_message(message), Intent(row.intent), Urgency(row.urgency),
                              row.created_at) for row, message in rows]
    return TrainingSet(corrections, [message.id for _row, message in rows])


def as_message(row: InboxMessage) -> Message:
    """A stored message as the classifier reads it."""
    return Message(subject=row.subject, body=row.body, role=SenderRole(row.sender_role),
                   sender=row.sender_address, sender_name=row.sender_name,
                   sent_at=row.received_at, message_id=row.external_id)


def pending_corrections(session: Session) -> int:
    """How many messages were confirmed or corrected since the version in use was trained
    (what a retraining would add or update)."""
    query = select(func.count(func.distinct(TriageCorrection.message_id)))
    current = latest(session)
    if current is not None:
        query = query.where(TriageCorrection.created_at > current.created_at)
    return int(session.scalar(query) or 0)


def retrain_now(session: Session, folder: Path, encoder: Encoder, author: User | None = None,
                config: ClassifierConfig | None = None) -> ClassifierVersion:
    """Train a new version on the dev set plus every message's latest confirmation or
    correction, save it atomically, make it the one in use and prune the old ones.

    :class:`RetrainBusy` when another retraining runs in this process (two processes may
    retrain at once: the second to finish gets the next version number)."""
    if not _retrain_lock.acquire(blocking=False):
        raise RetrainBusy("un réentraînement est déjà en cours")
    try:
        started = time.monotonic()
        data = training_set(session)
        current = latest(session)
        number = (current.version if current is not None else 0) + 1
        file_name = FILE_PATTERN.format(version=number)
        log.info("retraining the inbox classifier with %d corrections", len(data.corrections))
        classifier = retrain(data.corrections, folder / file_name, encoder=encoder,
                             config=config)
        row = ClassifierVersion(version=number, file_name=file_name,
                                trained_on=classifier.trained_on,
                                corrections=len(data.corrections),
                                message_ids=data.message_ids,
                                author_id=author.id if author is not None else None)
        session.add(row)
        session.commit()
        log.info("inbox classifier v%d saved (%d messages, %.1f s)", number,
                 classifier.trained_on, time.monotonic() - started)
        prune(session, folder)
        return row
    finally:
        _retrain_lock.release()


def is_retraining() -> bool:
    """True while this process retrains."""
    if _retrain_lock.acquire(blocking=False):
        _retrain_lock.release()
        return False
    return True


def prune(session: Session, folder: Path, keep: int = KEEP_VERSIONS) -> None:
    """Delete the versions older than the ``keep`` newest, except the newest one trained on
    the dev set alone."""
    rows = session.scalars(select(ClassifierVersion)
                           .order_by(ClassifierVersion.version.desc())).all()
    base = next((row for row in rows if not row.message_ids), None)
    doomed = [row for row in rows[keep:] if row is not base]
    if doomed:
        paths = [folder / row.file_name for row in doomed]
        session.execute(delete(ClassifierVersion).where(
            ClassifierVersion.version.in_([row.version for row in doomed])))
        session.commit()
        delete_files(paths)


def forget_messages(session: Session, folder: Path, message_ids: Iterable[int]) -> list[Path]:
    """Delete (in the session's transaction) the versions trained on any of
    ``message_ids``; return their files, to delete once the transaction is committed."""
    wanted = set(message_ids)
    if not wanted:
        return []
    doomed = [row for row in session.scalars(select(ClassifierVersion)).all()
              if wanted & set(row.message_ids)]
    for row in doomed:
        session.delete(row)
    return [folder / row.file_name for row in doomed]


def delete_files(paths: Iterable[Path]) -> None:
    """Delete model files (missing ones are fine)."""
    for path in paths:
        path.unlink(missing_ok=True)
        log.info("deleted inbox model file %s", path)
