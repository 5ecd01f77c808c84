"""Reader tests on hand-written fixtures, plus one slow test on the real offers CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.geo import Gazetteer
from indexer.models import ExperienceLevel, GeoPoint, Offer, Profile, Requirement
from indexer.readers import (
    Rejection,
    profile_json_schema,
    read_offers,
    read_profiles,
    write_jsonl,
    write_rejections,
)
from indexer.readers.schema import PROFILE_SCHEMA_PATH

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OFFERS = FIXTURES / "offers"
REAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
REAL_CSV = REAL_DATA / "offers" / "offres_ardeche_cdi_2025.csv"


def test_api_json_with_resultats() -> None:
    result = read_offers(OFFERS / "api_offers.json")
    assert result.rejections == []
    first, second = result.records
    assert first.id == "191ABCD" and first.rome_code == "D1102"
    assert [(s.code, s.requirement) for s in first.skills] == [
        ("100090", Requirement.REQUIRED), ("121540", Requirement.WISHED)]
    assert first.place is not None and first.place.point == GeoPoint(lat=44.6102, lon=4.3964)
    assert first.salary == "Mensuel de 1900,00 Euros sur 12 mois"
    assert first.education == ["CAP, BEP et équivalents — Boulangerie"]
    assert first.experience is ExperienceLevel.BEGINNER_ACCEPTED
    assert first.qualities == ["Faire preuve de rigueur et de précision"]
    assert second.place is not None and second.place.point is None
    assert second.description == ""


def test_api_json_list_and_single_offer(tmp_path: Path) -> None:
    data = json.loads((OFFERS / "api_offers.json").read_text(encoding="utf-8"))["resultats"]
    data[1]["lieuTravail"].update(latitude="abc", longitude=4.59)
    listed = tmp_path / "list.json"
    text = json.dumps(data, indent=2)
    listed.write_text(text, encoding="utf-8")
    second_line = text.splitlines().index('    "id": "191EFGH",')  # 0-based: the "{" line
    result = read_offers(listed)
    assert [o.id for o in result.records] == ["191ABCD"]
    (rejection,) = result.rejections
    assert rejection.record_id == "191EFGH" and rejection.field == "lieuTravail.latitude"
    assert rejection.line == second_line and "record #2" in rejection.reason
    single = tmp_path / "one.json"
    single.write_text(json.dumps(data[0]), encoding="utf-8")
    assert [o.id for o in read_offers(single).records] == ["191ABCD"]


def test_flattened_csv() -> None:
    result = read_offers(OFFERS / "offers_flat.csv")
    assert result.rejections == []
    vendeur, comptable, cuisinier = result.records
    assert vendeur.description.endswith("- Encaissement")
    assert [s.label for s in vendeur.skills] == [
        "Procédures d'encaissement", "Présenter et valoriser un produit ou un service"]
    assert vendeur.languages == ["Anglais"] and vendeur.licences == ["B - Véhicule léger"]
    assert vendeur.place is not None and vendeur.place.commune == "07229"
    assert comptable.skills == [] and comptable.education == ["Bac+2 ou équivalents"]
    assert comptable.place is not None and comptable.place.point is None
    assert cuisinier.place is not None and cuisinier.place.commune is None


def test_csv_rejections_name_line_and_column(tmp_path: Path) -> None:
    text = (OFFERS / "offers_flat.csv").read_text(encoding="utf-8")
    text = text.replace("[{'code': '124011'", "[{'code': __import__('os')")
    text = text.replace("44.611641", "north")
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode("utf-8").replace(b"Cabinet comptable", b"Cabinet \xff"))
    result = read_offers(path)
    assert result.records == []
    assert [(r.line, r.record_id, r.field) for r in result.rejections] == [
        (2, "193FKBM", "lieuTravail.latitude"),
        (5, "192XDYN", "description"),  # the column holding the byte
        (6, "190DHLF", "competences"),
    ]
    assert "UTF-8" in result.rejections[1].reason


def test_jsonl_good_and_bad_lines() -> None:
    result = read_offers(OFFERS / "offers.jsonl")
    assert [o.id for o in result.records] == ["J1", "J2"]
    assert result.records[1].title == "Plombier chauffagiste"  # last duplicate wins
    got = [(r.line, r.record_id, r.field) for r in result.rejections]
    assert got == [
        (2, "J2", "id"),                # superseded duplicate
        (3, None, None),                # non-UTF-8 byte
        (4, "J4", "title"),             # missing title
        (5, "J5", "place.point.lat"),   # wrong type
        (6, None, None),                # malformed JSON
        (8, "J7", "rome_code"),         # invalid ROME code
        (10, None, None),               # not an object
    ]
    assert all(r.path.endswith("offers.jsonl") for r in result.rejections)
    assert "UTF-8" in result.rejections[1].reason
    assert "superseded by line 9" in result.rejections[0].reason


def test_write_rejections_and_jsonl_roundtrip(tmp_path: Path) -> None:
    rejections = [Rejection("a.jsonl", 3, "X", "title", "Field required")]
    report = tmp_path / "out" / "rejections.jsonl"
    write_rejections(report, rejections)
    assert json.loads(report.read_text(encoding="utf-8")) == {
        "path": "a.jsonl", "line": 3, "record_id": "X", "field": "title",
        "reason": "Field required", "action": "rejected"}
    offers = read_offers(OFFERS / "api_offers.json").records
    path = tmp_path / "offers.jsonl"
    write_jsonl(path, offers)
    again = read_offers(path)
    assert again.rejections == [] and again.records == offers
    assert not list(tmp_path.glob(".*.tmp"))


def test_read_profiles(tmp_path: Path) -> None:
    path = tmp_path / "profiles.jsonl"
    path.write_text(
        '{"id": "P1", "titles": ["Boulanger"], "rome_codes": ["D1102"], "radius_km": 20}\n'
        '{"id": "P2", "rome_codes": ["boulanger"]}\n'
        '{"id": "P3", "radius_km": -5}\n', encoding="utf-8")
    result = read_profiles(path)
    assert [p.id for p in result.records] == ["P1"]
    assert [(r.line, r.field) for r in result.rejections] == [(2, "rome_codes"),
                                                             (3, "radius_km")]
    assert isinstance(result.records[0], Profile)


def test_committed_profile_schema_is_up_to_date() -> None:
    committed = json.loads(PROFILE_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == profile_json_schema(), (
        "regenerate with: python -c 'from indexer.readers import write_profile_schema; "
        "write_profile_schema()'")


@pytest.mark.slow
@pytest.mark.skipif(not REAL_CSV.exists(), reason="real data not present")
def test_real_offers_csv() -> None:
    """Counts checked independently with pandas: 299 rows, every romeCode set, 296 with a
    latitude/longitude; of the 3 others, 192XDYN has a commune (07281) and the gazetteer gives
    its point, while 189RLMM and 190DHLF only name a department ("07 - Ardèche...")."""
    result = read_offers(REAL_CSV)
    assert result.rejections == []
    assert len(result.records) == 299
    assert all(isinstance(o, Offer) and o.rome_code for o in result.records)
    located = [o for o in result.records if o.place and o.place.point]
    assert len(located) == 296
    gazetteer = Gazetteer.load(REAL_DATA / "geo")
    missing = sorted(o.id for o in result.records
                     if o.place is None or gazetteer.resolve_place(o.place).point is None)
    assert missing == ["189RLMM", "190DHLF"]


@pytest.mark.slow
@pytest.mark.skipif(not REAL_CSV.exists(), reason="real data not present")
def test_every_real_offer_is_read() -> None:
    """Both real files, 1,672 offers: none rejected, none truncated. Counts checked with
    the json module: 1,373 offers in the France file, 26 of them with experienceExige "S"
    (expérience souhaitée), which the API returns beside "D" and "E"."""
    france = read_offers(REAL_DATA / "offers" / "offres_france_2019_2023.json")
    ardeche = read_offers(REAL_CSV)
    for result in (france, ardeche):
        assert result.rejections == [] and result.truncations == []
    assert (len(france.records), len(ardeche.records)) == (1_373, 299)
    raw = json.loads((REAL_DATA / "offers" / "offres_france_2019_2023.json").read_text(
        encoding="utf-8"))
    wished = {o["id"] for o in raw if o.get("experienceExige") == "S"}
    assert len(wished) == 26
    assert {o.id for o in france.records if o.experience is ExperienceLevel.WISHED} == wished


@pytest.mark.parametrize("text", [
    "", "   ", "[", "[1,", "{", '{"a"', '{"a":', '"text"', '["unterminated',
    '[{"id": "a", "title": "b\\"}]', "[" * 50_000 + "]" * 50_000, '[{"id": "A"} {"id": "B"}]',
])
def test_a_broken_json_document_is_a_rejection_with_a_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "offers.json"
    path.write_text(text, encoding="utf-8")
    result = read_offers(path)
    assert result.records == [] and result.rejections
    assert all(r.line == 1 and r.path == str(path) for r in result.rejections)


def test_every_truncation_of_a_json_file_reads_without_error(tmp_path: Path) -> None:
    """A file cut anywhere (an interrupted download) gives the complete records before the
    cut and rejections naming lines: never an exception."""
    text = (OFFERS / "api_offers.json").read_text(encoding="utf-8")
    complete = read_offers(OFFERS / "api_offers.json").records
    path = tmp_path / "cut.json"
    for end in range(0, len(text), 7):
        path.write_text(text[:end], encoding="utf-8")
        result = read_offers(path)
        assert result.records == complete[:len(result.records)]
        assert all(r.line is not None for r in result.rejections)
