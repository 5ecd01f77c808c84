"""Streaming input into the index: records placed on the map from their commune, notices
written as they come, memory bounded by a record, not by the file."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from indexer.catalog import IndexWriter, SearchIndex
from indexer.distance import haversine_km
from indexer.encoders import Encoder
from indexer.geo import Gazetteer
from indexer.ingest import NoticeReport, Placement, ingest_files, place_on_map, stream_records
from indexer.models import GeoPoint, Offer, Place, Profile
from indexer.readers import iter_offers, read_offers
from indexer.settings import load_settings
from indexer.stores.protocols import Filters, GeoFilter

#: Points typed from tests/fixtures/geo_mini/laposte_hexasmal.csv: a commune's point is the
#: mean of its rows (Privas has two).
PRIVAS = GeoPoint(lat=(44.7200 + 44.7250) / 2, lon=(4.5900 + 4.6000) / 2)
ST_PERAY = GeoPoint(lat=44.9411, lon=4.8246)
AUBENAS = GeoPoint(lat=44.6102, lon=4.3964)


def _offer(identifier: str, place: dict[str, object] | None) -> dict[str, object]:
    offer: dict[str, object] = {"id": identifier, "title": "Boulanger / Boulangère"}
    if place is not None:
        offer["place"] = place
    return offer


OFFERS = [
    _offer("BY-CODE", {"commune": "07186"}),
    _offer("BY-POSTCODE", {"postcode": "07130"}),
    _offer("BY-LABEL", {"label": "07 - AUBENAS"}),
    _offer("UNKNOWN", {"commune": "99999", "label": "France"}),
    _offer("LOCATED", {"commune": "07186", "point": {"lat": 44.70, "lon": 4.60}}),
    _offer("SWAPPED", {"commune": "07186", "point": {"lat": 4.5950, "lon": 44.7225}}),
    _offer("ELSEWHERE", {"commune": "07186", "point": {"lat": 45.0, "lon": 5.0}}),
    _offer("NOWHERE", None),
]


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")
    return path


def _point(record: Offer | Profile) -> GeoPoint | None:
    return record.place.point if record.place else None


def test_records_are_placed_from_code_postcode_or_label(tmp_path: Path,
                                                        mini_gazetteer: Gazetteer) -> None:
    path = _write_jsonl(tmp_path / "offers.jsonl", OFFERS)
    placement = Placement()
    with NoticeReport(tmp_path / "report.jsonl") as report:
        offers = {o.id: o for o in stream_records([path], iter_offers, report, mini_gazetteer,
                                                   placement)}
    assert (placement.placed, placement.unplaced, placement.swapped) == (3, 2, 1)
    for identifier, expected in (("BY-CODE", PRIVAS), ("BY-POSTCODE", ST_PERAY),
                                 ("BY-LABEL", AUBENAS)):
        point = _point(offers[identifier])
        assert point is not None and haversine_km(point, expected) < 0.01, identifier
    assert offers["BY-POSTCODE"].place.commune == "07281"  # type: ignore[union-attr]
    assert _point(offers["LOCATED"]) == GeoPoint(lat=44.70, lon=4.60)  # kept as given
    assert _point(offers["SWAPPED"]) == GeoPoint(lat=44.7225, lon=4.5950)  # exchanged back
    assert _point(offers["ELSEWHERE"]) == GeoPoint(lat=45.0, lon=5.0)  # far, but no swap
    assert _point(offers["UNKNOWN"]) is None and offers["NOWHERE"].place is None
    assert not report.written and not (tmp_path / "report.jsonl").exists()


def test_profiles_are_placed_too(mini_gazetteer: Gazetteer) -> None:
    profile = Profile(id="P", place=Place(commune="07281"))
    placed, action = place_on_map(profile, mini_gazetteer)
    assert action == "placed" and _point(placed) is not None
    assert haversine_km(_point(placed), ST_PERAY) < 0.01  # type: ignore[arg-type]
    assert profile.place is not None and profile.place.point is None  # the input is kept


def test_placed_offers_pass_a_distance_filter(tmp_path: Path, encoder: Encoder,
                                              mini_gazetteer: Gazetteer) -> None:
    """Before placing, an offer with only a commune code failed every distance filter."""
    settings = load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    offers = _write_jsonl(tmp_path / "offers.jsonl", OFFERS)
    with IndexWriter(settings.index_dir, settings, encoder) as writer, \
            NoticeReport(tmp_path / "report.jsonl") as report:
        counts = ingest_files(writer, [offers], [], report, mini_gazetteer)
        writer.commit()
    assert counts.offers == len(OFFERS) and counts.placement["offers"].placed == 3
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    near_privas = Filters(geo=GeoFilter(center=PRIVAS, radius_km=5.0))
    query = encoder.encode_queries(["boulanger"])[0]
    found = {hit.id for hit in index.offers.vector_search(query, near_privas, 10)}
    assert found == {"BY-CODE", "LOCATED", "SWAPPED"}


def test_notices_stream_into_the_report(tmp_path: Path) -> None:
    path = tmp_path / "offers.jsonl"
    path.write_text(json.dumps({"id": "A", "title": "Vendeur " + "x" * 1_000}) + "\n"
                    + "[" * 10_000 + "]" * 10_000 + "\n"
                    + json.dumps({"id": "B", "title": "Caissier"}) + "\n", encoding="utf-8")
    report_path = tmp_path / "report.jsonl"
    with NoticeReport(report_path, shown=1) as report:
        offers = list(stream_records([path], iter_offers, report, None, Placement()))
    assert [o.id for o in offers] == ["A", "B"] and len(offers[0].title) == 300
    rows = [json.loads(line) for line in report_path.read_text(encoding="utf-8").splitlines()]
    assert [(r["action"], r["line"], r["record_id"], r["field"]) for r in rows] == [
        ("truncated", 1, "A", "title"), ("rejected", 2, None, None)]
    assert (report.rejected, report.truncated, len(report.shown)) == (1, 1, 1)


def test_a_failed_run_leaves_the_previous_report(tmp_path: Path) -> None:
    report_path = tmp_path / "report.jsonl"
    report_path.write_text("previous\n", encoding="utf-8")
    path = _write_jsonl(tmp_path / "offers.jsonl", [{"id": "A"}])  # no title: rejected
    with pytest.raises(RuntimeError), NoticeReport(report_path) as report:
        list(stream_records([path], iter_offers, report, None, Placement()))
        raise RuntimeError("interrupted")
    assert report_path.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offers.jsonl", "report.jsonl"]


@pytest.mark.parametrize("layout", ["list", "resultats", "jsonl"])
def test_reading_a_big_file_keeps_one_record_in_memory(tmp_path: Path, layout: str) -> None:
    """2,500 offers (about 12 MB): the reader's peak is a few MB, whatever the file size."""
    description = "Pétrissage, façonnage et cuisson des pains. " * 100
    rows = [{"id": f"O{n}", "intitule": "Boulanger (H/F)", "description": description,
             "lieuTravail": {"libelle": "07 - PRIVAS", "commune": "07186"}}
            for n in range(2_500)]
    if layout == "jsonl":
        path = _write_jsonl(tmp_path / "offers.jsonl", rows)  # type: ignore[arg-type]
    else:
        path = tmp_path / "offers.json"
        document: object = rows if layout == "list" else {"filtresPossibles": [],
                                                          "resultats": rows}
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    assert path.stat().st_size > 10 * 2**20
    tracemalloc.start()
    try:
        count = sum(isinstance(item, Offer) for item in iter_offers(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2_500
    assert peak < 8 * 2**20, f"reading peaked at {peak / 2**20:.1f} MiB"


def test_a_json_list_broken_in_the_middle_keeps_the_records_before(tmp_path: Path) -> None:
    path = tmp_path / "offers.json"
    path.write_text('[{"id": "A", "title": "Maçon"},\n{"id": "B", "title": "Peintre"}\n'
                    '{"id": "C", "title": "Couvreur"}]\n', encoding="utf-8")
    result = read_offers(path)
    assert [o.id for o in result.records] == ["A", "B"]
    (rejection,) = result.rejections
    assert rejection.line == 3 and "expected ',' or ']'" in rejection.reason


@pytest.mark.slow
def test_real_offers_without_coordinates_are_placed(real_data_dir: Path, tmp_path: Path
                                                    ) -> None:
    """Counted with the json module on the France file: 122 of the 1,373 offers have no
    latitude; 6 of them have a commune code (Paris 75056 five times, Lyon 69123 once); the
    other 116 name only a department, a region or "France" (no commune to place them at).
    In the Ardèche CSV, 3 of 299 have none; 192XDYN has a commune code (07281). And 75 France
    offers give latitude and longitude swapped (Paris at "2.35, 48.86": more than 50 km from
    their commune, within it once exchanged): corrected, so every Paris offer is in Paris."""
    gazetteer = Gazetteer.load(real_data_dir / "geo", cache_dir=tmp_path)
    counts = {}
    for name in ("offres_france_2019_2023.json", "offres_ardeche_cdi_2025.csv"):
        placement = Placement()
        with NoticeReport(tmp_path / "report.jsonl") as report:
            offers = list(stream_records([real_data_dir / "offers" / name], iter_offers,
                                         report, gazetteer, placement))
        assert not report.written
        counts[name] = (len(offers), placement.placed, placement.unplaced, placement.swapped)
        paris = [o for o in offers if o.place and o.place.commune == "75056"]
        for offer in paris:
            assert offer.place is not None and offer.place.point is not None
            assert haversine_km(offer.place.point, GeoPoint(lat=48.8566, lon=2.3522)) < 5
    assert counts == {"offres_france_2019_2023.json": (1_373, 6, 116, 75),
                      "offres_ardeche_cdi_2025.csv": (299, 1, 2, 0)}
