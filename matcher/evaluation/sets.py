"""Seeded builders of the three labelled sets, from the real data.

(a) ``seeker-offers``: the real offers as corpus; for each ROME occupation present in them, one
    or two seeker queries made of one job-title form of the occupation and a few of its core
    skills; graded by :func:`grade`.
(b) ``title-normalisation``: French ESCO occupation labels (preferred and alternative) as
    queries, ROME occupations as corpus (title: the occupation label, text: its job titles);
    judged by the official ESCO ↔ ROME crosswalk (exact match 2, close match 1).
(c) ``employer-candidates``: the reverse of (a): the offers are the queries, generated seeker
    profiles (:func:`indexer.demo_profiles.generate_profiles`) the corpus, graded by the same rule
    on the profile's ROME code.
(d) ``occupation-inference``: every real offer with its codes hidden, against the ROME
    occupations, judged by its own code (ROME v3 codes also accept their ROME 4.0 children).
(e) ``skill-extraction``: the real offers that list skills, the list hidden; judged by it.
(f) ``seeker-offers-hidden-codes``: the seekers of (a) against every real offer with its codes
    hidden.

Every builder is deterministic for a given input and seed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from indexer.demo_profiles import generate_profiles
from indexer.geo import Gazetteer
from indexer.models import Offer, Profile, Requirement, SkillTag
from indexer.utc import as_utc
from matcher.evaluation.beir import CorpusDoc, EvalQuery, LabelledSet
from skills_taxonomy import Taxonomy
from skills_taxonomy.model import CrosswalkRow, EscoConcept

log = logging.getLogger(__name__)

DEFAULT_SEED = 13
SAME_OCCUPATION = 3
SAME_PARENT = 2
MOBILITY_TARGET = 1
EXACT_MATCH = "skos:exactMatch"
CLOSE_MATCH = "skos:closeMatch"
CROSSWALK_GRADES = {EXACT_MATCH: 2, CLOSE_MATCH: 1}
TITLE_SAMPLE = 500
PROFILE_COUNT = 600


class EscoSource(Protocol):
    """ESCO occupations and the crosswalk (``skills_taxonomy.esco_reader.EscoData``)."""

    @property
    def occupations(self) -> Mapping[str, EscoConcept]: ...

    @property
    def crosswalk(self) -> tuple[CrosswalkRow, ...]: ...


# --------------------------------------------------------------------------- grading


def grade(seeker_code: str, offer_code: str | None, taxonomy: Taxonomy) -> int:
    """Relevance of an offer of ``offer_code`` for a seeker targeting ``seeker_code``:
    3 same occupation, 2 same parent sheet, 1 a ROME mobility target of the seeker's
    occupation, else 0 (also for a code unknown to the taxonomy)."""
    if offer_code is None:
        return 0
    if seeker_code == offer_code:
        return SAME_OCCUPATION
    known = taxonomy.occupations
    if seeker_code not in known or offer_code not in known:
        return 0
    if taxonomy.parent_of(seeker_code) == taxonomy.parent_of(offer_code):
        return SAME_PARENT
    if any(target == offer_code for target, _ in taxonomy.mobility_targets(seeker_code)):
        return MOBILITY_TARGET
    return 0


# --------------------------------------------------------------------------- (a)


def offer_doc(offer: Offer) -> CorpusDoc:
    """An offer as a corpus document (the whole offer under ``metadata.offer``)."""
    skills = ", ".join(s.label for s in offer.skills)
    text = "\n".join(part for part in (offer.description, skills) if part)
    return CorpusDoc(offer.id, offer.title, text,
                     {"offer": offer.model_dump(mode="json", exclude_defaults=True)})


def _pick(rng: np.random.Generator, count: int, size: int) -> list[int]:
    """``size`` distinct positions among ``count``, sorted (all when fewer)."""
    if count <= size:
        return list(range(count))
    return sorted(int(i) for i in rng.choice(count, size=size, replace=False))


def seeker_query(code: str, number: int, taxonomy: Taxonomy,
                 rng: np.random.Generator, appellation_index: int) -> EvalQuery:
    """One seeker query for occupation ``code``: a title form and 2–4 core skills."""
    appellations = taxonomy.appellations_of(code)
    if appellations:
        appellation = appellations[appellation_index % len(appellations)]
        forms = appellation.forms or (appellation.label,)
        title = forms[int(rng.integers(len(forms)))]
    else:
        title = taxonomy.occupations[code].label
    core = taxonomy.items_of(code, core_only=True)
    picks = _pick(rng, len(core), int(rng.integers(2, 5)))
    skills = [SkillTag(code=core[i].item.code, label=core[i].item.label) for i in picks]
    profile = Profile(id=f"a-{code}-{number}", titles=[title], skills=skills)
    text = title + (" — " + ", ".join(s.label for s in skills) if skills else "")
    return EvalQuery(profile.id, text, {
        "profile": profile.model_dump(mode="json", exclude_defaults=True),
        "rome_code": code})


def build_seeker_offers(offers: Sequence[Offer], taxonomy: Taxonomy,
                        seed: int = DEFAULT_SEED) -> LabelledSet:
    """Set (a): seekers → offers. The query profiles carry no ROME code: the engine must find
    the occupation from the title, as it would for a real seeker."""
    rng = np.random.default_rng(seed)
    codes = sorted({o.rome_code for o in offers
                    if o.rome_code and o.rome_code in taxonomy.occupations})
    queries: list[EvalQuery] = []
    for code in codes:
        count = int(rng.integers(1, 3))
        appellations = len(taxonomy.appellations_of(code)) or 1
        for number, position in enumerate(_pick(rng, appellations, count), start=1):
            queries.append(seeker_query(code, number, taxonomy, rng, position))
    qrels = {q.id: _graded(str(q.metadata["rome_code"]),
                           ((o.id, o.rome_code) for o in offers), taxonomy) for q in queries}
    log.info("set seeker-offers: %d offers, %d queries, %d judgements", len(offers),
             len(queries), sum(len(j) for j in qrels.values()))
    return LabelledSet([offer_doc(o) for o in offers], queries, _non_empty(qrels), {
        "name": "seeker-offers", "direction": "offers", "seed": seed,
        "description": "Seeker queries (one ROME job-title form + 2-4 core skills, generated) "
                       "against the real offers; grade 3 same occupation, 2 same parent "
                       "sheet, 1 ROME mobility target."})


def _graded(seeker_code: str, docs: Iterable[tuple[str, str | None]],
            taxonomy: Taxonomy) -> dict[str, int]:
    return {doc_id: g for doc_id, code in docs if (g := grade(seeker_code, code, taxonomy)) > 0}


def _non_empty(qrels: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {qid: judged for qid, judged in qrels.items() if judged}


# --------------------------------------------------------------------------- (b)


def occupation_doc(code: str, taxonomy: Taxonomy) -> CorpusDoc:
    """A ROME occupation as a document: its label, and its job titles as text."""
    occupation = taxonomy.occupations[code]
    titles = [a.label for a in taxonomy.appellations_of(code)]
    return CorpusDoc(code, occupation.label, "\n".join(titles), {"rome_code": code})


def esco_title_labels(concept: EscoConcept) -> list[str]:
    """The French labels of an ESCO occupation: the gendered preferred label split on "/",
    and the alternative labels."""
    forms = [part.strip() for part in concept.preferred_label.split("/")]
    return [label for label in dict.fromkeys([*forms, *concept.alt_labels]) if label]


def crosswalk_judgements(esco: EscoSource, taxonomy: Taxonomy) -> dict[str, dict[str, int]]:
    """ESCO occupation URI → ROME code → grade (exact match 2, close match 1, best kept)."""
    judged: dict[str, dict[str, int]] = {}
    for row in esco.crosswalk:
        relation_grade = CROSSWALK_GRADES.get(row.relation)
        appellation = taxonomy.appellations.get(row.appellation_code)
        if relation_grade is None or appellation is None:
            continue
        codes = judged.setdefault(row.esco_uri, {})
        codes[appellation.rome_code] = max(codes.get(appellation.rome_code, 0), relation_grade)
    return judged


def build_title_normalisation(esco: EscoSource, taxonomy: Taxonomy, seed: int = DEFAULT_SEED,
                              sample: int = TITLE_SAMPLE) -> LabelledSet:
    """Set (b): ESCO French job titles → ROME occupations, judged by the crosswalk.

    A label shared by several ESCO occupations gets the union of their judgements (best grade).
    """
    by_uri = crosswalk_judgements(esco, taxonomy)
    by_label: dict[str, dict[str, int]] = {}
    for uri in sorted(by_uri):
        concept = esco.occupations.get(uri)
        if concept is None:
            continue
        for label in esco_title_labels(concept):
            merged = by_label.setdefault(label, {})
            for code, g in by_uri[uri].items():
                merged[code] = max(merged.get(code, 0), g)
    labels = sorted(by_label)
    rng = np.random.default_rng(seed)
    chosen = [labels[i] for i in _pick(rng, len(labels), sample)]
    queries = [EvalQuery(f"b-{n:04d}", label, {"profile": {"id": f"b-{n:04d}",
                                                           "titles": [label]}})
               for n, label in enumerate(chosen, start=1)]
    qrels = {q.id: dict(sorted(by_label[q.text].items())) for q in queries}
    corpus = [occupation_doc(code, taxonomy) for code in sorted(taxonomy.occupations)]
    log.info("set title-normalisation: %d occupations, %d of %d labels", len(corpus),
             len(queries), len(labels))
    return LabelledSet(corpus, queries, qrels, {
        "name": "title-normalisation", "direction": "occupations", "seed": seed,
        "labels": "crosswalk",
        "description": "French ESCO occupation labels (preferred forms and alternatives) "
                       "against ROME occupations; grade 2 exact match, 1 close match in the "
                       "official ESCO-ROME crosswalk v1.4."})


# --------------------------------------------------------------------------- (c)


def profile_doc(profile: Profile) -> CorpusDoc:
    """A seeker profile as a document, without its personal data."""
    data: dict[str, Any] = profile.model_dump(mode="json", exclude={"personal"},
                                              exclude_defaults=True)
    skills = ", ".join(s.label for s in profile.skills)
    text = "\n".join(part for part in (profile.summary, skills) if part)
    return CorpusDoc(profile.id, " — ".join(profile.titles), text, {"profile": data})


def offer_query(offer: Offer) -> EvalQuery:
    """An offer as an employer's query."""
    skills = ", ".join(s.label for s in offer.skills)
    return EvalQuery(offer.id, offer.title + (" — " + skills if skills else ""),
                     {"offer": offer.model_dump(mode="json", exclude_defaults=True)})


def build_employer_candidates(offers: Sequence[Offer], taxonomy: Taxonomy,
                              gazetteer: Gazetteer, seed: int = DEFAULT_SEED,
                              profiles: int = PROFILE_COUNT) -> LabelledSet:
    """Set (c): offers → generated candidates, graded by :func:`grade` on the profile's
    first ROME code (the profile is the seeker, the offer the target)."""
    generated = generate_profiles(taxonomy, gazetteer, offers, n=profiles, seed=seed)
    queries = [offer_query(o) for o in offers if o.rome_code]
    qrels: dict[str, dict[str, int]] = {}
    for offer in offers:
        if offer.rome_code:
            qrels[offer.id] = {p.id: g for p in generated if p.rome_codes
                               if (g := grade(p.rome_codes[0], offer.rome_code, taxonomy)) > 0}
    log.info("set employer-candidates: %d generated profiles, %d offer queries",
             len(generated), len(queries))
    return LabelledSet([profile_doc(p) for p in generated], queries, _non_empty(qrels), {
        "name": "employer-candidates", "direction": "profiles", "seed": seed,
        "generated": "the corpus profiles are generated (indexer.demo_profiles)",
        "description": "Real offers as queries against generated seeker profiles; grade 3 "
                       "same occupation, 2 same parent sheet, 1 the offer is a ROME mobility "
                       "target of the profile's occupation."})



# --------------------------------------------------------------------------- (d)

ROME_4_IN_USE = datetime(2024, 1, 1, tzinfo=UTC)
"""Offers created before this date were coded in ROME v3: its 532 sheets are the parent sheets
of ROME 4.0, so any child of the offer's (v3) code is that offer's occupation too."""
SAME_SHEET = 2
CHILD_SHEET = 1


def hidden_codes(offer: Offer) -> Offer:
    """The offer as a reader sees it with its codes hidden: no ROME code, ROME label, job
    title (appellation) nor listed skills, no concepts."""
    return offer.model_copy(update={"rome_code": None, "rome_label": None, "appellation": None,
                                    "skills": [], "concepts": None})


def coded_before_rome_4(offer: Offer) -> bool:
    """Whether the offer was coded in ROME v3 (created before ROME 4.0 was in use)."""
    return offer.created_at is not None and as_utc(offer.created_at) < ROME_4_IN_USE


def occupation_judgements(offer: Offer, taxonomy: Taxonomy) -> dict[str, int]:
    """The offer's ROME code (grade 2) and, for an offer coded in ROME v3, the ROME 4.0
    sheets its code is the parent of (grade 1)."""
    code = offer.rome_code
    if code is None or code not in taxonomy.occupations:
        return {}
    judged = {code: SAME_SHEET}
    if coded_before_rome_4(offer) and taxonomy.parent_of(code) == code:
        judged.update({child: CHILD_SHEET for child in taxonomy.children_of(code)
                       if child != code})
    return judged


def build_occupation_inference(offers: Sequence[Offer], taxonomy: Taxonomy) -> LabelledSet:
    """Set (d): every real offer, its codes hidden, against the ROME occupations; judged by
    its own ``romeCode`` (grade 2) and, for offers coded in ROME v3, the ROME 4.0 children of
    that code (grade 1)."""
    queries = []
    qrels: dict[str, dict[str, int]] = {}
    for offer in offers:
        judged = occupation_judgements(offer, taxonomy)
        if not judged:
            continue
        hidden = hidden_codes(offer)
        queries.append(EvalQuery(offer.id, f"{offer.title}\n{offer.description}".strip(), {
            "offer": hidden.model_dump(mode="json", exclude_defaults=True),
            "coded_in": "ROME v3" if coded_before_rome_4(offer) else "ROME 4.0"}))
        qrels[offer.id] = judged
    corpus = [occupation_doc(code, taxonomy) for code in sorted(taxonomy.occupations)]
    log.info("set occupation-inference: %d offers", len(queries))
    return LabelledSet(corpus, queries, qrels, {
        "name": "occupation-inference", "direction": "occupations",
        "task": "occupation-inference", "labels": "offers",
        "description": "Real offers with their ROME code, job title and skills hidden, against "
                       "the ROME occupations; grade 2 the offer's own code, grade 1 a ROME 4.0 "
                       "child of it for offers coded in ROME v3 (created before 2024)."})


# --------------------------------------------------------------------------- (e)

LISTED_GRADES = {Requirement.REQUIRED: 2, Requirement.WISHED: 1}


def build_skill_extraction(offers: Sequence[Offer]) -> LabelledSet:
    """Set (e): the real offers that list skills, those skills hidden; judged by the listed
    skills (grade 2 required, 1 wished), which the reader must find in the title and
    description alone."""
    queries = []
    qrels: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for offer in offers:
        listed = {tag.code: LISTED_GRADES.get(tag.requirement, 1)
                  for tag in offer.skills if tag.code}
        if not listed:
            continue
        labels.update({tag.code: tag.label for tag in offer.skills if tag.code})
        hidden = hidden_codes(offer)
        queries.append(EvalQuery(offer.id, f"{offer.title}\n{offer.description}".strip(),
                                 {"offer": hidden.model_dump(mode="json",
                                                             exclude_defaults=True)}))
        qrels[offer.id] = listed
    corpus = [CorpusDoc(code, label, "", {"skill_code": code})
              for code, label in sorted(labels.items())]
    log.info("set skill-extraction: %d offers, %d listed skills", len(queries),
             sum(len(j) for j in qrels.values()))
    return LabelledSet(corpus, queries, qrels, {
        "name": "skill-extraction", "direction": "skills", "task": "skill-extraction",
        "labels": "offers",
        "description": "Real offers that list skills (France Travail `competences`), the list "
                       "hidden; the reader must find the listed skills in the title and "
                       "description (grade 2 required, 1 wished)."})


# --------------------------------------------------------------------------- (f)


def build_seeker_offers_hidden(offers: Sequence[Offer], taxonomy: Taxonomy,
                               seed: int = DEFAULT_SEED) -> LabelledSet:
    """Set (f): the seekers of (a) over every real offer with its codes hidden (ROME code,
    label, job title, listed skills); graded as (a) by the hidden code."""
    visible = build_seeker_offers(offers, taxonomy, seed)
    corpus = [offer_doc(hidden_codes(o)) for o in offers]
    log.info("set seeker-offers-hidden-codes: %d offers, %d queries", len(corpus),
             len(visible.queries))
    return LabelledSet(corpus, visible.queries, visible.qrels, {
        "name": "seeker-offers-hidden-codes", "direction": "offers", "seed": seed,
        "description": "The seekers of set (a) (a ROME job-title form + 2-4 core skills, no "
                       "code) against every real offer with its ROME code, job title and "
                       "listed skills hidden; graded by the hidden code as in (a)."})
