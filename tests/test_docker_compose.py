"""The Docker stack of cluster mode: ``docker compose config`` accepts it (where a compose
client exists), and its structure is checked here in any case: two OpenSearch nodes forming one
cluster, health checks, the app waiting for both, started with several workers, and every
``EMPLOI_*`` variable it sets is one the app reads, with the values cluster mode needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from indexer.settings import FLAT_OPENSEARCH_VARIABLES, Backend, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
NODE_POM = ROOT / "tools" / "opensearch-node" / "pom.xml"
NODES = ("opensearch-1", "opensearch-2")
# Variables the web app reads beside the settings object (webapp/__init__.py, webapp/db.py).
APP_VARIABLES = {"EMPLOI_INSTANCE_DIR", "EMPLOI_SECRET_KEY", "EMPLOI_DATABASE_URL",
                 "EMPLOI_CONFIG", "EMPLOI_OUTCOMES_FILE"}


def _compose_command() -> list[str]:
    """``docker compose`` (Compose v2, which knows the top-level ``name``); else skip."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client here (the structure is checked by the tests below)")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True,
                           check=False, timeout=60)
    if probe.returncode != 0:
        pytest.skip("the docker client here has no compose plugin (`docker compose`); the "
                    "structure is checked by the tests below")
    return [docker, "compose"]


def test_compose_config_is_valid() -> None:
    command = [*_compose_command(), "-f", str(COMPOSE_FILE), "config", "-q"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                            timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose file, parsed."""
    parsed: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(parsed, dict) and isinstance(parsed.get("services"), dict)
    return parsed


def _interpolated(text: str) -> str:
    """``${NAME:-default}`` replaced by its default, as compose does with NAME unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def _health_test(service: dict[str, Any]) -> str:
    check = service["healthcheck"]
    assert {"test", "interval", "timeout", "retries"} <= set(check)
    test = check["test"]
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), test
    return " ".join(str(part) for part in test[1:])


def test_only_known_services_and_declared_volumes(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {*NODES, "app"}
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            assert source.startswith(("./", "../", "/")) or source in declared, (name, volume)


def test_services_are_published_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_two_opensearch_nodes_form_one_cluster(compose: dict[str, Any]) -> None:
    version = re.search(r"<opensearch.version>([^<]+)</opensearch.version>",
                        NODE_POM.read_text(encoding="utf-8"))
    assert version is not None
    data_volumes = set()
    for node in NODES:
        service = compose["services"][node]
        image, _, tag = _interpolated(service["image"]).partition(":")
        assert image == "opensearchproject/opensearch"  # the official image: k-NN included
        assert tag == version.group(1), "the image and the test node run the same version"
        env = service["environment"]
        assert env["node.name"] == node
        assert env["cluster.name"] == "emploi"
        assert env["discovery.seed_hosts"].split(",") == list(NODES)
        assert env["cluster.initial_cluster_manager_nodes"].split(",") == list(NODES)
        assert "discovery.type" not in env  # not single-node
        assert env["DISABLE_SECURITY_PLUGIN"] == "true"
        heap = re.findall(r"-Xm[sx](\d+[mg])", env["OPENSEARCH_JAVA_OPTS"])
        assert len(heap) == 2 and heap[0] == heap[1], "fixed heap: -Xms = -Xmx"
        health = _health_test(service)
        assert "_cluster/health" in health and f"wait_for_nodes={len(NODES)}" in health
        data_volumes.add(service["volumes"][0].split(":")[0])
    assert len(data_volumes) == len(NODES), "one data folder per node"


def test_the_app_waits_for_every_node_and_runs_workers(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert app["build"] == "."
    assert (ROOT / "Dockerfile").is_file()
    assert set(app["depends_on"]) == set(NODES)
    assert all(app["depends_on"][node]["condition"] == "service_healthy" for node in NODES)
    assert "127.0.0.1:5000" in _health_test(app)
    command = _interpolated(" ".join(app["command"]))
    workers = re.search(r"--workers (\d+)", command)
    assert workers is not None and int(workers.group(1)) >= 2
    assert "emploi serve" in command and "--port 5000" in command
    assert "../shared/data:/data:ro" in app["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "gunicorn" in dockerfile, "--workers > 1 needs the gunicorn extra in the image"


def _known_variable(name: str) -> bool:
    """Whether the app reads ``name``: a settings field (flat or nested), or an app one."""
    if name in APP_VARIABLES or name in FLAT_OPENSEARCH_VARIABLES:
        return True
    path = name.removeprefix("EMPLOI_").lower().split("__")
    fields: dict[str, Any] = dict(Settings.model_fields)
    for depth, part in enumerate(path):
        field = fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if depth < len(path) - 1:
            nested = getattr(annotation, "model_fields", None)
            if nested is None:
                return False
            fields = dict(nested)
    return True


def test_the_app_environment_selects_cluster_mode(compose: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    env = {name: str(value) for name, value in compose["services"]["app"]["environment"].items()}
    unknown = [name for name in env if name.startswith("EMPLOI_") and not _known_variable(name)]
    assert unknown == [], f"variables the app does not read: {unknown}"
    for name in [n for n in os.environ if n.startswith("EMPLOI_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.backend is Backend.OPENSEARCH
    assert settings.opensearch.urls == [f"http://{node}:9200" for node in NODES]
    assert settings.opensearch.replicas == 1
    assert settings.data_dir == Path("/data")


def test_known_variable_check_can_fail() -> None:
    assert _known_variable("EMPLOI_BACKEND")
    assert _known_variable("EMPLOI_OPENSEARCH__URL")
    assert not _known_variable("EMPLOI_OPENSEARCH__NODES")
    assert not _known_variable("EMPLOI_BACKENDS")
