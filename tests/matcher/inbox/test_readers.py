"""Readers of .eml and mbox files: good messages kept, every bad one reported by file and
position, nothing raised."""

from __future__ import annotations

from pathlib import Path

from matcher.inbox.readers import (
    MAX_MESSAGE_BYTES,
    ProblemKind,
    html_to_text,
    read_eml,
    read_mbox,
    read_messages,
)

INBOX = Path(__file__).parents[2] / "fixtures" / "inbox"


def test_plain_eml_is_read_with_sender_date_and_decoded_subject() -> None:
    report = read_eml(INBOX / "absence.eml")
    assert report.problems == []
    [message] = report.messages
    assert message.subject == "Absence au rendez-vous"
    assert message.sender == "camille.durand@example.org"
    assert message.sender_name == "Camille Durand"
    assert message.sent_at is not None and message.sent_at.day == 20
    assert "à Aubenas" in message.body
    assert message.message_id == "<abs-1@example.org>"


def test_html_body_becomes_text_and_attachments_are_only_counted() -> None:
    [message] = read_eml(INBOX / "html_with_attachment.eml").messages
    assert "boulanger à Privas" in message.body
    assert "<p>" not in message.body and "alert" not in message.body
    assert message.attachments == 1


def test_unknown_charset_is_reported_and_the_message_kept() -> None:
    report = read_eml(INBOX / "unknown_charset.eml")
    [problem] = report.problems
    assert problem.kind is ProblemKind.CHARSET and problem.kept
    assert "x-klingon-7" in problem.reason
    [message] = report.messages
    assert message.subject == "Attestation"
    assert "attestation" in message.body


def test_message_without_subject_or_text_is_rejected() -> None:
    report = read_eml(INBOX / "empty.eml")
    assert report.messages == []
    assert [p.kind for p in report.problems] == [ProblemKind.UNPARSABLE]
    assert "empty.eml" in report.problems[0].describe()


def test_mbox_keeps_good_messages_and_names_each_bad_one_by_position() -> None:
    report = read_mbox(INBOX / "mailbox.mbox")
    subjects = [m.subject for m in report.messages]
    assert subjects == ["Demande de rendez-vous", "Formation", "Reprise"]
    assert report.messages[2].sent_at is None  # "not a date at all" is dropped, not fatal
    by_index = {(p.index, p.kind) for p in report.problems}
    assert (2, ProblemKind.CHARSET) in by_index
    assert (3, ProblemKind.UNPARSABLE) in by_index
    described = [p.describe() for p in report.problems]
    assert any(line.startswith("mailbox.mbox, message 3") for line in described)


def test_oversized_messages_are_skipped_with_their_size(tmp_path: Path) -> None:
    big_body = "x" * (MAX_MESSAGE_BYTES + 10)
    big = tmp_path / "big.eml"
    big.write_text(f"From: a@example.org\nSubject: Gros\n\n{big_body}\n", encoding="utf-8")
    report = read_eml(big)
    assert report.messages == []
    assert [p.kind for p in report.problems] == [ProblemKind.OVERSIZED]
    box = tmp_path / "box.mbox"
    box.write_text("From a@example.org Mon May 19 08:00:00 2025\nFrom: a@example.org\n"
                   "Subject: Petit\n\nbonjour\n\n"
                   "From b@example.org Mon May 19 09:00:00 2025\nFrom: b@example.org\n"
                   f"Subject: Gros\n\n{big_body}\n", encoding="utf-8")
    report = read_mbox(box)
    assert [m.subject for m in report.messages] == ["Petit"]
    assert [(p.index, p.kind) for p in report.problems] == [(2, ProblemKind.OVERSIZED)]


def test_a_file_that_is_no_mailbox_or_does_not_exist_is_reported(tmp_path: Path) -> None:
    report = read_mbox(INBOX / "notes.mbox")
    assert report.messages == []
    assert [p.kind for p in report.problems] == [ProblemKind.UNREADABLE]
    missing = read_eml(tmp_path / "absent.eml")
    assert [p.kind for p in missing.problems] == [ProblemKind.UNREADABLE]


def test_a_folder_reads_every_message_file(tmp_path: Path) -> None:
    report = read_messages(INBOX)
    assert len(report.messages) == 3 + 3  # three .eml kept (one empty) + three from the mbox
    assert {Path(p.path).name for p in report.problems} >= {"empty.eml", "mailbox.mbox",
                                                             "notes.mbox"}


def test_html_to_text_keeps_blocks_on_their_own_lines() -> None:
    assert html_to_text("<p>Un</p><p>Deux &amp; trois</p><style>p{}</style>") == \
        "Un\nDeux & trois"


def test_iter_messages_streams_messages_and_problems_in_file_order() -> None:
    from matcher.inbox.readers import ReadMessage, ReadProblem, iter_messages

    items = list(iter_messages(INBOX / "mailbox.mbox"))
    assert [(type(i).__name__, i.index) for i in items] == [
        ("ReadMessage", 1), ("ReadProblem", 2), ("ReadMessage", 2), ("ReadProblem", 3),
        ("ReadMessage", 4)]
    kept = [i for i in items if isinstance(i, ReadProblem) and i.kept]
    assert [i.index for i in kept] == [2]  # the unknown charset: reported, message kept
    assert all(i.path.endswith("mailbox.mbox") for i in items if isinstance(i, ReadMessage))
