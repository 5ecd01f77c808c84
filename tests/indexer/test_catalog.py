"""The index folder: manifest, reopen, incremental updates, and atomicity under failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.catalog import IndexNotFoundError, IndexWriter, SearchIndex, live_generation
from indexer.encoders import Encoder
from indexer.enrich import concept_enricher
from indexer.manifest import FORMAT_VERSION, IndexMismatchError
from indexer.models import GeoPoint, Offer, Place, Profile
from indexer.settings import KeywordBackend, Settings, load_settings
from indexer.stores.protocols import Filters, GeoFilter, KeywordQuery
from skills_taxonomy import Taxonomy

AUBENAS = GeoPoint(lat=44.6197, lon=4.3903)

OFFERS = [
    Offer(id="o1", title="Boulanger", description="Pain et viennoiseries au fournil.",
          rome_code="D1102", place=Place(commune="07019", point=AUBENAS)),
    Offer(id="o2", title="Électricien du bâtiment", description="Câblage et tableaux.",
          rome_code="F1602"),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


def _build(settings: Settings, encoder: Encoder, offers: list[Offer],
           profiles: list[Profile] | None = None, rebuild: bool = False) -> Path:
    with IndexWriter(settings.index_dir, settings, encoder, rebuild=rebuild) as writer:
        writer.upsert_offers(offers)
        writer.upsert_profiles(profiles or [])
        return writer.commit()


def _keyword_ids(index: SearchIndex, text: str) -> list[str]:
    return [h.id for h in index.offers.keyword_search(KeywordQuery(text), Filters(), 10)]


def test_open_without_index_says_how_to_build(settings: Settings, encoder: Encoder) -> None:
    with pytest.raises(IndexNotFoundError, match="emploi index --index-dir"):
        SearchIndex.open(settings.index_dir, settings, encoder)


def test_build_then_reopen(settings: Settings, encoder: Encoder) -> None:
    generation = _build(settings, encoder, OFFERS, [Profile(id="p1", titles=["Boulanger"])])
    manifest = json.loads((generation / "manifest.json").read_text())
    assert manifest["encoder"] == encoder.name
    assert manifest["dimension"] == encoder.dimension
    assert manifest["counts"] == {"offers": 2, "profiles": 1}
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["versions"]["faiss-cpu"] != ""

    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert sorted(index.offers.ids()) == ["o1", "o2"]
    assert index.offers.get("o1") == OFFERS[0]
    assert _keyword_ids(index, "boulangers") == ["o1"]
    vector = encoder.encode_queries(["électricien"])[0]
    assert index.offers.vector_search(vector, Filters(), 1)[0].id == "o2"


def test_incremental_update_keeps_previous_records(settings: Settings,
                                                   encoder: Encoder) -> None:
    _build(settings, encoder, OFFERS)
    added = Offer(id="o3", title="Vendeuse en boulangerie", rome_code="D1106")
    changed = OFFERS[1].model_copy(update={"title": "Électricienne"})
    _build(settings, encoder, [added, changed])
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert sorted(index.offers.ids()) == ["o1", "o2", "o3"]
    assert index.offers.keyword.count() == 3
    assert index.offers.vectors.count() == 3
    changed_offer = index.offers.get("o2")
    assert changed_offer is not None and changed_offer.title == "Électricienne"
    assert len(list(settings.index_dir.glob("gen-*"))) == 1  # old generations removed


def test_delete(settings: Settings, encoder: Encoder) -> None:
    _build(settings, encoder, OFFERS)
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        assert writer.delete_offers(["o1", "unknown"]) == ["o1"]
        writer.commit()
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.offers.ids() == ["o2"]
    assert _keyword_ids(index, "boulanger") == []
    assert index.offers.vectors.count() == 1


@pytest.mark.parametrize("interruption", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_interrupted_update_leaves_previous_index(settings: Settings, encoder: Encoder,
                                                  interruption: BaseException) -> None:
    _build(settings, encoder, OFFERS)
    live_before = live_generation(settings.index_dir)
    with pytest.raises(type(interruption)), IndexWriter(
            settings.index_dir, settings, encoder) as writer:
        writer.delete_offers(["o1"])
        writer.upsert_offers([Offer(id="o9", title="Maçon")])
        raise interruption
    assert live_generation(settings.index_dir) == live_before
    assert not list(settings.index_dir.glob(".work-*"))
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert sorted(index.offers.ids()) == ["o1", "o2"]


def test_crash_leftovers_are_cleaned_and_ignored(settings: Settings, encoder: Encoder) -> None:
    _build(settings, encoder, OFFERS)
    leftover = settings.index_dir / ".work-deadbeef"
    (leftover / "offers").mkdir(parents=True)
    assert sorted(SearchIndex.open(settings.index_dir, settings, encoder).offers.ids()) == [
        "o1", "o2"]
    _build(settings, encoder, [Offer(id="o4", title="Plombier")])
    assert not leftover.exists()


def test_rebuild_starts_empty(settings: Settings, encoder: Encoder) -> None:
    _build(settings, encoder, OFFERS)
    _build(settings, encoder, [Offer(id="o5", title="Cuisinier")], rebuild=True)
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.offers.ids() == ["o5"]
    assert index.offers.keyword.count() == 1


def test_mismatched_settings_are_refused_with_the_fix(settings: Settings,
                                                      encoder: Encoder) -> None:
    generation = _build(settings, encoder, OFFERS)
    manifest_path = generation / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["encoder"], manifest["dimension"] = "other-model", 384
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"other-model.*--rebuild"):
        SearchIndex.open(settings.index_dir, settings, encoder)
    opensearch = settings.model_copy(update={"keyword_backend": KeywordBackend.OPENSEARCH})
    manifest["encoder"], manifest["dimension"] = encoder.name, encoder.dimension
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="keyword backend 'embedded'"):
        SearchIndex.open(settings.index_dir, opensearch, encoder)


def test_one_writer_at_a_time(settings: Settings, encoder: Encoder) -> None:
    with IndexWriter(settings.index_dir, settings, encoder), pytest.raises(
            RuntimeError, match="another process is writing"), IndexWriter(
            settings.index_dir, settings, encoder):
        pass


class _CountingEncoder:
    """Wraps an encoder and counts the documents it encodes."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.documents = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode_queries(self, texts: list[str]) -> object:
        return self.inner.encode_queries(texts)

    def encode_documents(self, texts: list[str]) -> object:
        self.documents += len(texts)
        return self.inner.encode_documents(texts)


def test_unchanged_records_are_skipped_and_records_stay_on_disk(
        settings: Settings, encoder: Encoder) -> None:
    counting = _CountingEncoder(encoder)
    _build(settings, counting, OFFERS)  # type: ignore[arg-type]
    first = counting.documents
    generation = _build(settings, counting, OFFERS)  # type: ignore[arg-type]
    assert counting.documents == first  # nothing re-encoded (nor re-stored)
    manifest = json.loads((generation / "manifest.json").read_text())
    assert manifest["vector_index"] == "Flat"
    assert manifest["vector_indexes"]["offers"]["factory"] == "Flat"
    assert (generation / "offers" / "table.npz").exists()
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.offers.get("o2") == OFFERS[1]
    assert index.offers.document("o1") is not None
    near = Filters(geo=GeoFilter(AUBENAS, 5.0))
    vector = encoder.encode_queries(["pain"])[0]
    assert [h.id for h in index.offers.vector_search(vector, near, 5)] == ["o1"]


def test_replaced_records_are_compacted(settings: Settings, encoder: Encoder) -> None:
    _build(settings, encoder, OFFERS)
    for number in range(3):
        _build(settings, encoder,
               [OFFERS[1].model_copy(update={"title": f"Électricien {number}"})])
    generation = live_generation(settings.index_dir)
    lines = (generation / "offers" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 3
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.offers.get("o2") is not None
    assert index.offers.get("o2").title == "Électricien 2"  # type: ignore[union-attr]
    assert sorted(index.offers.ids()) == ["o1", "o2"]


def test_chunks_are_encoded_ahead_and_all_stored(settings: Settings, encoder: Encoder,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """With tiny chunks, encoding chunk k+1 overlaps storing chunk k: every record, and its
    own vector, must still land in the index, and duplicates within the input stay single."""
    monkeypatch.setattr("indexer.catalog.ENCODE_CHUNK", 2)
    offers = [Offer(id=f"o{n}", title=title, description=f"Offre {n}.")
              for n, title in enumerate(["Boulanger", "Électricien", "Plombier", "Couvreur",
                                         "Maçon", "Peintre en bâtiment", "Boulanger"])]
    offers[-1] = offers[0]  # the same record twice
    _build(settings, encoder, offers)
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert sorted(index.offers.ids()) == sorted({o.id for o in offers})
    for offer in offers[:-1]:
        vector = encoder.encode_queries([offer.title])[0]
        assert index.offers.vector_search(vector, Filters(), 1)[0].id == offer.id


def test_chunks_are_read_into_concepts_ahead_and_stored_as_read(
        settings: Settings, encoder: Encoder, mini_taxonomy: Taxonomy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With tiny chunks, reading chunk k+1 into concepts overlaps storing chunk k: every
    record must land with its own concepts, read as the enricher reads it alone."""
    monkeypatch.setattr("indexer.catalog.ENCODE_CHUNK", 2)
    settings = load_settings(index_dir=settings.index_dir, cache_dir=settings.cache_dir,
                             concepts={"vectors": False})
    enricher = concept_enricher(settings, mini_taxonomy, None)
    assert enricher is not None
    texts = [("Vendeuse en prêt-à-porter", "Conseiller un client, encaisser les paiements."),
             ("Mécanicien de marine", "Réparer un moteur de bateau au chantier naval."),
             ("Vendeur en boutique", "Techniques de vente exigées."),
             ("Mécanicien bateau", "Monter un accastillage ; mécanique navale."),
             ("Vendeuse", "Mise en rayon des articles.")]
    offers = [Offer(id=f"o{n}", title=title, description=text)
              for n, (title, text) in enumerate(texts)]
    expected = {o.id: o.concepts for o in enricher.offers(offers)}
    assert len({c.occupations[0].rome_code for c in expected.values() if c and c.occupations}) > 1
    with IndexWriter(settings.index_dir, settings, encoder, enricher=enricher) as writer:
        writer.upsert_offers(offers)
        writer.commit()
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    stored = {o.id: index.offers.get(o.id) for o in offers}
    assert {i: o.concepts for i, o in stored.items() if o is not None} == expected


def test_a_commit_gives_faiss_the_indexing_cores_then_the_setting_back(
        settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    # the reading and encoding are over when a generation is committed: the IVF switch and
    # the recall check run on as many threads as indexing had processes
    import faiss

    settings = load_settings(index_dir=settings.index_dir, cache_dir=settings.cache_dir,
                             encode_processes=3, faiss_threads=1)
    during: list[int] = []
    persist = IndexWriter._persist_collections

    def watched(writer: IndexWriter, *args: object) -> None:
        during.append(faiss.omp_get_max_threads())
        persist(writer, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(IndexWriter, "_persist_collections", watched)
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        writer.upsert_offers(OFFERS)
        assert faiss.omp_get_max_threads() == 1
        writer.commit()
    assert during == [3]
    assert faiss.omp_get_max_threads() == 1


def test_the_next_chunk_is_read_while_this_one_is_stored() -> None:
    from indexer.catalog import _read_ahead
    from indexer.enrich_pool import Reading

    events: list[str] = []

    def start(chunk: list[int]) -> Reading[int]:
        events.append(f"start {chunk[0]}")

        def finish() -> list[int]:
            events.append(f"finish {chunk[0]}")
            return [n * 10 for n in chunk]
        return Reading(finish)

    chunks = [(2, [1, 2]), (1, [3]), (1, []), (3, [4, 5])]
    out = []
    for size, chunk in _read_ahead(iter(chunks), start):
        events.append(f"store {chunk}")
        out.append((size, chunk))
    assert out == [(2, [10, 20]), (1, [30]), (1, []), (3, [40, 50])]
    # each reading is begun (its workers busy) before the one before it is finished here
    # and stored; an empty chunk (every record unchanged) is not read
    assert events == ["start 1", "start 3", "finish 1", "store [10, 20]", "finish 3",
                      "store [30]", "start 4", "store []", "finish 4", "store [40, 50]"]
    assert list(_read_ahead(iter(chunks), None)) == chunks


def test_a_writer_waits_for_the_lock_then_gives_up(settings: Settings, encoder: Encoder) -> None:
    import threading
    import time

    from indexer.catalog import IndexBusyError

    _build(settings, encoder, OFFERS)
    held = threading.Event()

    def hold(seconds: float) -> None:
        with IndexWriter(settings.index_dir, settings, encoder):
            held.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold, args=(0.6,))
    holder.start()
    held.wait()
    started = time.monotonic()
    with IndexWriter(settings.index_dir, settings, encoder, lock_wait_s=10) as writer:
        writer.delete_offers(["o2"])
        writer.commit()
    assert time.monotonic() - started >= 0.3
    holder.join()
    held.clear()
    holder = threading.Thread(target=hold, args=(1.0,))
    holder.start()
    held.wait()
    with pytest.raises(IndexBusyError, match="waited"), IndexWriter(
            settings.index_dir, settings, encoder, lock_wait_s=0.2):
        pass
    holder.join()


def test_a_failing_before_publish_keeps_the_previous_generation(settings: Settings,
                                                                encoder: Encoder) -> None:
    live = _build(settings, encoder, OFFERS)

    def refuse() -> None:
        raise OSError("the database said no")

    with pytest.raises(OSError, match="said no"), IndexWriter(
            settings.index_dir, settings, encoder) as writer:
        writer.delete_offers(["o1"])
        writer.commit(before_publish=refuse)
    assert live_generation(settings.index_dir) == live
    assert SearchIndex.open(settings.index_dir, settings, encoder).offers.get("o1") is not None


def test_purge_leaves_no_copy_of_a_profile(settings: Settings, encoder: Encoder) -> None:
    from indexer.documents import profile_embedding_text
    from indexer.encoders import EmbeddingCache
    from indexer.encoders.cache import content_key
    from indexer.models import PersonalData

    gone = Profile(id="p-gone", titles=["Fleuriste"], summary="Compositions florales",
                   personal=PersonalData(name="Aline Rivière", email="aline@example.org",
                                         phone="0639980099"))
    kept = [Profile(id=f"p-kept-{n}", titles=["Boulanger"]) for n in range(10)]
    _build(settings, encoder, OFFERS, [gone, *kept])  # one dead line in 11: no compaction due
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        assert writer.purge_profiles(["p-gone"]) == ["p-gone"]
        writer.commit()
    files = [p for p in settings.index_dir.rglob("*") if p.is_file()]
    for needle in (b"aline@example.org", b"Aline Rivi", b"0639980099", b"p-gone",
                   b"Fleuriste", b"florales"):
        assert [p for p in files if needle in p.read_bytes()] == [], needle
    cache = EmbeddingCache(settings.index_dir / "embeddings")
    assert cache.get_many([content_key(encoder.name, profile_embedding_text(gone))]) == {}
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert sorted(index.profiles.ids()) == sorted(p.id for p in kept)
    assert index.profiles.keyword.count() == len(kept)
    cache.close()


def test_manifest_records_the_ranking_model_until_told_another(settings: Settings,
                                                               encoder: Encoder) -> None:
    with IndexWriter(settings.index_dir, settings, encoder, ranking_model="learned-1") as writer:
        writer.upsert_offers(OFFERS)
        first = writer.commit()
    assert json.loads((first / "manifest.json").read_text())["ranking_model"] == "learned-1"
    second = _build(settings, encoder, [OFFERS[0]])  # a writer not told keeps the record
    assert json.loads((second / "manifest.json").read_text())["ranking_model"] == "learned-1"
    with IndexWriter(settings.index_dir, settings, encoder, ranking_model="hand-2") as writer:
        writer.upsert_offers([OFFERS[1]])
        third = writer.commit()
    assert json.loads((third / "manifest.json").read_text())["ranking_model"] == "hand-2"
