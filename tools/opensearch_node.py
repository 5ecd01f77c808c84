"""Start, stop and inspect local OpenSearch 2.19 nodes for the tests (standard library only).

The node is the small Java program in ``tools/opensearch-node/`` (core server, analysis-common,
the netty4 HTTP transport and the k-NN plugin, all from Maven Central). ``start`` builds it with
``mvn`` into a local Maven repository under ``.cache/`` on first use, starts it in the
background bound to 127.0.0.1, writes its pid, waits until the cluster is green or yellow and
prints its URL::

    python tools/opensearch_node.py start --port 9250 --workdir .cache/opensearch
    python tools/opensearch_node.py status --workdir .cache/opensearch
    python tools/opensearch_node.py stop --workdir .cache/opensearch

``start-cluster`` starts several nodes that form one cluster on 127.0.0.1 (one data folder
each, ``WORKDIR/node-N``; discovery by seed hosts on their transport ports), waits until all
have joined and the cluster is green, and prints their URLs, comma-separated (the form
``EMPLOI_OPENSEARCH_URL`` takes)::

    python tools/opensearch_node.py start-cluster --ports 9261,9262,9263 \
        --transport-ports 9361,9362,9363 --workdir .cache/opensearch-cluster
    python tools/opensearch_node.py stop-cluster --workdir .cache/opensearch-cluster

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
from dataclasses import dataclass
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


_CHILDREN: dict[Path, subprocess.Popen[bytes]] = {}
"""Nodes started by this process, by folder: kept to be reaped (waited for) when stopped."""


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


@dataclass(frozen=True)
class NodeSpec:
    """One node: its ports, its folder and, in a cluster of several, how it finds the others."""

    http_port: int
    workdir: Path
    transport_port: int | None = None
    name: str | None = None
    cluster_name: str = "emploi-test"
    seed_hosts: tuple[str, ...] = ()
    initial_managers: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """The node's HTTP URL."""
        return f"http://{HOST}:{self.http_port}"

    def arguments(self) -> list[str]:
        """``TestNode``'s command-line arguments for this node."""
        args = ["--port", str(self.http_port), "--home", str(self.workdir / "home"),
                "--cluster-name", self.cluster_name]
        if self.transport_port is not None:
            args += ["--transport-port", str(self.transport_port)]
        if self.name is not None:
            args += ["--node-name", self.name]
        if self.seed_hosts:
            args += ["--seed-hosts", ",".join(self.seed_hosts)]
        if self.initial_managers:
            args += ["--initial-managers", ",".join(self.initial_managers)]
        return args


def launch(node: NodeSpec, maven_repo: Path, heap: str = "512m", clean: bool = False,
           full_jit: bool = False) -> subprocess.Popen[bytes]:
    """Build if needed and start ``node`` in the background (no wait); its pid goes to
    ``WORKDIR/node.pid``, its output to ``WORKDIR/node.log``. The JVM is tuned to start fast
    (serial GC, C1 only); ``full_jit`` gives G1 and the C2 compiler instead (slower start,
    the throughput of a production JVM: for benchmarks)."""
    workdir = node.workdir.resolve()
    running = read_pid(workdir)
    if running is not None:
        raise NodeError(f"a node from {workdir} already runs (pid {running}): stop it first "
                        f"(`stop --workdir {workdir}`)")
    build(workdir, maven_repo.resolve())
    java = _require_tool("java")
    for port in (node.http_port, node.transport_port):
        if port is not None and _port_in_use(port):
            raise NodeError(f"port {port} on {HOST} is already in use: choose another")
    home = workdir / "home"
    if clean and home.exists():
        shutil.rmtree(home)
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    classpath = os.pathsep.join([str(NODE_PROJECT / "target" / "classes"),
                                 str(NODE_PROJECT / "target" / "lib" / "*")])
    resolved = NodeSpec(node.http_port, workdir, node.transport_port, node.name,
                        node.cluster_name, node.seed_hosts, node.initial_managers)
    tuning = ["-XX:+UseG1GC"] if full_jit else ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
    command = [java, f"-Xms{heap}", f"-Xmx{heap}", *tuning, f"-Djava.io.tmpdir={workdir / 'tmp'}",
               "-Dfile.encoding=UTF-8", "-cp", classpath, MAIN_CLASS, *resolved.arguments()]
    with (workdir / LOG_FILE).open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   cwd=workdir)
    (workdir / PID_FILE).write_text(f"{process.pid}\n", encoding="utf-8")
    _CHILDREN[workdir] = process
    logger.info("started %s (pid %d) on %s; log: %s", node.name or "node", process.pid,
                node.url, workdir / LOG_FILE)
    return process


def wait_ready(url: str, processes: Sequence[tuple[subprocess.Popen[bytes], Path]],
               timeout_s: float, statuses: Sequence[str] = ("green", "yellow"),
               nodes: int = 1) -> dict[str, object]:
    """Wait until ``url`` reports ``nodes`` nodes and one of ``statuses``; a process that
    exits first, or the timeout, raises ``NodeError`` with the end of its log."""
    started = time.monotonic()
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        for process, workdir in processes:
            if process.poll() is not None:
                (workdir / PID_FILE).unlink(missing_ok=True)
                raise NodeError(f"the node of {workdir} exited with code {process.returncode} "
                                f"before it was ready; last lines of {workdir / LOG_FILE}:\n"
                                f"{_tail(workdir / LOG_FILE)}")
        state = health(url)
        if (state is not None and state.get("status") in statuses
                and int(str(state.get("number_of_nodes", 0))) >= nodes):
            logger.info("%s ready in %.1f s (status %s, %s node(s))", url,
                        time.monotonic() - started, state["status"], state["number_of_nodes"])
            return state
        time.sleep(0.5)
    logs = "\n".join(f"{workdir / LOG_FILE}:\n{_tail(workdir / LOG_FILE, 15)}"
                     for _, workdir in processes)
    raise NodeError(f"{url} did not report {nodes} node(s) {'/'.join(statuses)} within "
                    f"{timeout_s:.0f} s; last lines of the logs:\n{logs}")


def start(port: int, workdir: Path, maven_repo: Path, heap: str = "512m",
          timeout_s: float = 180.0, clean: bool = False, full_jit: bool = False) -> str:
    """Build if needed, start a single-node cluster in the background and wait for
    green/yellow. Returns the node's URL. A node already running from ``workdir`` is reused.
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
    process = launch(NodeSpec(port, workdir), maven_repo, heap, clean, full_jit)
    try:
        state = wait_ready(url, [(process, workdir)], timeout_s)
    except NodeError:
        stop(workdir)
        raise
    rss = rss_mib(process.pid)
    logger.info("node ready (status %s, RSS %s MiB)", state["status"],
                "?" if rss is None else f"{rss:.0f}")
    return url


def cluster_specs(http_ports: Sequence[int], transport_ports: Sequence[int], workdir: Path,
                  cluster_name: str = "emploi-test-cluster") -> list[NodeSpec]:
    """The nodes of a cluster on 127.0.0.1: ``WORKDIR/node-N``, seeded by every transport
    port, all eligible as cluster manager."""
    if len(http_ports) != len(transport_ports) or not http_ports:
        raise NodeError(f"{len(http_ports)} HTTP ports for {len(transport_ports)} transport "
                        "ports: give one of each per node")
    names = tuple(f"{cluster_name}-{number}" for number in range(1, len(http_ports) + 1))
    seeds = tuple(f"{HOST}:{port}" for port in transport_ports)
    return [NodeSpec(http, workdir.resolve() / f"node-{number}", transport, name,
                     cluster_name, seeds, names)
            for number, (http, transport, name)
            in enumerate(zip(http_ports, transport_ports, names, strict=True), start=1)]


def start_cluster(nodes: Sequence[NodeSpec], maven_repo: Path, heap: str = "384m",
                  timeout_s: float = 240.0, clean: bool = True,
                  full_jit: bool = False) -> list[str]:
    """Start every node of ``nodes`` and wait until all have joined and the cluster is
    green; return their URLs. Any failure stops the nodes already started."""
    processes = []
    try:
        for node in nodes:
            processes.append((launch(node, maven_repo, heap, clean, full_jit),
                              node.workdir.resolve()))
        wait_ready(nodes[0].url, processes, timeout_s, statuses=("green",), nodes=len(nodes))
    except BaseException:
        for node in nodes:
            stop(node.workdir)
        raise
    return [node.url for node in nodes]


def stop_cluster(workdir: Path) -> int:
    """Stop every node started under ``workdir`` (``node-*`` folders); how many ran."""
    return sum(stop(folder) for folder in sorted(workdir.glob("node-*")) if folder.is_dir())


def stop(workdir: Path, grace_s: float = 30.0) -> bool:
    """Stop the node started from ``workdir`` (SIGTERM, then SIGKILL); False if none ran."""
    workdir = workdir.resolve()
    pid = read_pid(workdir)
    if pid is None:
        (workdir / PID_FILE).unlink(missing_ok=True)
        _reap(workdir)
        logger.info("no node running from %s", workdir)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and read_pid(workdir) is not None:
        _reap(workdir, wait=False)
        time.sleep(0.2)
    if read_pid(workdir) is not None:
        logger.warning("pid %d ignored SIGTERM for %.0f s; sending SIGKILL", pid, grace_s)
        os.kill(pid, signal.SIGKILL)
    _reap(workdir)
    (workdir / PID_FILE).unlink(missing_ok=True)
    logger.info("stopped pid %d", pid)
    return True


def kill(workdir: Path, timeout_s: float = 30.0) -> int:
    """``kill -9`` the node started from ``workdir`` (a crash, for tests); return its pid
    once the process is gone."""
    workdir = workdir.resolve()
    pid = read_pid(workdir)
    if pid is None:
        raise NodeError(f"no node runs from {workdir}")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout_s
    while read_pid(workdir) is not None:
        _reap(workdir, wait=False)
        if time.monotonic() > deadline:
            raise NodeError(f"pid {pid} survived SIGKILL for {timeout_s:.0f} s")
        time.sleep(0.05)
    _reap(workdir)
    logger.info("killed pid %d (SIGKILL)", pid)
    return pid


def _reap(workdir: Path, wait: bool = True) -> None:
    """Collect the exit status of a node this process started (no zombie is left)."""
    process = _CHILDREN.get(workdir)
    if process is None:
        return
    if wait:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            return
    elif process.poll() is None:
        return
    del _CHILDREN[workdir]


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


def _ports(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected ports separated by commas: {text!r}"
                                         ) from error


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status", "start-cluster", "stop-cluster"):
        sub = commands.add_parser(name)
        cluster = name.endswith("-cluster")
        default = DEFAULT_WORKDIR.with_name("opensearch-cluster") if cluster else DEFAULT_WORKDIR
        sub.add_argument("--workdir", type=Path, default=default,
                         help=f"pid files, logs and the nodes' data (default {default})")
        if name in ("start", "status"):
            sub.add_argument("--port", type=int, default=9250, help="HTTP port on 127.0.0.1")
        if name == "start-cluster":
            sub.add_argument("--ports", type=_ports, required=True,
                             help="HTTP ports of the nodes, comma-separated (9261,9262,9263)")
            sub.add_argument("--transport-ports", type=_ports, required=True,
                             help="transport ports of the nodes, same order (9361,9362,9363)")
            sub.add_argument("--cluster-name", default="emploi-test-cluster")
        if name.startswith("start"):
            sub.add_argument("--maven-repo", type=Path, default=DEFAULT_MAVEN_REPO,
                             help="local Maven repository "
                                  "(default: EMPLOI_MAVEN_REPO, else .cache/m2)")
            sub.add_argument("--heap", default="384m" if cluster else "512m",
                             help="JVM heap per node, -Xms = -Xmx")
            sub.add_argument("--timeout", type=float, default=240.0 if cluster else 180.0,
                             help="seconds to wait for the node(s)")
            sub.add_argument("--clean", action="store_true",
                             help="delete the data before starting (start-cluster always does)")
            sub.add_argument("--full-jit", action="store_true",
                             help="G1 and the C2 compiler: slower start, production-like "
                                  "throughput (benchmarks); default: tuned for a fast start")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="opensearch_node: %(message)s",
                        stream=sys.stderr)
    try:
        if args.command == "start":
            url = start(args.port, args.workdir, args.maven_repo, heap=args.heap,
                        timeout_s=args.timeout, clean=args.clean, full_jit=args.full_jit)
            sys.stdout.write(url + "\n")
            return 0
        if args.command == "start-cluster":
            nodes = cluster_specs(args.ports, args.transport_ports, args.workdir,
                                  args.cluster_name)
            urls = start_cluster(nodes, args.maven_repo, heap=args.heap,
                                 timeout_s=args.timeout, clean=True, full_jit=args.full_jit)
            sys.stdout.write(",".join(urls) + "\n")
            return 0
        if args.command == "stop":
            stop(args.workdir)
            return 0
        if args.command == "stop-cluster":
            stop_cluster(args.workdir)
            return 0
        return status(args.port, args.workdir)
    except NodeError as error:
        logger.error("%s", error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
