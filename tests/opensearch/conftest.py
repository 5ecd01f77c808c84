"""Fixtures for the tests that need a real OpenSearch node.

``make test`` starts one (``tools/opensearch_node.py``, Java + Maven) and exports its URL as
``EMPLOI_TEST_OPENSEARCH_URL``. Without that variable these tests are skipped, except under
``CI=true``, where a missing node is a failure. Every store gets its own uniquely named alias,
deleted with its physical indexes at teardown.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from indexer.settings import OpenSearchSettings
from indexer.stores.opensearch_store import OpenSearchKeywordStore

URL_VARIABLE = "EMPLOI_TEST_OPENSEARCH_URL"
IN_CI = os.environ.get("CI", "").lower() == "true"

MakeOpenSearchStore = Callable[..., OpenSearchKeywordStore]


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


@pytest.fixture(scope="session")
def opensearch_data_folder(opensearch_url: str) -> Path | None:
    """The test node's data folder (its ``path.data``), when it is on this machine and
    readable (a node started by ``tools/opensearch_node.py`` is); None otherwise."""
    request = f"{opensearch_url}/_nodes/_local/settings?filter_path=nodes.*.settings.path.data"
    with urllib.request.urlopen(request, timeout=10) as response:
        nodes = json.load(response).get("nodes", {})
    folders = [Path(folder) for node in nodes.values()
               for folder in node["settings"]["path"]["data"]]
    if len(folders) != 1 or not folders[0].is_dir() or not os.access(folders[0], os.R_OK):
        return None
    return folders[0]


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
    cleaner = OpenSearchKeywordStore(opensearch_settings, "emploi-test-cleaner")
    for store in created:
        indices = cleaner.client.indices
        for name in indices.get(index=f"{store.alias}-*", params={"expand_wildcards": "all"}):
            indices.delete(index=name)
        store.close()
    cleaner.close()
