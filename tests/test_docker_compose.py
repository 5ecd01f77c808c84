"""The local Docker stack: ``docker compose config`` accepts it, and it stays local-only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"


def _compose_command() -> list[str]:
    """``docker compose`` (Compose v2, which knows the top-level ``name``); else skip."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client here")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True,
                           check=False, timeout=60)
    if probe.returncode != 0:
        pytest.skip("the docker client here has no compose plugin (`docker compose`)")
    return [docker, "compose"]


def test_compose_config_is_valid() -> None:
    command = [*_compose_command(), "-f", str(COMPOSE_FILE), "config", "-q"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                            timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose file, parsed (skips when PyYAML is not installed)."""
    yaml = pytest.importorskip("yaml")
    parsed: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return parsed


def test_services_are_published_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_opensearch_is_a_healthy_single_node_with_a_named_volume(
        compose: dict[str, Any]) -> None:
    opensearch = compose["services"]["opensearch"]
    assert opensearch["image"].split(":")[0] == "opensearchproject/opensearch"
    assert "2.19" in opensearch["image"]
    assert opensearch["environment"]["discovery.type"] == "single-node"
    assert opensearch["environment"]["DISABLE_SECURITY_PLUGIN"] == "true"
    assert "_cluster/health" in " ".join(opensearch["healthcheck"]["test"])
    volume = opensearch["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_app_uses_opensearch_once_healthy(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert app["build"] == "."
    assert app["environment"]["EMPLOI_KEYWORD_BACKEND"] == "opensearch"
    assert app["environment"]["EMPLOI_OPENSEARCH__URL"] == "http://opensearch:9200"
    assert app["depends_on"]["opensearch"]["condition"] == "service_healthy"
    assert "../shared/data:/data:ro" in app["volumes"]
    assert (ROOT / "Dockerfile").is_file()
