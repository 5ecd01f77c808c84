"""Start, stop and inspect a local OpenSearch 2.19 node for the tests (standard library only).

The node is the small Java program in ``tools/opensearch-node/`` (core server, analysis-common
and the netty4 HTTP transport, all from Maven Central). ``start`` builds it with ``mvn`` into a
local Maven repository under ``.cache/`` on first use, starts it in the background bound to
127.0.0.1, writes its pid, waits until the cluster is green or yellow and prints its URL::

    python tools/opensearch_node.py start --port 9250 --workdir .cache/opensearch
    python tools/opensearch_node.py status --workdir .cache/opensearch
    python tools/opensearch_node.py stop --workdir .cache/opensearch

The local Maven repository is ``.cache/m2`` (``--maven-repo`` or ``EMPLOI_MAVEN_REPO`` to share
one between clones). Only the URL goes to standard output (so ``url=$(... start ...)`` works);
progress and errors go to standard error. The node's own log is ``WORKDIR/node.log``, the
build's ``WORKDIR/build.log``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger("opensearch_node")

ROOT = Path(__file__).resolve().parent.parent
NODE_PROJECT = ROOT / "tools" / "opensearch-node"
DEFAULT_WORKDIR = ROOT / ".cache" / "opensearch"
DEFAULT_MAVEN_REPO = Path(os.environ.get("EMPLOI_MAVEN_REPO") or ROOT / ".cache" / "m2")
MAIN_CLASS = "org.emploi.opensearchnode.TestNode"
HOST = "127.0.0.1"
PID_FILE = "node.pid"
LOG_FILE = "node.log"
BUILD_LOG = "build.log"
BUILD_STAMP = "target/.built"


class NodeError(RuntimeError):
    """The node could not be built, started or stopped; the message says why."""


def _tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file (empty when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise NodeError(f"`{name}` not found on PATH: the test node needs Java 17 and Maven")
    return path


def _sources(project: Path) -> list[Path]:
    return [project / "pom.xml", *sorted((project / "src").rglob("*"))]


def needs_build(project: Path = NODE_PROJECT) -> bool:
    """True when the node was never built, or its pom or sources changed since."""
    stamp = project / BUILD_STAMP
    if not stamp.exists() or not (project / "target" / "lib").is_dir():
        return True
    built = stamp.stat().st_mtime
    return any(p.is_file() and p.stat().st_mtime > built for p in _sources(project))


def build(workdir: Path, maven_repo: Path, project: Path = NODE_PROJECT) -> None:
    """``mvn package`` the node (downloads ~80 MB into ``maven_repo`` the first time)."""
    if not needs_build(project):
        return
    mvn = _require_tool("mvn")
    _require_tool("java")
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / BUILD_LOG
    logger.info("building the test node with Maven (local repository %s); log: %s",
                maven_repo, log_path)
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        result = subprocess.run(
            [mvn, "-B", "-q", f"-Dmaven.repo.local={maven_repo}", "package"],
            cwd=project, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            check=False,
        )
    if result.returncode != 0:
        raise NodeError(f"mvn package failed (exit {result.returncode}); last lines of "
                        f"{log_path}:\n{_tail(log_path)}")
    (project / BUILD_STAMP).touch()
    logger.info("built in %.1f s", time.monotonic() - started)


def read_pid(workdir: Path) -> int | None:
    """The pid in ``WORKDIR/node.pid`` when that process is still our node, else None."""
    try:
        pid = int((workdir / PID_FILE).read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if MAIN_CLASS.encode() in cmdline else None


def rss_mib(pid: int) -> float | None:
    """Resident memory of ``pid`` in MiB (Linux ``/proc``), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def health(url: str, timeout_s: float = 2.0) -> dict[str, object] | None:
    """The cluster health document, or None when the node does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=timeout_s) as response:
            body: dict[str, object] = json.load(response)
            return body
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def start(port: int, workdir: Path, maven_repo: Path, heap: str = "512m",
          timeout_s: float = 180.0, clean: bool = False) -> str:
    """Build if needed, start the node in the background and wait for green/yellow.

    Returns the node's URL. A node already running from ``workdir`` is reused.
    """
    workdir = workdir.resolve()
    url = f"http://{HOST}:{port}"
    running = read_pid(workdir)
    if running is not None:
        if health(url) is not None:
            logger.info("node already running (pid %d) at %s", running, url)
            return url
        raise NodeError(f"a node from {workdir} runs (pid {running}) but {url} does not answer: "
                        f"stop it first (`stop --workdir {workdir}`)")
    build(workdir, maven_repo.resolve())
    java = _require_tool("java")
    if _port_in_use(port):
        raise NodeError(f"port {port} on {HOST} is already in use: choose another with --port")
    home = workdir / "home"
    if clean and home.exists():
        shutil.rmtree(home)
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    classpath = os.pathsep.join([str(NODE_PROJECT / "target" / "classes"),
                                 str(NODE_PROJECT / "target" / "lib" / "*")])
    command = [java, f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseSerialGC",
               "-XX:TieredStopAtLevel=1", f"-Djava.io.tmpdir={workdir / 'tmp'}",
               "-Dfile.encoding=UTF-8", "-cp", classpath, MAIN_CLASS,
               "--port", str(port), "--home", str(home)]
    log_path = workdir / LOG_FILE
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   cwd=workdir)
    (workdir / PID_FILE).write_text(f"{process.pid}\n", encoding="utf-8")
    logger.info("started pid %d; waiting for %s (timeout %.0f s); log: %s",
                process.pid, url, timeout_s, log_path)
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            (workdir / PID_FILE).unlink(missing_ok=True)
            raise NodeError(f"the node exited with code {process.returncode} before it was "
                            f"ready; last lines of {log_path}:\n{_tail(log_path)}")
        state = health(url)
        if state is not None and state.get("status") in ("green", "yellow"):
            rss = rss_mib(process.pid)
            logger.info("node ready in %.1f s (status %s, RSS %s MiB)",
                        time.monotonic() - started, state["status"],
                        "?" if rss is None else f"{rss:.0f}")
            return url
        time.sleep(0.5)
    stop(workdir)
    raise NodeError(f"the node did not become ready within {timeout_s:.0f} s; last lines of "
                    f"{log_path}:\n{_tail(log_path)}")


def stop(workdir: Path, grace_s: float = 30.0) -> bool:
    """Stop the node started from ``workdir`` (SIGTERM, then SIGKILL); False if none ran."""
    workdir = workdir.resolve()
    pid = read_pid(workdir)
    if pid is None:
        (workdir / PID_FILE).unlink(missing_ok=True)
        logger.info("no node running from %s", workdir)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and read_pid(workdir) is not None:
        time.sleep(0.2)
    if read_pid(workdir) is not None:
        logger.warning("pid %d ignored SIGTERM for %.0f s; sending SIGKILL", pid, grace_s)
        os.kill(pid, signal.SIGKILL)
    (workdir / PID_FILE).unlink(missing_ok=True)
    logger.info("stopped pid %d", pid)
    return True


def status(port: int, workdir: Path) -> int:
    """Print the node's state as JSON; exit code 0 when it runs and answers, else 1."""
    workdir = workdir.resolve()
    pid = read_pid(workdir)
    url = f"http://{HOST}:{port}"
    state = health(url) if pid is not None else None
    report = {"running": pid is not None, "pid": pid, "url": url,
              "health": None if state is None else state.get("status"),
              "rss_mib": None if pid is None else rss_mib(pid)}
    sys.stdout.write(json.dumps(report) + "\n")
    return 0 if state is not None else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status"):
        sub = commands.add_parser(name)
        sub.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                         help="pid file, logs and the node's data (default .cache/opensearch)")
        if name != "stop":
            sub.add_argument("--port", type=int, default=9250, help="HTTP port on 127.0.0.1")
        if name == "start":
            sub.add_argument("--maven-repo", type=Path, default=DEFAULT_MAVEN_REPO,
                             help="local Maven repository "
                                  "(default: EMPLOI_MAVEN_REPO, else .cache/m2)")
            sub.add_argument("--heap", default="512m", help="JVM heap, -Xms = -Xmx (512m)")
            sub.add_argument("--timeout", type=float, default=180.0,
                             help="seconds to wait for the node (180)")
            sub.add_argument("--clean", action="store_true",
                             help="delete the node's data before starting")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="opensearch_node: %(message)s",
                        stream=sys.stderr)
    try:
        if args.command == "start":
            url = start(args.port, args.workdir, args.maven_repo, heap=args.heap,
                        timeout_s=args.timeout, clean=args.clean)
            sys.stdout.write(url + "\n")
            return 0
        if args.command == "stop":
            stop(args.workdir)
            return 0
        return status(args.port, args.workdir)
    except NodeError as error:
        logger.error("%s", error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
