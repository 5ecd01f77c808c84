"""Reading messages from ``.eml`` files and mbox mailboxes, never crashing on bad input.

Every problem is reported with the file and, in a mailbox, the message's position (1-based),
and the messages that could be read are kept:

- a file that cannot be opened, or a mailbox with no message: ``unreadable``;
- a message larger than ``MAX_MESSAGE_BYTES`` (1 MiB of raw e-mail, attachments included):
  ``oversized``, skipped without being parsed;
- a message whose declared charset Python does not know (``charset="x-unknown"``):
  ``charset``; the message *is kept*, its text decoded as UTF-8 with replacement characters
  (the counsellor sees it, with a warning), because losing a seeker's message is worse than a
  few garbled letters;
- a message with neither a subject nor a text body, or one the e-mail parser gives up on:
  ``unparsable``.

Attachments are ignored (only counted); an HTML-only body is turned into text.
"""

from __future__ import annotations

import email
import logging
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

from matcher.inbox.message import Message

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1024 * 1024
"""Largest raw message read (1 MiB): a seeker's or employer's text never comes near it; a
bigger one is a forwarded thread with attachments, or not a message at all."""
MAX_BODY_CHARS = 50_000
"""Longest body kept, in characters, once decoded (the rest is cut and said so)."""
MBOX_SUFFIXES = frozenset({".mbox", ".mbx", ".mbs"})
EML_SUFFIXES = frozenset({".eml", ".msg", ".txt"})


class ProblemKind(StrEnum):
    """What went wrong with a file or a message."""

    UNREADABLE = "illisible"
    OVERSIZED = "trop_volumineux"
    CHARSET = "encodage_inconnu"
    UNPARSABLE = "non_analysable"


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """A file or message that could not be read as it is; ``kept`` when the message was
    still imported (an unknown charset decoded with replacement characters)."""

    path: str
    index: int | None
    kind: ProblemKind
    reason: str
    kept: bool = False

    def describe(self) -> str:
        """In French, naming the file and the message: "boite.mbox, message 3 : …"."""
        where = Path(self.path).name + (f", message {self.index}" if self.index else "")
        return f"{where} : {self.reason}"


@dataclass(slots=True)
class ReadReport:
    """What a read produced: the messages and the problems, in file order."""

    messages: list[Message] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)

    def extend(self, other: ReadReport) -> None:
        """Append another report's messages and problems."""
        self.messages.extend(other.messages)
        self.problems.extend(other.problems)


@dataclass(frozen=True, slots=True)
class ReadMessage:
    """A message read from ``path`` (``index``: its 1-based position in a mailbox, None for
    an ``.eml`` file)."""

    path: str
    index: int | None
    message: Message


ReadItem = ReadMessage | ReadProblem
"""What :func:`iter_messages` yields: a message, or a problem with a file or message."""


def iter_messages(path: Path) -> Iterator[ReadItem]:
    """Messages and problems of an ``.eml`` file, an mbox file, or every such file in a folder
    (sorted by name), one at a time, in file order: memory holds one message at a time, so a
    mailbox of any size streams. A file is an mbox when its suffix says so or its first line
    starts with "From "."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(p for p in path.iterdir() if p.is_file()):
            if child.suffix.lower() in MBOX_SUFFIXES | EML_SUFFIXES or _looks_like_mbox(child):
                yield from iter_messages(child)
        return
    if path.suffix.lower() in MBOX_SUFFIXES or _looks_like_mbox(path):
        yield from _iter_mbox(path)
    else:
        yield from _iter_eml(path)


def read_messages(path: Path) -> ReadReport:
    """Every message and problem of ``path`` (see :func:`iter_messages`), collected."""
    return _collect(iter_messages(path))


def read_eml(path: Path) -> ReadReport:
    """The one message of an ``.eml`` file."""
    return _collect(_iter_eml(Path(path)))


def read_mbox(path: Path) -> ReadReport:
    """Every message of an mbox file; each bad one is reported and skipped."""
    return _collect(_iter_mbox(Path(path)))


def _collect(items: Iterator[ReadItem]) -> ReadReport:
    report = ReadReport()
    for item in items:
        if isinstance(item, ReadMessage):
            report.messages.append(item.message)
        else:
            report.problems.append(item)
    return report


def _iter_eml(path: Path) -> Iterator[ReadItem]:
    try:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            yield _oversized(path, None, size)
            return
        data = path.read_bytes()
    except OSError as error:
        yield ReadProblem(str(path), None, ProblemKind.UNREADABLE,
                          f"fichier illisible ({error.strerror or error})")
        return
    yield from _parse(data, path, None)


def _iter_mbox(path: Path) -> Iterator[ReadItem]:
    try:
        box = mailbox.mbox(str(path), create=False)
        keys = list(box.iterkeys())  # offsets only: the messages are read one by one
    except (OSError, mailbox.Error) as error:
        yield ReadProblem(str(path), None, ProblemKind.UNREADABLE,
                          f"boîte mbox illisible ({error})")
        return
    read = problems = 0
    try:
        for position, key in enumerate(keys, start=1):
            try:
                data = box.get_bytes(key)
            except (OSError, KeyError, mailbox.Error) as error:
                problems += 1
                yield ReadProblem(str(path), position, ProblemKind.UNREADABLE,
                                  f"message illisible ({error})")
                continue
            if len(data) > MAX_MESSAGE_BYTES:
                problems += 1
                yield _oversized(path, position, len(data))
                continue
            for item in _parse(data, path, position):
                if isinstance(item, ReadMessage):
                    read += 1
                else:
                    problems += 1
                yield item
    finally:
        box.close()
    if not keys:
        problems += 1
        yield ReadProblem(str(path), None, ProblemKind.UNREADABLE,
                          "aucun message trouvé (fichier vide ou pas au format mbox)")
    log.info("read %d messages from %s (%d problems)", read, path, problems)


def _looks_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def _oversized(path: Path, index: int | None, size: int) -> ReadProblem:
    return ReadProblem(str(path), index, ProblemKind.OVERSIZED,
                       f"message trop volumineux ({size / 1024:.0f} Kio, au plus "
                       f"{MAX_MESSAGE_BYTES // 1024} Kio)")


def _parse(data: bytes, path: Path, index: int | None) -> Iterator[ReadItem]:
    """Parse one raw message: a message or a problem, sometimes both (a kept message with
    an unknown charset).

    Any exception of the parser is caught here: a malformed message must never stop an
    import of thousands."""
    source = f"{path.name}, message {index}" if index else path.name
    try:
        parsed = email.message_from_bytes(data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        message, charset_problem = _to_message(parsed, source)
    except Exception as error:  # see the docstring
        yield ReadProblem(str(path), index, ProblemKind.UNPARSABLE,
                          f"message non analysable ({type(error).__name__})")
        return
    if charset_problem:
        yield ReadProblem(str(path), index, ProblemKind.CHARSET, charset_problem,
                          kept=message is not None)
    if message is None:
        yield ReadProblem(str(path), index, ProblemKind.UNPARSABLE,
                          "ni objet ni texte : ce n'est pas un message")
        return
    yield ReadMessage(str(path), index, message)


def _to_message(parsed: EmailMessage, source: str) -> tuple[Message | None, str | None]:
    subject = _header(parsed, "subject")
    body, charset_problem = _body(parsed)
    if not subject.strip() and not body.strip():
        return None, charset_problem
    name, address = _sender(parsed)
    attachments = sum(1 for _ in parsed.iter_attachments()) if parsed.is_multipart() else 0
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + "\n[… message tronqué]"
    return Message(subject=subject.strip(), body=body.strip(), sender=address,
                   sender_name=name, sent_at=_date(parsed),
                   message_id=_header(parsed, "message-id").strip() or None, source=source,
                   attachments=attachments), charset_problem


def _header(parsed: EmailMessage, name: str) -> str:
    try:
        value = parsed.get(name)
    except Exception:  # a malformed header is treated as absent
        return ""
    return "" if value is None else " ".join(str(value).split())


def _sender(parsed: EmailMessage) -> tuple[str, str]:
    raw = _header(parsed, "from")
    pairs = getaddresses([raw]) if raw else []
    name, address = pairs[0] if pairs else parseaddr(raw)
    return name.strip().strip('"'), address.strip().lower()


def _date(parsed: EmailMessage) -> datetime | None:
    try:
        header = parsed.get("date")
        moment = getattr(header, "datetime", None)
    except Exception:  # a malformed date is treated as absent
        return None
    return moment if isinstance(moment, datetime) else None


def _body(parsed: EmailMessage) -> tuple[str, str | None]:
    """The text of the best body part (plain, else HTML turned into text) and, when its
    charset is unknown, the problem to report."""
    part = parsed.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", None
    assert isinstance(part, EmailMessage)
    try:
        content = part.get_content()
        problem = None
    except LookupError:
        charset = part.get_content_charset() or "?"
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) \
            else str(payload)
        problem = (f"encodage « {charset} » inconnu : texte décodé en UTF-8, des caractères "
                   "peuvent être remplacés par « \ufffd »")
    text = str(content)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text, problem


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one line per block, scripts and styles dropped."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)


def iter_problem_lines(report: ReadReport) -> Iterator[str]:
    """Each problem of a report in French, for a log or a page."""
    for problem in report.problems:
        yield problem.describe() + (" (message importé)" if problem.kept else "")
