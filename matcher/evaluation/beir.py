"""A labelled set folder in the BEIR layout, read and written.

```
SET_DIR/
  corpus.jsonl     {"_id", "title", "text", "metadata": {...}}   one document a line
  queries.jsonl    {"_id", "text", "metadata": {...}}            one query a line
  qrels/test.tsv   query-id <TAB> corpus-id <TAB> score          with that header line
  set.json         optional: name, description, seed, how it was built
```

``metadata`` carries what the engine needs beyond BEIR's text: an ``offer`` or a ``profile``
(the fields of :class:`indexer.models.Offer` / :class:`indexer.models.Profile`), or a
``rome_code``. Any other top-level key of a line is kept in ``metadata`` too. Errors name the file
and the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.atomic import write_lines_atomic

CORPUS_FILE = "corpus.jsonl"
QUERIES_FILE = "queries.jsonl"
QRELS_FILE = Path("qrels") / "test.tsv"
SET_FILE = "set.json"
QRELS_HEADER = ("query-id", "corpus-id", "score")


class BeirFormatError(ValueError):
    """A set file is missing or malformed; the message names the file and line."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    """One document of the corpus."""

    id: str
    title: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One query."""

    id: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """A corpus, queries and graded judgements (only grades > 0 are stored)."""

    corpus: list[CorpusDoc]
    queries: list[EvalQuery]
    qrels: dict[str, dict[str, int]]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The set's name from its ``set.json`` ("unnamed" without)."""
        return str(self.info.get("name", "unnamed"))


# --------------------------------------------------------------------------- writing


def _json_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def write_set(directory: Path, labelled: LabelledSet) -> None:
    """Write ``labelled`` into ``directory`` (each file replaced atomically)."""
    write_lines_atomic(directory / CORPUS_FILE, (
        _json_line({"_id": d.id, "title": d.title, "text": d.text,
                    **({"metadata": dict(d.metadata)} if d.metadata else {})})
        for d in labelled.corpus))
    write_lines_atomic(directory / QUERIES_FILE, (
        _json_line({"_id": q.id, "text": q.text,
                    **({"metadata": dict(q.metadata)} if q.metadata else {})})
        for q in labelled.queries))
    rows = ["\t".join(QRELS_HEADER)]
    rows += [f"{qid}\t{doc}\t{grade}" for qid, judged in labelled.qrels.items()
             for doc, grade in judged.items() if grade > 0]
    write_lines_atomic(directory / QRELS_FILE, rows)
    if labelled.info:
        write_lines_atomic(directory / SET_FILE,
                      [json.dumps(labelled.info, ensure_ascii=False, indent=2)])


# --------------------------------------------------------------------------- reading


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise BeirFormatError(path, None, "file not found")
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BeirFormatError(path, number, f"invalid JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise BeirFormatError(path, number, "expected a JSON object")
            yield number, value


def _string(value: Any, path: Path, line: int, key: str, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BeirFormatError(path, line, f"'{key}' must be a non-empty string")
    return value


def _metadata(record: dict[str, Any], known: set[str], path: Path,
              line: int) -> dict[str, Any]:
    metadata = record.get("metadata", {})
    if not isinstance(metadata, dict):
        raise BeirFormatError(path, line, "'metadata' must be a JSON object")
    extra = {k: v for k, v in record.items() if k not in known}
    return {**extra, **metadata}


def read_corpus(path: Path) -> list[CorpusDoc]:
    """Documents of a ``corpus.jsonl``; duplicate ids are an error."""
    docs: list[CorpusDoc] = []
    seen: set[str] = set()
    for line, record in _jsonl(path):
        doc_id = _string(record.get("_id"), path, line, "_id", required=True)
        if doc_id in seen:
            raise BeirFormatError(path, line, f"duplicate _id {doc_id!r}")
        seen.add(doc_id)
        docs.append(CorpusDoc(
            doc_id,
            _string(record.get("title"), path, line, "title", required=False),
            _string(record.get("text"), path, line, "text", required=False),
            _metadata(record, {"_id", "title", "text", "metadata"}, path, line)))
    return docs


def read_queries(path: Path) -> list[EvalQuery]:
    """Queries of a ``queries.jsonl``; duplicate ids are an error."""
    queries: list[EvalQuery] = []
    seen: set[str] = set()
    for line, record in _jsonl(path):
        query_id = _string(record.get("_id"), path, line, "_id", required=True)
        if query_id in seen:
            raise BeirFormatError(path, line, f"duplicate _id {query_id!r}")
        seen.add(query_id)
        queries.append(EvalQuery(
            query_id, _string(record.get("text"), path, line, "text", required=True),
            _metadata(record, {"_id", "text", "metadata"}, path, line)))
    return queries


def read_qrels(path: Path, doc_ids: set[str] | None = None,
               query_ids: set[str] | None = None) -> dict[str, dict[str, int]]:
    """Judgements of a ``qrels/*.tsv`` with its ``query-id corpus-id score`` header; when
    ``doc_ids`` / ``query_ids`` are given, every line must name one of them."""
    if not path.is_file():
        raise BeirFormatError(path, None, "file not found")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as stream:
        for number, raw in enumerate(stream, start=1):
            cells = raw.rstrip("\n").rstrip("\r").split("\t")
            if number == 1:
                if tuple(c.strip() for c in cells) != QRELS_HEADER:
                    raise BeirFormatError(path, 1, "expected the header line "
                                          + "\\t".join(QRELS_HEADER))
                continue
            if not raw.strip():
                continue
            if len(cells) != 3 or not cells[0] or not cells[1]:
                raise BeirFormatError(path, number, "expected 3 tab-separated columns")
            try:
                grade = int(cells[2])
            except ValueError as exc:
                raise BeirFormatError(path, number,
                                      f"score {cells[2]!r} is not an integer") from exc
            _check_line(path, number, cells[0], cells[1], doc_ids, query_ids)
            qrels.setdefault(cells[0], {})[cells[1]] = grade
    return qrels


def read_set(directory: Path) -> LabelledSet:
    """Read a set folder; judgements must name known queries and documents."""
    if not directory.is_dir():
        raise BeirFormatError(directory, None, "not a folder")
    corpus = read_corpus(directory / CORPUS_FILE)
    queries = read_queries(directory / QUERIES_FILE)
    qrels = read_qrels(directory / QRELS_FILE, {d.id for d in corpus}, {q.id for q in queries})
    info: dict[str, Any] = {}
    set_path = directory / SET_FILE
    if set_path.is_file():
        try:
            loaded = json.loads(set_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise BeirFormatError(set_path, exc.lineno, f"invalid JSON ({exc.msg})") from exc
        if not isinstance(loaded, dict):
            raise BeirFormatError(set_path, None, "expected a JSON object")
        info = loaded
    info.setdefault("name", directory.name)
    return LabelledSet(corpus, queries, qrels, info)


def _check_line(path: Path, line: int, query_id: str, doc_id: str, doc_ids: set[str] | None,
                query_ids: set[str] | None) -> None:
    if query_ids is not None and query_id not in query_ids:
        raise BeirFormatError(path, line, f"query-id {query_id!r} is not in {QUERIES_FILE}")
    if doc_ids is not None and doc_id not in doc_ids:
        raise BeirFormatError(path, line, f"corpus-id {doc_id!r} is not in {CORPUS_FILE}")
