"""Fixtures for the tests that need a real OpenSearch node.

``make test`` starts one (``tools/opensearch_node.py``, Java + Maven) and exports its URL as
``EMPLOI_TEST_OPENSEARCH_URL``. Without that variable these tests are skipped, except under
``CI=true``, where a missing node is a failure. Every store gets its own uniquely named alias,
deleted with its physical indexes at teardown.

The cluster tests (``-m cluster``) start their own three nodes (``opensearch_cluster``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from indexer.settings import OpenSearchSettings
from indexer.stores.opensearch_alias import AliasedIndex
from indexer.stores.opensearch_store import OpenSearchKeywordStore
from indexer.stores.opensearch_vector_store import OpenSearchVectorStore
from tools.opensearch_node import (
    DEFAULT_MAVEN_REPO,
    ROOT,
    NodeError,
    NodeSpec,
    cluster_specs,
    kill,
    launch,
    start_cluster,
    stop,
    stop_cluster,
    wait_ready,
)

URL_VARIABLE = "EMPLOI_TEST_OPENSEARCH_URL"
IN_CI = os.environ.get("CI", "").lower() == "true"

MakeOpenSearchStore = Callable[..., OpenSearchKeywordStore]
MakeOpenSearchVectorStore = Callable[..., OpenSearchVectorStore]


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    """The test node's URL; skip (fail under CI=true) when none is configured."""
    url = os.environ.get(URL_VARIABLE, "").strip().rstrip("/")
    if not url:
        reason = (f"no OpenSearch node for these tests: run `make test` (starts a node with "
                  f"Java+Maven) or set {URL_VARIABLE}")
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: they must not be skipped)")
        pytest.skip(reason)
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=10) as response:
            status = json.load(response).get("status")
    except (urllib.error.URLError, OSError, ValueError) as error:
        pytest.fail(f"{URL_VARIABLE}={url} does not answer: {error}")
    if status not in ("green", "yellow"):
        pytest.fail(f"the OpenSearch node at {url} is {status}")
    return url


@pytest.fixture(scope="session")
def opensearch_settings(opensearch_url: str) -> OpenSearchSettings:
    """Settings pointing at the test node."""
    return OpenSearchSettings(url=opensearch_url, timeout_s=30.0)


def unique_alias(prefix: str = "emploi-test") -> str:
    """A fresh alias name, so that tests never share an index."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_opensearch_store(
    opensearch_settings: OpenSearchSettings,
) -> Iterator[MakeOpenSearchStore]:
    """A factory of stores on new aliases; ``settings``, ``index`` and the store's keyword
    arguments can be overridden. Every alias and its indexes are deleted at teardown."""
    created: list[OpenSearchKeywordStore] = []

    def make(settings: OpenSearchSettings | None = None, index: str | None = None,
             synonyms: Sequence[str] = (), **options: object) -> OpenSearchKeywordStore:
        store = OpenSearchKeywordStore(settings or opensearch_settings,
                                       index or unique_alias(), synonyms,
                                       **options)  # type: ignore[arg-type]
        created.append(store)
        return store

    yield make
    drop_stores(opensearch_settings, created)


@pytest.fixture
def make_opensearch_vector_store(
    opensearch_settings: OpenSearchSettings,
) -> Iterator[MakeOpenSearchVectorStore]:
    """A factory of vector stores of a given dimension on new aliases (``settings``,
    ``index`` and the store's keyword arguments can be overridden); every alias and its
    indexes are deleted at teardown."""
    created: list[OpenSearchVectorStore] = []

    def make(dimension: int, settings: OpenSearchSettings | None = None,
             index: str | None = None, **options: object) -> OpenSearchVectorStore:
        store = OpenSearchVectorStore(settings or opensearch_settings,
                                      index or unique_alias("emploi-test-vectors"), dimension,
                                      **options)  # type: ignore[arg-type]
        created.append(store)
        return store

    yield make
    drop_stores(opensearch_settings, created)


def drop_stores(settings: OpenSearchSettings, stores: Sequence[AliasedIndex]) -> None:
    """Delete every physical index of the stores' aliases (half-built ones included)."""
    cleaner = OpenSearchKeywordStore(settings, "emploi-test-cleaner")
    indices = cleaner.client.indices
    for store in stores:
        for name in indices.get(index=f"{store.alias}-*", params={"expand_wildcards": "all"}):
            indices.delete(index=name)
        store.client.close()
    cleaner.close()


# --- a cluster of three nodes, started by the tests themselves --------------------------------

CLUSTER_PORTS_VARIABLE = "EMPLOI_TEST_CLUSTER_PORTS"
CLUSTER_TRANSPORT_PORTS_VARIABLE = "EMPLOI_TEST_CLUSTER_TRANSPORT_PORTS"
CLUSTER_NODES = 3
CLUSTER_HEAP = "320m"
CLUSTER_WORKDIR = ROOT / ".cache" / "opensearch-cluster-test"


class TestCluster:
    """Three nodes on 127.0.0.1 that the tests may kill and restart (by pid)."""

    __test__ = False  # not a test class

    def __init__(self, nodes: Sequence[NodeSpec], maven_repo: Path) -> None:
        self.nodes = list(nodes)
        self.maven_repo = maven_repo

    @property
    def urls(self) -> list[str]:
        """Every node's URL."""
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated (``OpenSearchSettings.url``)."""
        return ",".join(self.urls)

    def name_of(self, index: int) -> str:
        """The node name of ``nodes[index]``."""
        return str(self.nodes[index].name)

    def kill(self, index: int) -> None:
        """``kill -9`` the node, and wait until its process is gone."""
        kill(self.nodes[index].workdir)

    def restart(self, index: int) -> None:
        """Start the node again on its data folder (it rejoins the cluster)."""
        launch(self.nodes[index], self.maven_repo, CLUSTER_HEAP, clean=False)

    def wait_green(self, via: int, timeout_s: float = 180.0) -> dict[str, object]:
        """Wait until every node has joined and the cluster is green, asking ``nodes[via]``."""
        processes: list[tuple[subprocess.Popen[bytes], Path]] = []  # health alone counts
        return wait_ready(self.nodes[via].url, processes, timeout_s, statuses=("green",),
                          nodes=len(self.nodes))

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL)."""
        for node in self.nodes:
            stop(node.workdir)


def _cluster_ports() -> tuple[list[int], list[int]]:
    """HTTP and transport ports: from the environment, else free ports chosen by the OS."""
    http = os.environ.get(CLUSTER_PORTS_VARIABLE, "").strip()
    transport = os.environ.get(CLUSTER_TRANSPORT_PORTS_VARIABLE, "").strip()
    if http and transport:
        return ([int(p) for p in http.split(",")], [int(p) for p in transport.split(",")])
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)
               for _ in range(2 * CLUSTER_NODES)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        ports = [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    return ports[:CLUSTER_NODES], ports[CLUSTER_NODES:]


@pytest.fixture(scope="session")
def opensearch_cluster() -> Iterator[TestCluster]:
    """Three OpenSearch nodes (k-NN plugin included) forming one cluster on 127.0.0.1, each
    with its own data folder under ``.cache/opensearch-cluster-test``, discovered by seed
    hosts. Needs Java and Maven: skipped without them, a failure under CI=true. Ports come
    from EMPLOI_TEST_CLUSTER_PORTS / EMPLOI_TEST_CLUSTER_TRANSPORT_PORTS, else free ones."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not found: the 3-node cluster tests need Java + Maven"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: they must not be skipped)")
        pytest.skip(reason)
    http_ports, transport_ports = _cluster_ports()
    nodes = cluster_specs(http_ports, transport_ports, CLUSTER_WORKDIR,
                          cluster_name="emploi-test-cluster")
    stop_cluster(CLUSTER_WORKDIR)  # a cluster left by an interrupted session
    try:
        start_cluster(nodes, DEFAULT_MAVEN_REPO, heap=CLUSTER_HEAP, clean=True)
    except NodeError as error:
        pytest.fail(f"the 3-node cluster did not start: {error}")
    cluster = TestCluster(nodes, DEFAULT_MAVEN_REPO)
    yield cluster
    cluster.stop()
