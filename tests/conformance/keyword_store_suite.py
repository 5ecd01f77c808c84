"""The ``KeywordStore`` conformance suite, shared by every keyword backend.

A backend's test module subclasses :class:`KeywordStoreConformance` and overrides the fixture
``make_store``: a callable that returns a new, EMPTY store each time it is called (a remote
backend gives each call its own uniquely named index and deletes it on teardown). A backend
whose files are not in the store's ``directory`` also overrides ``storage_of`` (the folder
grepped after a purge; a remote node's data folder when the tests can read it), and may
override ``assert_no_copy`` to add its own check that a purge left nothing behind::

    class TestMyStore(KeywordStoreConformance):
        @pytest.fixture
        def make_store(self) -> Iterator[MakeKeywordStore]:
            yield lambda: MyStore(...)

The suite only uses the ``KeywordStore`` protocol, so it holds for any backend; a backend with
the ``AppendableKeywordStore`` capability (tantivy, OpenSearch) subclasses
:class:`AppendableKeywordStoreConformance`, which adds the tests of ``add_new``. Fixture
documents and expected results are written by hand.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from indexer.distance import haversine_km
from indexer.models import GeoPoint
from indexer.stores.protocols import (
    AppendableKeywordStore,
    Filters,
    GeoFilter,
    Hit,
    IndexedDoc,
    KeywordQuery,
    KeywordStore,
)

MakeKeywordStore = Callable[[], KeywordStore]
StorageOf = Callable[[KeywordStore], Path | None]
NoCopyCheck = Callable[[KeywordStore, str], None]

LYON = GeoPoint(lat=45.7640, lon=4.8357)
PARIS = GeoPoint(lat=48.8566, lon=2.3522)
# Hand-computed points around LYON (destination formula, rounded to 1e-5 degree):
NORTH_29_KM = GeoPoint(lat=46.02480, lon=4.83570)
NORTH_31_KM = GeoPoint(lat=46.04279, lon=4.83570)
EAST_29_KM = GeoPoint(lat=45.76339, lon=5.20955)
EAST_31_KM = GeoPoint(lat=45.76330, lon=5.23533)
# North-east, 35 km: inside a 30 km bounding box, outside the 30 km circle.
NORTH_EAST_35_KM = GeoPoint(lat=45.98612, lon=5.15602)


def _day(day: int, month: int = 3) -> datetime:
    return datetime(2024, month, day, 12, 0, tzinfo=UTC)


def _doc(doc_id: str, title: str, text: str, **fields: Any) -> IndexedDoc:
    return IndexedDoc(id=doc_id, title=title, text=text, **fields)


CATALOGUE: tuple[IndexedDoc, ...] = (
    _doc("boulanger", "Boulanger H/F", "Fabrication du pain et des viennoiseries au fournil.",
         rome_codes=("D1102",), skill_codes=("100001",), contract_types=("CDI",),
         location=LYON, created_at=_day(1)),
    _doc("electricien", "Électricien du bâtiment",
         "Installation électrique, pose de tableaux et câblage sur chantier.",
         rome_codes=("F1602",), skill_codes=("100002",), contract_types=("CDD",),
         location=NORTH_29_KM, created_at=_day(10)),
    _doc("vendeur", "Vendeur en magasin", "Conseil client, encaissement et mise en rayon.",
         rome_codes=("D1214",), contract_types=("CDI", "MIS"),
         location=PARIS, created_at=_day(20)),
    _doc("soignant", "Aide-soignant de nuit",
         "Soins d'hygiène et de confort aux patients de l'hôpital.",
         rome_codes=("J1501",), contract_types=("CDD",), location=NORTH_31_KM,
         created_at=_day(31)),
    _doc("sans-champs", "Agent d'entretien", "Nettoyage des locaux et des vitres."),
)


def files_containing(folder: Path, needle: str) -> list[Path]:
    """Every file under ``folder`` whose bytes contain ``needle`` (UTF-8), as ``grep -rl``;
    files that vanish or cannot be read while walking are passed over."""
    wanted = needle.encode()
    found: list[Path] = []
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if wanted in data:
                found.append(path)
    return found


def _ids(hits: Iterable[Hit]) -> list[str]:
    return [hit.id for hit in hits]


def _search(store: KeywordStore, text: str, top_k: int = 10, **filters: Any) -> list[str]:
    return _ids(store.search(KeywordQuery(text), Filters(**filters), top_k))


_PROBES: tuple[tuple[str, Filters], ...] = (
    ("boulanger", Filters()),
    ("pain viennoiseries chantier", Filters()),
    ("électricien câblage", Filters(geo=GeoFilter(LYON, 30.0))),
    ("vendeur soins nettoyage", Filters(contract_types=frozenset({"CDD"}))),
    ("agent", Filters()),
)
"""Queries and filters on which ``add_new`` and ``upsert`` must give the same results."""


def _appendable(store: KeywordStore) -> AppendableKeywordStore:
    assert isinstance(store, AppendableKeywordStore), type(store).__name__
    return store


class KeywordStoreConformance:
    """Behaviour every ``KeywordStore`` must have. Subclasses override ``make_store``."""

    @pytest.fixture
    def make_store(self) -> MakeKeywordStore:
        """A callable returning a new, empty store. Every backend overrides this."""
        raise NotImplementedError("override the make_store fixture in the backend's tests")

    @pytest.fixture
    def storage_of(self) -> StorageOf:
        """The folder holding a store's files (None: in memory, or unknown to the tests)."""
        return lambda store: getattr(store, "directory", None)

    @pytest.fixture
    def assert_no_copy(self, storage_of: StorageOf) -> NoCopyCheck:
        """Fails when a file of the store still contains ``needle`` (when its files are
        known)."""
        def check(store: KeywordStore, needle: str) -> None:
            folder = storage_of(store)
            if folder is not None:
                left = files_containing(folder, needle)
                assert not left, f"the purged record is still in {[str(p) for p in left]}"
        return check

    @pytest.fixture
    def catalogue(self, make_store: MakeKeywordStore) -> KeywordStore:
        """A store holding the hand-written ``CATALOGUE``."""
        store = make_store()
        store.upsert(CATALOGUE)
        return store

    # --- writes and counts -------------------------------------------------------------

    def test_new_store_is_empty(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        assert store.count() == 0
        assert _search(store, "boulanger") == []

    def test_satisfies_protocol(self, make_store: MakeKeywordStore) -> None:
        assert isinstance(make_store(), KeywordStore)

    def test_upsert_then_count(self, catalogue: KeywordStore) -> None:
        assert catalogue.count() == 5

    def test_upsert_accepts_a_generator(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert(doc for doc in CATALOGUE[:2])
        assert store.count() == 2

    def test_upsert_same_id_replaces(self, catalogue: KeywordStore) -> None:
        catalogue.upsert([_doc("boulanger", "Pâtissier", "Entremets et chocolat.")])
        assert catalogue.count() == 5
        assert _search(catalogue, "fournil") == []
        assert _search(catalogue, "chocolat") == ["boulanger"]

    def test_upsert_is_idempotent(self, catalogue: KeywordStore) -> None:
        catalogue.upsert(CATALOGUE)
        catalogue.upsert(CATALOGUE)
        assert catalogue.count() == 5
        assert _search(catalogue, "boulanger") == ["boulanger"]

    def test_duplicate_ids_in_one_batch_keep_the_last(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert([_doc("x", "Maçon", "Gros œuvre."), _doc("x", "Couvreur", "Toitures.")])
        assert store.count() == 1
        assert _search(store, "couvreur") == ["x"]
        assert _search(store, "maçon") == []

    def test_upsert_replaces_filter_fields(self, catalogue: KeywordStore) -> None:
        old = CATALOGUE[0]
        catalogue.upsert([_doc(old.id, old.title, old.text, contract_types=("CDD",))])
        assert _search(catalogue, "boulanger", contract_types=frozenset({"CDI"})) == []
        assert _search(catalogue, "boulanger", contract_types=frozenset({"CDD"})) == ["boulanger"]

    def test_delete(self, catalogue: KeywordStore) -> None:
        catalogue.delete(["boulanger", "unknown-id"])
        assert catalogue.count() == 4
        assert _search(catalogue, "boulanger") == []
        assert _search(catalogue, "vendeur") == ["vendeur"]

    def test_delete_nothing(self, catalogue: KeywordStore) -> None:
        catalogue.delete([])
        assert catalogue.count() == 5

    def test_delete_then_upsert_again(self, catalogue: KeywordStore) -> None:
        catalogue.delete(["vendeur"])
        catalogue.upsert([CATALOGUE[2]])
        assert catalogue.count() == 5
        assert _search(catalogue, "vendeur") == ["vendeur"]

    def test_purge_leaves_no_copy_in_the_store_files(self, make_store: MakeKeywordStore,
                                                      assert_no_copy: NoCopyCheck) -> None:
        store = make_store()
        mark = f"effacement{uuid.uuid4().hex[:12]}"
        store.upsert(CATALOGUE)
        store.upsert([_doc(f"gone-{mark}", "Soudeur", f"Ancienne version {mark}ancien.")])
        store.upsert([_doc(f"gone-{mark}", f"Soudeur {mark}",
                           f"Contact : {mark}@exemple.test, {mark}.")])
        assert _search(store, mark) == [f"gone-{mark}"]
        expunged = store.purge([f"gone-{mark}", "unknown-id"])
        assert store.count() == 5
        assert _search(store, mark) == []
        assert _search(store, "boulanger") == ["boulanger"]
        if expunged:  # else the owner rebuilds the store (the catalog's tests check it)
            assert_no_copy(store, mark)

    def test_purge_nothing(self, catalogue: KeywordStore) -> None:
        catalogue.purge([])
        assert catalogue.count() == 5

    # --- French analysis ------------------------------------------------------------------

    def test_plural_finds_singular(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "boulangers") == ["boulanger"]
        assert _search(catalogue, "vendeurs") == ["vendeur"]

    def test_singular_finds_plural(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "viennoiserie") == ["boulanger"]
        assert _search(catalogue, "patient") == ["soignant"]

    def test_accents_and_case_are_ignored(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "electricien") == ["electricien"]
        assert _search(catalogue, "ÉLECTRICIEN") == ["electricien"]
        assert _search(catalogue, "hopital") == ["soignant"]

    def test_stop_words_alone_match_nothing(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "le la les des et au") == []

    # --- scoring ----------------------------------------------------------------------------

    def test_title_match_outranks_body_match(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        # Without a title boost, two body occurrences would win over one title occurrence.
        store.upsert([
            _doc("body", "Chaudronnier",
                 "Soudure à l'arc, en appui du soudeur, avec un autre soudeur."),
            _doc("title", "Soudeur", "Soudure à l'arc en atelier de métallerie, en équipe."),
            _doc("other", "Peintre", "Peinture en atelier."),
        ])
        assert _search(store, "soudeur") == ["title", "body"]

    def test_query_titles_boost_matching_titles(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert([
            _doc("cuisine", "Commis de cuisine", "Restaurant, service du midi, restaurant."),
            _doc("plonge", "Plongeur", "Restaurant, vaisselle et plonge, restaurant."),
        ])
        query = KeywordQuery("restaurant", titles=("commis de cuisine",))
        assert _ids(store.search(query, Filters(), 10)) == ["cuisine", "plonge"]

    def test_query_title_phrase_outranks_the_same_words_apart(
            self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        # Same words, same lengths: only the order of the title's words tells them apart.
        store.upsert([
            _doc("apart", "Soignant de nuit, aide au repas", "Maison de retraite."),
            _doc("phrase", "Aide soignant de nuit au repas", "Maison de retraite."),
        ])
        query = KeywordQuery("", titles=("Aide-soignant",))
        assert _ids(store.search(query, Filters(), 10)) == ["phrase", "apart"]

    def test_titles_alone_are_a_query(self, catalogue: KeywordStore) -> None:
        query = KeywordQuery("", titles=("Vendeur en magasin",))
        assert _ids(catalogue.search(query, Filters(), 10))[:1] == ["vendeur"]

    def test_rome_codes_boost(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert([
            _doc("a", "Opérateur", "Travail en atelier.", rome_codes=("H2909",)),
            _doc("b", "Opérateur", "Travail en atelier.", rome_codes=("H2913",)),
        ])
        for code, first in (("H2913", "b"), ("H2909", "a")):
            query = KeywordQuery("atelier", rome_codes=(code,))
            assert _ids(store.search(query, Filters(), 10)) == [first, "ab".replace(first, "")]

    def test_skill_codes_boost(self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert([
            _doc("a", "Opérateur", "Travail en atelier.", skill_codes=("111",)),
            _doc("b", "Opérateur", "Travail en atelier.", skill_codes=("222", "333")),
        ])
        query = KeywordQuery("atelier", skill_codes=("333",))
        assert _ids(store.search(query, Filters(), 10)) == ["b", "a"]

    # --- long free texts: the weightiest terms only ------------------------------------

    @staticmethod
    def _with_common_words(store: KeywordStore, count: int) -> KeywordStore:
        store.upsert([IndexedDoc(id=f"common-{i}", title="Poste", text="Travail en équipe.")
                      for i in range(count)])
        store.upsert([IndexedDoc(id="rare", title="Poste", text="Soudure à l'arc.")])
        return store

    def test_max_text_terms_keeps_the_rarest_of_terms_said_once(
            self, make_store: MakeKeywordStore) -> None:
        store = self._with_common_words(make_store(), 20)
        text = "travail équipe soudure"
        every_term = [hit.id for hit in store.search(KeywordQuery(text), Filters(), 50)]
        assert "rare" in every_term and len(every_term) == 21
        one_term = store.search(KeywordQuery(text, max_text_terms=1), Filters(), 50)
        assert [hit.id for hit in one_term] == ["rare"]
        two_terms = store.search(KeywordQuery(text, max_text_terms=2), Filters(), 50)
        chosen = store.search(KeywordQuery("travail soudure"), Filters(), 50)
        assert [(h.id, round(h.score, 4)) for h in two_terms] == [
            (h.id, round(h.score, 4)) for h in chosen]
        assert store.search(KeywordQuery(text, max_text_terms=3), Filters(), 50) == \
            store.search(KeywordQuery(text), Filters(), 50)

    def test_max_text_terms_breaks_ties_by_query_order(
            self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert([IndexedDoc(id=word, title="Poste", text=word)
                      for word in ("cariste", "magasinier", "soudeur")])
        query = KeywordQuery("soudeur cariste magasinier", max_text_terms=2)
        assert sorted(hit.id for hit in store.search(query, Filters(), 10)) == [
            "cariste", "soudeur"]

    def test_max_text_terms_weighs_a_term_by_how_often_the_text_says_it(
            self, make_store: MakeKeywordStore) -> None:
        store = make_store()
        store.upsert([IndexedDoc(id=f"soudeur-{i}", title="Poste", text="Soudeur en atelier.")
                      for i in range(8)])
        store.upsert([IndexedDoc(id=f"autre-{i}", title="Poste", text="Accueil du public.")
                      for i in range(20)])
        store.upsert([IndexedDoc(id="peintre", title="Poste", text="Peinture.")])
        # "soudeur" is held by 8 of 29 texts but said four times; "peinture", held by one,
        # once: 4 × idf(8) ≈ 5.0 outweighs idf(1) ≈ 3.0
        text = "soudeur soudeur peinture soudeur soudeur"
        kept = store.search(KeywordQuery(text, max_text_terms=1), Filters(), 50)
        assert sorted(hit.id for hit in kept) == sorted(f"soudeur-{i}" for i in range(8))
        rarest_once = store.search(KeywordQuery("soudeur peinture", max_text_terms=1),
                                   Filters(), 50)
        assert [hit.id for hit in rarest_once] == ["peintre"]

    def test_max_text_terms_leaves_titles_and_codes_alone(
            self, make_store: MakeKeywordStore) -> None:
        store = self._with_common_words(make_store(), 5)
        store.upsert([IndexedDoc(id="coded", title="Soudeur", text="Atelier.",
                                 rome_codes=("H2913",))])
        query = KeywordQuery("travail équipe soudure", titles=("Soudeur",),
                             rome_codes=("H2913",), max_text_terms=1)
        ids = [hit.id for hit in store.search(query, Filters(), 10)]
        assert ids[0] == "coded" and "rare" in ids

    def test_codes_alone_are_a_query(self, catalogue: KeywordStore) -> None:
        query = KeywordQuery("", rome_codes=("F1602",))
        assert _ids(catalogue.search(query, Filters(), 10)) == ["electricien"]

    def test_scores_descend_and_ids_are_unique(self, catalogue: KeywordStore) -> None:
        hits = catalogue.search(KeywordQuery("de et pain électrique conseil soins"), Filters(), 10)
        assert len(hits) == 4
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        assert len(set(_ids(hits))) == len(hits)

    # --- top_k and empty queries -----------------------------------------------------------

    def test_top_k_limits_results(self, catalogue: KeywordStore) -> None:
        text = "pain électrique conseil soins nettoyage"
        assert len(_search(catalogue, text, top_k=2)) == 2
        assert len(_search(catalogue, text, top_k=100)) == 5

    @pytest.mark.parametrize("top_k", [0, -1])
    def test_non_positive_top_k_returns_nothing(self, catalogue: KeywordStore, top_k: int) -> None:
        assert _search(catalogue, "boulanger", top_k=top_k) == []

    @pytest.mark.parametrize("text", ["", "   ", "\n\t"])
    def test_empty_query_returns_nothing(self, catalogue: KeywordStore, text: str) -> None:
        assert _search(catalogue, text) == []
        assert _search(catalogue, text, contract_types=frozenset({"CDI"})) == []

    # --- query syntax is text -----------------------------------------------------------------

    @pytest.mark.parametrize(
        "text",
        ['"', '"boulanger', 'boulanger"', "boulanger:", "title:boulanger", "id:boulanger",
         "(boulanger", "boulanger)", "boulanger*", "boul*", "\\", "boulanger\\", "AND",
         "boulanger AND", "AND boulanger", "OR", "NOT boulanger", "-boulanger", "+boulanger",
         "boulanger^2", "boulanger~2", "[a TO z]", "{", "}", "!", "/boulanger/", "&&", "||",
         "boulanger: (\"pain", "*", "?", "'", "l'hôpital", "c++", "<script>"],
    )
    def test_query_syntax_is_plain_text(self, catalogue: KeywordStore, text: str) -> None:
        hits = catalogue.search(KeywordQuery(text, titles=(text,)), Filters(), 10)
        assert isinstance(hits, list)
        if "boulanger" in text:
            assert "boulanger" in _ids(hits)

    def test_field_prefix_is_not_a_field(self, catalogue: KeywordStore) -> None:
        # "rome:D1214" is two words; no document contains them.
        assert _search(catalogue, "rome:D1214") == []

    def test_wildcards_are_not_expanded(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "boul*") == []

    # --- filters ------------------------------------------------------------------------------

    def test_geo_radius_is_exact(self, make_store: MakeKeywordStore) -> None:
        points = {"n29": NORTH_29_KM, "n31": NORTH_31_KM, "e29": EAST_29_KM, "e31": EAST_31_KM,
                  "ne35": NORTH_EAST_35_KM, "centre": LYON, "paris": PARIS}
        for point, expected in ((NORTH_29_KM, 29), (EAST_31_KM, 31), (NORTH_EAST_35_KM, 35)):
            assert haversine_km(LYON, point) == pytest.approx(expected, abs=0.01)
        store = make_store()
        store.upsert(_doc(k, "Cariste", "Conduite de chariot.", location=p)
                     for k, p in points.items())
        store.upsert([_doc("nowhere", "Cariste", "Conduite de chariot.")])
        found = _search(store, "cariste", geo=GeoFilter(LYON, 30.0))
        assert sorted(found) == ["centre", "e29", "n29"]

    @pytest.mark.parametrize(
        ("center", "places", "radius_km", "inside"),
        [
            # across the antimeridian (Fiji): 0.2° of longitude at 17° S is 21.3 km
            (GeoPoint(lat=-17.0, lon=179.95),
             {"east": GeoPoint(lat=-17.0, lon=-179.85), "west": GeoPoint(lat=-17.0, lon=179.5),
              "far": GeoPoint(lat=-17.0, lon=-179.5)}, 30.0, ["east"]),
            # over the North Pole: the point across it is 0.2° of latitude away (22.2 km)
            (GeoPoint(lat=89.9, lon=0.0),
             {"across": GeoPoint(lat=89.9, lon=180.0), "south": GeoPoint(lat=89.5, lon=0.0)},
             30.0, ["across"]),
            # a wide radius (coarse cells): Marseille 278 km from Lyon, Paris 392 km
            (LYON, {"marseille": GeoPoint(lat=43.2965, lon=5.3698), "paris": PARIS,
                    "lyon": LYON}, 300.0, ["lyon", "marseille"]),
        ],
        ids=["antimeridian", "pole", "wide"],
    )
    def test_geo_radius_everywhere(self, make_store: MakeKeywordStore, center: GeoPoint,
                                   places: dict[str, GeoPoint], radius_km: float,
                                   inside: list[str]) -> None:
        assert sorted(k for k, p in places.items()
                      if haversine_km(center, p) <= radius_km) == inside
        store = make_store()
        store.upsert(_doc(k, "Cariste", "Conduite de chariot.", location=p)
                     for k, p in places.items())
        assert sorted(_search(store, "cariste", geo=GeoFilter(center, radius_km))) == inside

    def test_geo_filter_without_text_match_returns_nothing(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "vendeur", geo=GeoFilter(LYON, 30.0)) == []

    def test_contract_filter(self, catalogue: KeywordStore) -> None:
        text = "pain électrique conseil soins nettoyage"
        assert sorted(_search(catalogue, text, contract_types=frozenset({"CDI"}))) == [
            "boulanger", "vendeur"]
        assert sorted(_search(catalogue, text, contract_types=frozenset({"MIS", "CDD"}))) == [
            "electricien", "soignant", "vendeur"]
        assert _search(catalogue, text, contract_types=frozenset({"SAI"})) == []

    def test_rome_filter(self, catalogue: KeywordStore) -> None:
        text = "pain électrique conseil soins nettoyage"
        assert _search(catalogue, text, rome_codes=frozenset({"F1602"})) == ["electricien"]
        assert sorted(_search(catalogue, text, rome_codes=frozenset({"J1501", "D1214"}))) == [
            "soignant", "vendeur"]

    def test_date_filters_are_inclusive(self, catalogue: KeywordStore) -> None:
        text = "pain électrique conseil soins nettoyage"
        assert sorted(_search(catalogue, text, created_after=_day(10))) == [
            "electricien", "soignant", "vendeur"]
        assert sorted(_search(catalogue, text, created_before=_day(10))) == [
            "boulanger", "electricien"]
        assert _search(catalogue, text, created_after=_day(2), created_before=_day(19)) == [
            "electricien"]
        assert _search(catalogue, text, created_after=_day(1, month=4)) == []

    def test_filters_combine(self, catalogue: KeywordStore) -> None:
        text = "pain électrique conseil soins nettoyage"
        found = _search(catalogue, text, geo=GeoFilter(LYON, 30.0),
                        contract_types=frozenset({"CDD"}), created_after=_day(5))
        assert found == ["electricien"]

    def test_filter_without_query_returns_nothing(self, catalogue: KeywordStore) -> None:
        assert _search(catalogue, "", rome_codes=frozenset({"F1602"})) == []

    # --- filters are applied before the top-k cut -------------------------------------------

    def _crowded_store(self, make_store: MakeKeywordStore) -> KeywordStore:
        """60 strong matches that fail every filter, and one weak match that passes."""
        store = make_store()
        store.upsert(
            _doc(f"strong-{i}", "Plombier chauffagiste", "Plombier, plomberie, plombier.",
                 rome_codes=("F1603",), contract_types=("CDI",), location=PARIS,
                 created_at=_day(1, month=1))
            for i in range(60)
        )
        store.upsert(
            _doc(f"corner-{i}", "Plombier chauffagiste", "Plombier, plomberie, plombier.",
                 location=NORTH_EAST_35_KM) for i in range(60)
        )
        store.upsert([
            _doc("weak", "Agent polyvalent", "Petits travaux, dont un peu de plombier.",
                 rome_codes=("I1203",), contract_types=("CDD",), location=EAST_29_KM,
                 created_at=_day(1, month=6)),
        ])
        return store

    @pytest.mark.parametrize(
        "filters",
        [Filters(geo=GeoFilter(LYON, 30.0)), Filters(contract_types=frozenset({"CDD"})),
         Filters(rome_codes=frozenset({"I1203"})), Filters(created_after=_day(1, month=5))],
        ids=["geo", "contract", "rome", "date"],
    )
    def test_filters_apply_before_top_k(
        self, make_store: MakeKeywordStore, filters: Filters
    ) -> None:
        store = self._crowded_store(make_store)
        for top_k in (1, 5):
            assert _ids(store.search(KeywordQuery("plombier"), filters, top_k)) == ["weak"]

    def test_geo_top_k_is_exact_when_box_corners_crowd(self, make_store: MakeKeywordStore) -> None:
        store = self._crowded_store(make_store)
        store.upsert(_doc(f"inside-{i}", "Aide", "Plombier.", location=LYON) for i in range(3))
        found = _ids(store.search(KeywordQuery("plombier"), Filters(geo=GeoFilter(LYON, 30.0)), 4))
        assert sorted(found) == ["inside-0", "inside-1", "inside-2", "weak"]


class AppendableKeywordStoreConformance(KeywordStoreConformance):
    """The whole keyword suite, plus ``add_new`` (the ``AppendableKeywordStore`` capability):
    backends that have the capability subclass this one instead."""

    def test_satisfies_the_appendable_protocol(self, make_store: MakeKeywordStore) -> None:
        assert isinstance(make_store(), AppendableKeywordStore)

    def test_add_new_finds_what_upsert_finds(self, make_store: MakeKeywordStore,
                                             catalogue: KeywordStore) -> None:
        appended = _appendable(make_store())
        appended.add_new(doc for doc in CATALOGUE)
        assert appended.count() == catalogue.count() == 5
        for text, filters in _PROBES:
            expected = catalogue.search(KeywordQuery(text), filters, 10)
            found = appended.search(KeywordQuery(text), filters, 10)
            assert _ids(found) == _ids(expected), (text, filters)
            assert [h.score for h in found] == pytest.approx([h.score for h in expected])
        assert _search(appended, "fournil") == ["boulanger"]

    def test_upsert_after_add_new_replaces(self, make_store: MakeKeywordStore) -> None:
        store = _appendable(make_store())
        store.add_new(CATALOGUE)
        store.upsert([_doc("boulanger", "Pâtissier", "Entremets et chocolat.")])
        assert store.count() == 5
        assert _search(store, "fournil") == []
        assert _search(store, "chocolat") == ["boulanger"]

    def test_delete_after_add_new(self, make_store: MakeKeywordStore) -> None:
        store = _appendable(make_store())
        store.add_new(CATALOGUE)
        store.delete(["vendeur"])
        assert store.count() == 4
        assert _search(store, "vendeur") == []
