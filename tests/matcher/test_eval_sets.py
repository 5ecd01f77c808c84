"""Labelled-set builders (deterministic, graded by the rule) and the BEIR folder format, on the
hand-made mini ROME of tests/fixtures/rome4_mini and the mini ESCO of tests/fixtures/esco_mini.

Mini ROME facts used below: D1211's parent sheet is D1214; A1102's parent is A1101; mobility
D1214 → D1211 (1), M1203 (2), I1601 (3); D1211 → D1214; A1101 → A1102; none from M1203.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.geo import Gazetteer
from indexer.models import Offer, Place
from matcher.evaluation.beir import (
    BeirFormatError,
    CorpusDoc,
    EvalQuery,
    LabelledSet,
    read_set,
    write_set,
)
from matcher.evaluation.sets import (
    build_employer_candidates,
    build_seeker_offers,
    build_title_normalisation,
    grade,
)
from skills_taxonomy import Taxonomy, load_taxonomy
from skills_taxonomy.esco_reader import EscoData, read_esco

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """The mini ROME."""
    return load_taxonomy(FIXTURES / "rome4_mini")


@pytest.fixture(scope="module")
def esco() -> EscoData:
    """The mini ESCO: 'vendeur en prêt-à-porter' maps to appellations 30001 (close) and 20613
    (exact), both of D1214; 'skipper' to an appellation unknown to the mini ROME."""
    return read_esco(FIXTURES / "esco_mini")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    """A handful of Ardèche communes."""
    return Gazetteer.load(FIXTURES / "geo_mini")


def _offer(offer_id: str, code: str | None) -> Offer:
    point = {"lat": 44.62, "lon": 4.39}
    return Offer.model_validate({"id": offer_id, "title": f"Offre {offer_id}", "rome_code": code,
                                 "place": Place.model_validate({"commune": "07019",
                                                                "point": point})})


OFFERS = [_offer("o1", "D1214"), _offer("o2", "D1211"), _offer("o3", "M1203"),
          _offer("o4", "I1601"), _offer("o5", "A1101"), _offer("o6", None)]


# --------------------------------------------------------------------------- grading rule


@pytest.mark.parametrize(("seeker", "offer", "expected"), [
    ("D1214", "D1214", 3),   # same occupation
    ("D1214", "D1211", 2),   # D1211's parent is D1214
    ("D1211", "D1214", 2),   # symmetric
    ("A1101", "A1102", 2),   # same parent beats the mobility link A1101 → A1102
    ("D1214", "M1203", 1),   # mobility target of the seeker's occupation
    ("D1214", "I1601", 1),   # mobility target, rank 3
    ("M1203", "D1214", 0),   # the link goes the other way only
    ("I1601", "A1101", 0),
    ("D1214", "Z9999", 0),   # unknown code
    ("D1214", None, 0),
])
def test_grade_rule(taxonomy: Taxonomy, seeker: str, offer: str | None, expected: int) -> None:
    assert grade(seeker, offer, taxonomy) == expected


# --------------------------------------------------------------------------- (a)


def test_seeker_offers_is_deterministic(taxonomy: Taxonomy) -> None:
    first = build_seeker_offers(OFFERS, taxonomy, seed=13)
    second = build_seeker_offers(OFFERS, taxonomy, seed=13)
    assert first == second


def test_seeker_offers_queries_and_grades(taxonomy: Taxonomy) -> None:
    labelled = build_seeker_offers(OFFERS, taxonomy, seed=7)
    assert [d.id for d in labelled.corpus] == ["o1", "o2", "o3", "o4", "o5", "o6"]
    codes = [str(q.metadata["rome_code"]) for q in labelled.queries]
    # every occupation of the offers, 1 or 2 queries each, nothing else
    assert set(codes) == {"D1214", "D1211", "M1203", "I1601", "A1101"}
    assert all(1 <= codes.count(c) <= 2 for c in set(codes))
    for query in labelled.queries:
        code = str(query.metadata["rome_code"])
        profile = query.metadata["profile"]
        forms = {f for a in taxonomy.appellations_of(code) for f in a.forms}
        assert profile["titles"][0] in forms
        assert "rome_codes" not in profile  # the engine must find the occupation itself
        core = {i.item.code for i in taxonomy.items_of(code, core_only=True)}
        assert {s["code"] for s in profile["skills"]} <= core
        assert profile["titles"][0] in query.text
    by_code = {str(q.metadata["rome_code"]): labelled.qrels[q.id] for q in labelled.queries}
    assert by_code["D1214"] == {"o1": 3, "o2": 2, "o3": 1, "o4": 1}
    assert by_code["M1203"] == {"o3": 3}
    assert by_code["A1101"] == {"o5": 3}
    assert all(g > 0 for judged in labelled.qrels.values() for g in judged.values())


# --------------------------------------------------------------------------- (b)


def test_title_normalisation_from_crosswalk(taxonomy: Taxonomy, esco: EscoData) -> None:
    labelled = build_title_normalisation(esco, taxonomy, seed=13)
    assert labelled == build_title_normalisation(esco, taxonomy, seed=13)
    assert [d.id for d in labelled.corpus] == sorted(taxonomy.occupations)
    d1214 = next(d for d in labelled.corpus if d.id == "D1214")
    assert d1214.title == "Vendeur / Vendeuse en prêt-à-porter"
    assert "Conseiller / Conseillère de vente en boutique" in d1214.text
    # the gendered preferred label is split; skipper's appellation is unknown: dropped
    assert sorted(q.text for q in labelled.queries) == [
        "vendeur de vêtements", "vendeur en prêt-à-porter", "vendeuse de vêtements",
        "vendeuse en prêt-à-porter"]
    # exact match (20613) beats close match (30001) for the same occupation
    assert all(judged == {"D1214": 2} for judged in labelled.qrels.values())


def test_title_normalisation_sample_is_seeded(taxonomy: Taxonomy, esco: EscoData) -> None:
    first = build_title_normalisation(esco, taxonomy, seed=1, sample=2)
    assert len(first.queries) == 2
    assert first == build_title_normalisation(esco, taxonomy, seed=1, sample=2)


# --------------------------------------------------------------------------- (c)


def test_employer_candidates(taxonomy: Taxonomy, gazetteer: Gazetteer) -> None:
    labelled = build_employer_candidates(OFFERS, taxonomy, gazetteer, seed=13, profiles=40)
    again = build_employer_candidates(OFFERS, taxonomy, gazetteer, seed=13, profiles=40)
    assert labelled == again
    assert [q.id for q in labelled.queries] == ["o1", "o2", "o3", "o4", "o5"]
    assert len(labelled.corpus) == 40
    for doc in labelled.corpus:
        assert "personal" not in doc.metadata["profile"]
    codes = {d.id: d.metadata["profile"]["rome_codes"][0] for d in labelled.corpus}
    for offer in OFFERS[:5]:
        expected = {pid: g for pid, code in codes.items()
                    if (g := grade(code, offer.rome_code, taxonomy)) > 0}
        assert labelled.qrels.get(offer.id, {}) == expected


# --------------------------------------------------------------------------- BEIR folders


def _tiny_set() -> LabelledSet:
    return LabelledSet(
        corpus=[CorpusDoc("d1", "Vendeuse", "conseil", {"rome_code": "D1214"}),
                CorpusDoc("d2", "Comptable", "")],
        queries=[EvalQuery("q1", "vendeur", {"profile": {"id": "q1", "titles": ["vendeur"]}})],
        qrels={"q1": {"d1": 3}},
        info={"name": "tiny", "direction": "occupations"})


def test_round_trip(tmp_path: Path) -> None:
    write_set(tmp_path / "tiny", _tiny_set())
    assert (tmp_path / "tiny" / "qrels" / "test.tsv").read_text(encoding="utf-8") == (
        "query-id\tcorpus-id\tscore\nq1\td1\t3\n")
    assert read_set(tmp_path / "tiny") == _tiny_set()


def test_extra_keys_are_metadata(tmp_path: Path) -> None:
    write_set(tmp_path, _tiny_set())
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "title": "t", "text": "x", "rome_code": "D1214"}) + "\n"
        + json.dumps({"_id": "d2", "title": "u", "text": "y"}) + "\n", encoding="utf-8")
    assert read_set(tmp_path).corpus[0].metadata == {"rome_code": "D1214"}


@pytest.mark.parametrize(("file", "content", "message"), [
    ("corpus.jsonl", '{"_id": "d1", "title": "t", "text": "x"}\n{oops\n',
     "corpus.jsonl:2: invalid JSON"),
    ("corpus.jsonl", '{"_id": "d1"}\n{"_id": "d1"}\n', "corpus.jsonl:2: duplicate _id 'd1'"),
    ("queries.jsonl", '{"_id": "q1"}\n', "queries.jsonl:1: 'text' must be a non-empty string"),
    ("queries.jsonl", '[1, 2]\n', "queries.jsonl:1: expected a JSON object"),
    ("qrels/test.tsv", "query\tdoc\tscore\n", "test.tsv:1: expected the header line"),
    ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\n",
     "test.tsv:2: expected 3 tab-separated columns"),
    ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\thigh\n",
     "test.tsv:2: score 'high' is not an integer"),
    ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\n",
     "test.tsv:3: corpus-id 'd9' is not in corpus.jsonl"),
    ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq7\td1\t1\n",
     "test.tsv:2: query-id 'q7' is not in queries.jsonl"),
])
def test_bad_input_names_file_and_line(tmp_path: Path, file: str, content: str,
                                       message: str) -> None:
    write_set(tmp_path, _tiny_set())
    (tmp_path / file).write_text(content, encoding="utf-8")
    with pytest.raises(BeirFormatError, match=message.replace("[", r"\[").replace("(", r"\(")):
        read_set(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    write_set(tmp_path, _tiny_set())
    (tmp_path / "queries.jsonl").unlink()
    with pytest.raises(BeirFormatError, match=r"queries.jsonl: file not found"):
        read_set(tmp_path)


# --------------------------------------------------------------------------- runner (smoke)


def test_runner_on_mini_set(tmp_path: Path, taxonomy: Taxonomy) -> None:
    """Every configuration runs end to end on a tiny set with the default encoder, an
    unavailable encoder is skipped with a note, and both reports are written."""
    from indexer.encoders import Encoder, UseEncoder
    from indexer.settings import EncoderKind, Settings, load_settings
    from matcher.evaluation.runner import EvalConfig, evaluate

    write_set(tmp_path / "a", build_seeker_offers(OFFERS, taxonomy, seed=13))
    encoder = UseEncoder()

    def factory(settings: Settings) -> Encoder:
        if settings.encoder is not EncoderKind.USE:
            raise ImportError("not installed here")
        return encoder

    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index")
    report = evaluate(tmp_path / "a", EvalConfig(settings=settings, encoders=("use", "e5"),
                                                 taxonomy=taxonomy, encoder_factory=factory))
    configs = [r.config for r in report.results]
    assert configs == ["keyword", "vector", "hybrid-rrf", "hybrid-weighted",
                       "engine-retrieval", "full"]
    assert all(r.summary.queries == len(report.results[0].per_query) > 0
               for r in report.results)
    assert all(0.0 <= r.summary.ndcg_10 <= 1.0 for r in report.results)
    assert any("e5: skipped" in note for note in report.notes)
    assert [r.config for r in report.ablation][:4] == [
        "full − retrieval", "full − skill", "full − occupation", "full − distance"]
    json_path, md_path = report.write(tmp_path / "out")
    assert json.loads(json_path.read_text(encoding="utf-8"))["set"] == "seeker-offers"
    assert "| full | use |" in md_path.read_text(encoding="utf-8")


def test_runner_normaliser_config_per_encoder(tmp_path: Path, taxonomy: Taxonomy,
                                              esco: EscoData) -> None:
    """``--config normaliser`` on a set of ROME occupations runs the normaliser without an
    encoder ("-") and with each available encoder, without indexing the corpus."""
    from indexer.encoders import UseEncoder
    from indexer.settings import load_settings
    from matcher.evaluation.runner import EvalConfig, evaluate_set

    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index")
    labelled = build_title_normalisation(esco, taxonomy, seed=13)
    encoder = UseEncoder()
    report = evaluate_set(labelled, EvalConfig(settings=settings, configs=("normaliser",),
                                               encoders=("use",), taxonomy=taxonomy,
                                               encoder_factory=lambda _: encoder))
    assert [(r.config, r.encoder) for r in report.results] == [("normaliser", "-"),
                                                               ("normaliser", "use")]
    assert all(r.summary.mrr == 1.0 for r in report.results)
    assert not (tmp_path / "cache" / "eval").exists()
