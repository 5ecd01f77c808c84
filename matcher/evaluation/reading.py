"""Evaluating the concept reader itself: which occupation a text is read into (sets b and d),
and which skills it finds in a description (set e).

Occupations are ranked by :meth:`skills_taxonomy.concepts.ConceptReader.read` and scored
with the set's metrics, plus top-1 and top-3 accuracy, counted two ways: *lenient* (any judged
occupation: for an offer coded in ROME v3, a ROME 4.0 child of its code) and *strict* (the
best-graded occupation only). Skills are compared with the listed ones by code or by folded
label (the ROME gives some labels two codes): precision over everything read, recall per
listed requirement (required, wished), and how often the requirement read agrees with the
listed one when the text states one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.models import Offer, Profile
from matcher.evaluation.beir import EvalQuery
from skills_taxonomy.concepts import ConceptReader
from skills_taxonomy.segments import StatedRequirement
from skills_taxonomy.text import fold

Ranking = list[str]
GRADE_NAMES = {2: "required", 1: "wished"}
_STATED_GRADE = {StatedRequirement.REQUIRED: 2, StatedRequirement.WISHED: 1,
                 StatedRequirement.TRAINABLE: 1}


def query_texts(query: EvalQuery) -> tuple[list[str], str]:
    """A query's titles and text as the reader reads them: an offer's title and description,
    a seeker's titles and summary, else the query text as a title."""
    if "offer" in query.metadata:
        offer = Offer.model_validate({**query.metadata["offer"], "id": query.id})
        return [offer.title], offer.description
    if "profile" in query.metadata:
        profile = Profile.model_validate({**query.metadata["profile"], "id": query.id})
        return list(profile.titles), profile.summary
    return [query.text], ""


def reader_run(queries: Sequence[EvalQuery], reader: ConceptReader, corpus_ids: set[str],
               depth: int) -> dict[str, Ranking]:
    """ROME codes ranked by the concept reader for each query."""
    run: dict[str, Ranking] = {}
    for query in queries:
        titles, text = query_texts(query)
        codes = [o.rome_code for o in reader.read(titles, text).occupations]
        run[query.id] = [code for code in codes if code in corpus_ids][:depth]
    return run


def accuracy(run: Mapping[str, Ranking], qrels: Mapping[str, Mapping[str, int]],
             at: int, strict: bool) -> float:
    """Share of judged queries with a relevant occupation in the top ``at`` (strict: of the
    best grade only)."""
    judged = [qid for qid, grades in qrels.items() if grades]
    hits = 0
    for qid in judged:
        grades = qrels[qid]
        wanted = {c for c, g in grades.items() if g == max(grades.values())} if strict \
            else set(grades)
        hits += any(code in wanted for code in run.get(qid, [])[:at])
    return hits / len(judged) if judged else 0.0


def accuracy_note(name: str, run: Mapping[str, Ranking],
                  qrels: Mapping[str, Mapping[str, int]]) -> str:
    """One line: top-1 and top-3 accuracy, lenient and strict."""
    return (f"{name}: top-1 accuracy {accuracy(run, qrels, 1, False):.3f} "
            f"(strict {accuracy(run, qrels, 1, True):.3f}), top-3 "
            f"{accuracy(run, qrels, 3, False):.3f} (strict {accuracy(run, qrels, 3, True):.3f})")


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    """How well the reader finds a set's listed skills."""

    encoder: str
    offers: int
    read: int
    correct: int
    listed: Mapping[str, int] = field(default_factory=dict)
    found: Mapping[str, int] = field(default_factory=dict)
    stated: int = 0
    agreeing: int = 0

    @property
    def precision(self) -> float:
        """Share of the skills read that are listed."""
        return self.correct / self.read if self.read else 0.0

    def recall(self, level: str | None = None) -> float:
        """Share of the listed skills (of one requirement level) that were read."""
        listed = self.listed.get(level, 0) if level else sum(self.listed.values())
        found = self.found.get(level, 0) if level else sum(self.found.values())
        return found / listed if listed else 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the derived figures."""
        return {"encoder": self.encoder, "offers": self.offers, "read": self.read,
                "correct": self.correct, "precision": round(self.precision, 4),
                "recall": round(self.recall(), 4),
                "recall_by_level": {level: round(self.recall(level), 4)
                                    for level in self.listed},
                "listed": dict(self.listed), "found": dict(self.found),
                "requirement_stated": self.stated, "requirement_agreeing": self.agreeing}


def extraction_result(queries: Sequence[EvalQuery], reader: ConceptReader,
                      qrels: Mapping[str, Mapping[str, int]], labels: Mapping[str, str],
                      encoder: str) -> ExtractionResult:
    """Read every query's text and compare the skills with the listed ones."""
    read = correct = stated = agreeing = 0
    listed: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for query in queries:
        grades = qrels.get(query.id, {})
        titles, text = query_texts(query)
        skills = [s for s in reader.read(titles, text).skills if s.kind != "esco_skill"]
        by_key = {s.code: s for s in skills} | {f"label:{fold(s.label)}": s for s in skills}
        wanted = {code: grade for code, grade in grades.items()}
        wanted_labels = {f"label:{fold(labels.get(code, code))}": grade
                         for code, grade in grades.items()}
        for code, grade in wanted.items():
            level = GRADE_NAMES.get(grade, "wished")
            listed[level] += 1
            hit = by_key.get(code) or by_key.get(f"label:{fold(labels.get(code, code))}")
            if hit is not None:
                found[level] += 1
                if hit.requirement is not None:
                    stated += 1
                    agreeing += _STATED_GRADE[hit.requirement] == grade
        read += len(skills)
        correct += sum(1 for s in skills if s.code in wanted
                       or f"label:{fold(s.label)}" in wanted_labels)
    return ExtractionResult(encoder, len(queries), read, correct, dict(listed), dict(found),
                            stated, agreeing)


def extraction_table(results: Sequence[ExtractionResult]) -> str:
    """| reader | offers | read per offer | precision | recall | required | wished | … |"""
    rows = ["| reader (encoder) | offers | skills read / offer | precision | recall | recall "
            "required | recall wished | requirement agrees (stated) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        agree = f"{r.agreeing}/{r.stated}" if r.stated else "–"
        rows.append(f"| {r.encoder} | {r.offers} | {r.read / max(r.offers, 1):.1f} | "
                    f"{r.precision:.3f} | {r.recall():.3f} | {r.recall('required'):.3f} | "
                    f"{r.recall('wished'):.3f} | {agree} |")
    return "\n".join(rows)
