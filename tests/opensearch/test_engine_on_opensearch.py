"""The whole product on OpenSearch: the same fixture index built twice, once embedded (tantivy)
and once with ``keyword_backend=opensearch``, must give the same results and explanations; the
web app and the CLI must work on it, survive a ``--rebuild``, and say clearly (503, exit 3)
when the node is unreachable, then recover when it comes back.

Every OpenSearch engine here gets its own ``opensearch.index_prefix``; its aliases and physical
indexes are deleted at teardown.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from indexer.catalog import IndexWriter, SearchIndex
from indexer.encoders import Encoder
from indexer.enrich import concept_enricher
from indexer.geo import Gazetteer
from indexer.models import Offer, Profile
from indexer.readers import read_offers, read_profiles
from indexer.settings import KeywordBackend, OpenSearchSettings, Settings, load_settings
from indexer.stores.opensearch_store import OpenSearchKeywordStore
from matcher.engine import Engine
from matcher.queries import profile_index_text
from matcher.results import Explanation, Match
from skills_taxonomy import Taxonomy
from tests.conftest import FIXTURES
from tests.opensearch.proxy import FailingProxy
from tests.webapp.roles import RoleClient, items
from webapp.cli import EXIT_BACKEND
from webapp.cli import main as cli_main

pytestmark = pytest.mark.opensearch

KINDS = ("offers", "profiles")
TOP = 10


def _offers() -> list[Offer]:
    result = read_offers(FIXTURES / "engine" / "offers.jsonl")
    assert not result.rejections
    return result.records


def _profiles() -> list[Profile]:
    result = read_profiles(FIXTURES / "engine" / "profiles.jsonl")
    assert not result.rejections
    return result.records


def free_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound then released at once; never listened on)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def fixture_data_dir(root: Path) -> Path:
    """A data folder laid out like ``../shared/data`` (rome4, geo) over the mini fixtures, for
    the code paths (``Engine.open``, the CLI) that read ``settings.rome_dir``/``geo_dir``."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, target in (("rome4", "rome4_mini"), ("geo", "geo_mini"), ("esco_fr", "esco_mini")):
        link = data / name
        if not link.exists():
            link.symlink_to(FIXTURES / target, target_is_directory=True)
    return data


def opensearch_settings_for(root: Path, url: str, prefix: str) -> Settings:
    """The fixture settings with the one change that matters: the OpenSearch backend."""
    return load_settings(data_dir=fixture_data_dir(root), index_dir=root / "index",
                         cache_dir=root / "cache", keyword_backend=KeywordBackend.OPENSEARCH,
                         opensearch=OpenSearchSettings(url=url, index_prefix=prefix,
                                                       timeout_s=30.0))


def embedded_settings_for(root: Path) -> Settings:
    """The same fixture settings, embedded (the default backend)."""
    return load_settings(data_dir=fixture_data_dir(root), index_dir=root / "index",
                         cache_dir=root / "cache", keyword_backend=KeywordBackend.EMBEDDED)


def build_index(settings: Settings, encoder: Encoder, taxonomy: Taxonomy, *,
                rebuild: bool = False) -> None:
    """Index the fixture offers and profiles as ``emploi index`` does (synonyms, gender-neutral
    profile texts and the concepts read from every record included)."""
    synonyms = (taxonomy.title_synonyms()
                if settings.keyword_backend is KeywordBackend.OPENSEARCH else [])
    with IndexWriter(settings.index_dir, settings, encoder, rebuild=rebuild,
                     synonyms=synonyms, profile_text=profile_index_text(taxonomy),
                     enricher=concept_enricher(settings, taxonomy, encoder)) as writer:
        writer.upsert_offers(_offers())
        writer.upsert_profiles(_profiles())
        writer.commit()


def open_engine(settings: Settings, encoder: Encoder, taxonomy: Taxonomy,
                gazetteer: Gazetteer) -> Engine:
    """An engine on the index of ``settings`` (the taxonomy and communes are the fixtures')."""
    return Engine(settings, taxonomy, gazetteer, encoder,
                  SearchIndex.open(settings.index_dir, settings, encoder))


def drop_prefix(url: str, prefix: str) -> None:
    """Delete the aliases ``{prefix}-offers`` / ``{prefix}-profiles`` and every index behind
    them or left over under that prefix."""
    for kind in KINDS:
        store = OpenSearchKeywordStore(OpenSearchSettings(url=url), f"{prefix}-{kind}")
        try:
            store.drop()
            indices = store.client.indices
            for name in indices.get(index=f"{prefix}-{kind}-*",
                                    params={"expand_wildcards": "all"}):
                indices.delete(index=name)
        finally:
            store.close()


@dataclass
class EnginePair:
    """The same fixture index, embedded and on OpenSearch."""

    embedded: Engine
    opensearch: Engine
    prefix: str


MakeOpenSearchEngine = Callable[[], tuple[Engine, str]]


@pytest.fixture(scope="module")
def make_opensearch_engine(opensearch_url: str, tmp_path_factory: pytest.TempPathFactory,
                           encoder: Encoder, mini_taxonomy: Taxonomy,
                           mini_gazetteer: Gazetteer) -> Iterator[MakeOpenSearchEngine]:
    """A factory of fixture engines on OpenSearch, each with its own index prefix; every
    prefix's indexes are deleted at the end of the module."""
    prefixes: list[str] = []

    def make() -> tuple[Engine, str]:
        prefix = f"emploi-test-engine-{uuid.uuid4().hex[:10]}"
        prefixes.append(prefix)
        settings = opensearch_settings_for(tmp_path_factory.mktemp("os-engine"),
                                           opensearch_url, prefix)
        build_index(settings, encoder, mini_taxonomy)
        return open_engine(settings, encoder, mini_taxonomy, mini_gazetteer), prefix

    yield make
    for prefix in prefixes:
        drop_prefix(opensearch_url, prefix)


@pytest.fixture(scope="module")
def pair(make_opensearch_engine: MakeOpenSearchEngine, tmp_path_factory: pytest.TempPathFactory,
         encoder: Encoder, mini_taxonomy: Taxonomy, mini_gazetteer: Gazetteer) -> EnginePair:
    """The fixture index built twice: embedded, and on OpenSearch (unique prefix), once per
    module; tests must treat both as read-only (the rebuild test builds its own)."""
    settings = embedded_settings_for(tmp_path_factory.mktemp("embedded-engine"))
    build_index(settings, encoder, mini_taxonomy)
    embedded = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
    opensearch, prefix = make_opensearch_engine()
    return EnginePair(embedded, opensearch, prefix)


# --- same results, same explanations ----------------------------------------------------------


def explanation_shape(explanation: Explanation) -> dict[str, Any]:
    """What must not depend on the keyword backend: component names, skills, distance,
    filters (component values include the retrieval score, which may differ)."""
    return {
        "components": [component.name for component in explanation.components],
        "matched": [(s.code, s.label, s.requirement) for s in explanation.matched_skills],
        "missing": [(s.code, s.label, s.requirement) for s in explanation.missing_skills],
        "distance_km": explanation.distance_km,
        "filters": list(explanation.filters),
        "occupation_relation": explanation.occupation_relation,
    }


def assert_same_matches(embedded: list[Match], opensearch: list[Match], what: str) -> None:
    """Same ids in the same order, and the same explanation structure for each."""
    assert [m.id for m in opensearch] == [m.id for m in embedded], what
    for a, b in zip(embedded, opensearch, strict=True):
        assert explanation_shape(b.explanation) == explanation_shape(a.explanation), (what, a.id)
        assert (b.explanation.retrieval.keyword_rank is None) == (
            a.explanation.retrieval.keyword_rank is None), (what, a.id)


def test_the_fixture_index_lives_on_opensearch(pair: EnginePair) -> None:
    for kind, collection in (("offers", pair.opensearch.offers),
                             ("profiles", pair.opensearch.profiles)):
        store = collection.keyword
        assert isinstance(store, OpenSearchKeywordStore)
        assert store.alias == f"{pair.prefix}-{kind}"
        [physical] = store.physical_indexes()
        assert physical.startswith(f"{store.alias}-")
        assert store.count() == len(collection)
    assert not (pair.opensearch.index.generation / "offers" / "keyword").exists()


def _profile_ids() -> list[str]:
    return [profile.id for profile in _profiles()]


def _offer_params() -> list[Any]:
    return [offer.id for offer in _offers()]


@pytest.mark.parametrize("widen", [False, True])
@pytest.mark.parametrize("profile_id", _profile_ids())
def test_offers_for_each_profile_are_the_same(pair: EnginePair, profile_id: str,
                                              widen: bool) -> None:
    profile = pair.embedded.profiles.get(profile_id)
    assert profile is not None
    embedded = pair.embedded.offers_for_profile(profile, TOP, widen=widen)
    opensearch = pair.opensearch.offers_for_profile(profile, TOP, widen=widen)
    assert embedded, profile.id
    assert_same_matches(embedded, opensearch, f"offers for {profile.id} widen={widen}")


@pytest.mark.parametrize("offer_id", _offer_params())
def test_candidates_for_each_offer_are_the_same(pair: EnginePair, offer_id: str) -> None:
    offer = pair.embedded.offers.get(offer_id)
    assert offer is not None
    embedded = pair.embedded.candidates_for_offer(offer, TOP)
    opensearch = pair.opensearch.candidates_for_offer(offer, TOP)
    assert embedded, offer.id
    assert_same_matches(embedded, opensearch, f"candidates for {offer.id}")


def test_keyword_retrieval_finds_the_same_documents(pair: EnginePair) -> None:
    from matcher.queries import query_for_profile

    for profile in pair.embedded.profiles:
        query = query_for_profile(profile, pair.embedded.taxonomy)
        embedded = pair.embedded.offers.keyword_search(query.keyword, query.filters, TOP)
        opensearch = pair.opensearch.offers.keyword_search(query.keyword, query.filters, TOP)
        assert {h.id for h in opensearch} == {h.id for h in embedded}, profile.id
        assert opensearch[:1] == [] or opensearch[0].id == embedded[0].id, profile.id


# --- the web app and the CLI on OpenSearch ----------------------------------------------------


def _client(engine: Engine) -> RoleClient:
    """A client that signs in as the role each URL needs (pages and API require accounts)."""
    profile = next(p for p in engine.profiles if p.skills)
    offer = next(o for o in engine.offers if o.skills)
    return RoleClient(engine, profile.id, offer.id)


def _page_urls(engine: Engine) -> list[str]:
    profile = next(p for p in engine.profiles if p.skills)
    offer = next(o for o in engine.offers if o.skills)
    return ["/chercheur", "/chercheur?widen=1",
            "/recherche?titles=vendeur&commune=07019&radius=40",
            f"/employeur?offre={offer.id}", f"/conseiller?profil={profile.id}",
            f"/offres/{offer.id}"]


def _api_urls(engine: Engine) -> list[str]:
    profile = next(p for p in engine.profiles if p.skills)
    offer = next(o for o in engine.offers if o.skills)
    return [f"/api/v1/profiles/{profile.id}/offers", f"/api/v1/profiles/{profile.id}/offers"
            "?widen=1", f"/api/v1/offers/{offer.id}/candidates",
            "/api/v1/search?text=vendeur&commune=07019&radius=40",
            "/api/v1/taxonomy/suggest?q=vendeur"]


def _keys(rows: list[dict[str, Any]]) -> list[Any]:
    """Result ids (``code`` for taxonomy suggestions), in order."""
    return [row.get("id", row.get("code", row.get("pseudonym"))) for row in items(rows)]


def test_pages_and_api_answer_on_opensearch(pair: EnginePair) -> None:
    engine = pair.opensearch
    client, reference = _client(engine), _client(pair.embedded)
    for url in _page_urls(engine):
        response = client.get(url)
        assert response.status_code == 200, url
    for url in _api_urls(engine):
        response = client.get(url)
        assert response.status_code == 200, url
        expected = reference.get(url).get_json()
        assert _keys(response.get_json()) == _keys(expected), url
    profile = next(p for p in engine.profiles if p.skills)
    response = client.post(f"/api/v1/profiles/{profile.id}/preview",
                           json={"remove_skills": [profile.skills[0].code]})
    assert response.status_code == 200
    expected = reference.post(f"/api/v1/profiles/{profile.id}/preview",
                              json={"remove_skills": [profile.skills[0].code]}).get_json()
    assert response.get_json()["entered"] == expected["entered"]
    assert response.get_json()["left"] == expected["left"]
    response = client.post("/conseiller", data={"profil": profile.id, "action": "previsualiser",
                                                "remove": profile.skills[0].code})
    assert response.status_code == 200


def test_rebuild_switches_the_alias_and_searches_keep_working(
        opensearch_url: str, tmp_path: Path, encoder: Encoder, mini_taxonomy: Taxonomy,
        mini_gazetteer: Gazetteer) -> None:
    prefix = f"emploi-test-engine-{uuid.uuid4().hex[:10]}"
    try:
        settings = opensearch_settings_for(tmp_path, opensearch_url, prefix)
        build_index(settings, encoder, mini_taxonomy)
        engine = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
        profile = next(iter(engine.profiles))
        offer = next(iter(engine.offers))
        before_offers = [m.id for m in engine.offers_for_profile(profile, TOP)]
        before_candidates = [m.id for m in engine.candidates_for_offer(offer, TOP)]
        stores = [engine.offers.keyword, engine.profiles.keyword]
        assert all(isinstance(s, OpenSearchKeywordStore) for s in stores)
        old = [s.physical_indexes() for s in stores]  # type: ignore[attr-defined]

        build_index(settings, encoder, mini_taxonomy, rebuild=True)

        new = [s.physical_indexes() for s in stores]  # type: ignore[attr-defined]
        for old_names, new_names in zip(old, new, strict=True):
            assert len(old_names) == len(new_names) == 1
            assert old_names != new_names
        # the engine opened before the rebuild reads through the alias: same answers
        assert [m.id for m in engine.offers_for_profile(profile, TOP)] == before_offers
        assert [m.id for m in engine.candidates_for_offer(offer, TOP)] == before_candidates
        # and so does one opened on the new generation, through the web app
        reopened = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
        assert [m.id for m in reopened.offers_for_profile(profile, TOP)] == before_offers
        client = _client(reopened)
        assert client.get("/chercheur").status_code == 200
        assert client.get(f"/api/v1/offers/{offer.id}/candidates").status_code == 200
    finally:
        drop_prefix(opensearch_url, prefix)


# --- an unreachable node, and its return -------------------------------------------------------


def _unreachable_engine(engine: Engine, url: str, result_cache: int = 0) -> Engine:
    """The same index opened with settings that point at ``url``; by default without the
    ranked-list cache, so every request asks the node (see the cache test below)."""
    settings = engine.settings.model_copy(update={
        "opensearch": engine.settings.opensearch.model_copy(update={"url": url,
                                                                    "timeout_s": 5.0}),
        "matching": engine.settings.matching.model_copy(update={"result_cache": result_cache})})
    return open_engine(settings, engine.encoder, engine.taxonomy, engine.gazetteer)


def _assert_unavailable(client: RoleClient, engine: Engine, port: int) -> None:
    profile = next(p for p in engine.profiles if p.skills)
    offer = next(o for o in engine.offers if o.skills)
    response = client.get("/chercheur")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "momentanément indisponible" in response.get_data(as_text=True)
    for url in (f"/api/v1/profiles/{profile.id}/offers", f"/api/v1/offers/{offer.id}/candidates",
                "/api/v1/search?text=vendeur"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.is_json and "indisponible" in response.get_json()["error"], url
    assert str(port) not in response.get_data(as_text=True)  # the node's address stays private


def test_an_unreachable_node_is_503_in_the_app_and_exit_3_in_the_cli(
        pair: EnginePair, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    engine = _unreachable_engine(pair.opensearch, url)
    _assert_unavailable(_client(engine), engine, port)
    # the taxonomy autocomplete does not need the node
    assert _client(engine).get("/api/v1/taxonomy/suggest?q=vendeur").status_code == 200

    settings = engine.settings
    for name, value in (("EMPLOI_KEYWORD_BACKEND", "opensearch"),
                        ("EMPLOI_OPENSEARCH__URL", url),
                        ("EMPLOI_OPENSEARCH__INDEX_PREFIX", pair.prefix),
                        ("EMPLOI_DATA_DIR", str(settings.data_dir)),
                        ("EMPLOI_CACHE_DIR", str(settings.cache_dir)),
                        ("EMPLOI_ENCODER", "use")):  # the index was built with USE-m3
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EMPLOI_CONFIG", raising=False)
    result = CliRunner().invoke(cli_main, ["search", "--index-dir", str(settings.index_dir),
                                           "--text", "vendeur"])
    assert result.exit_code == EXIT_BACKEND, result.output
    assert url in result.output
    assert "unreachable" in result.output


def test_the_app_recovers_when_the_node_comes_back(pair: EnginePair,
                                                   opensearch_url: str) -> None:
    with FailingProxy(opensearch_url) as proxy:
        engine = _unreachable_engine(pair.opensearch, proxy.url)
        client = _client(engine)
        profile = next(p for p in engine.profiles if p.skills)
        page, api = "/chercheur", f"/api/v1/profiles/{profile.id}/offers"
        assert client.get(page).status_code == 200
        expected = client.get(api).get_json()

        proxy.fail(1_000_000, status=None)  # the node "goes away": connections are dropped
        _assert_unavailable(client, engine, int(proxy.url.rsplit(":", 1)[1]))
        proxy.fail(1_000_000, status=503)  # then answers 503 while it starts again
        assert client.get(page).status_code == 503
        assert client.get(api).status_code == 503

        proxy.fail(0)  # it is back: the same engine answers again, no restart needed
        assert client.get(page).status_code == 200
        response = client.get(api)
        assert response.status_code == 200
        assert [r["id"] for r in items(response.get_json())] == [r["id"] for r in
                                                                 items(expected)]


def test_cached_ranked_lists_are_served_during_an_outage(pair: EnginePair,
                                                        opensearch_url: str) -> None:
    """A ranked list computed before the node went away is still served (same generation,
    same profile); a request that needs the node gets the 503."""
    with FailingProxy(opensearch_url) as proxy:
        engine = _unreachable_engine(pair.opensearch, proxy.url, result_cache=64)
        client = _client(engine)
        profile = next(p for p in engine.profiles if p.skills)
        api = f"/api/v1/profiles/{profile.id}/offers"
        before = client.get(api)
        assert before.status_code == 200
        proxy.fail(1_000_000, status=None)
        during = client.get(api)
        assert during.status_code == 200
        assert items(during.get_json()) == items(before.get_json())
        assert client.get("/api/v1/search?text=boulanger").status_code == 503
