"""`bench.index_build` and `bench.process_tree`: a real `emploi index` run, its tree sampled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench import index_build
from bench.corpus import load_generator, write_corpus
from bench.process_tree import TreeSampler, descendants_of, sample_process, wait_with_peak

# a parent that holds 40 MiB and starts a child holding 60 MiB, both until killed
TREE_SCRIPT = """
import subprocess, sys, time
held = bytearray(40 * 2**20)
child = subprocess.Popen([sys.executable, "-c",
    "import time; held = bytearray(60 * 2**20); print('ready', flush=True); time.sleep(60)"],
    stdout=subprocess.PIPE)
child.stdout.readline()
print("ready", flush=True)
time.sleep(60)
"""


def test_the_sampler_adds_up_the_memory_of_a_process_and_its_children() -> None:
    with subprocess.Popen([sys.executable, "-c", TREE_SCRIPT], stdout=subprocess.PIPE) as parent:
        try:
            assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
            tree = descendants_of(parent.pid)
            with TreeSampler(parent.pid, interval_s=0.05, with_pss=True) as sampler:
                time.sleep(0.3)
            alone = sample_process(parent.pid)
        finally:
            for pid in descendants_of(parent.pid)[::-1]:
                subprocess.run(["kill", str(pid)], check=False)
    summary = sampler.summary().as_dict()
    assert len(tree) == 2 and tree[0] == parent.pid
    assert summary["samples"] >= 2
    # 40 + 60 MiB held, beyond what either interpreter needs
    assert summary["peak_rss_mib"] >= 100
    assert alone is not None and alone.rss_mib >= 40
    assert summary["peak_rss_mib"] >= alone.rss_mib + 60
    assert set(summary["peak_rss_by_process_mib"]) == set(summary["cpu_s"])
    assert "main" in summary["cpu_s"] and len(summary["cpu_s"]) == 2
    assert summary["peak_pss_mib"] is not None and summary["peak_pss_mib"] >= 100


def test_a_peak_between_samples_is_the_kernels_count_of_the_root() -> None:
    # 80 MiB held for a moment, in a life far shorter than the sampling interval
    script = "held = bytearray(80 * 2**20); held[::4096] = b'x' * len(held[::4096])"
    with subprocess.Popen([sys.executable, "-c", script]) as process, \
            TreeSampler(process.pid, interval_s=30.0) as sampler:
        code, root_peak = wait_with_peak(process)
        sampler.summary().root_peak_rss_mib = root_peak
    summary = sampler.summary().as_dict()
    assert code == 0 and process.returncode == 0
    assert root_peak >= 80
    # one sample, likely before the bytes: the tree's peak is the root's own, which a sample
    # of that one process can never exceed
    assert summary["sampled_peak_rss_mib"] <= summary["peak_rss_mib"]
    assert summary["peak_rss_mib"] == summary["root_peak_rss_mib"] == round(root_peak, 1)


def test_a_process_past_its_time_is_killed() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as process:
        started = time.monotonic()
        code, _ = wait_with_peak(process, timeout_s=0.5)
    assert code == -9 and time.monotonic() - started < 30


def test_a_process_that_is_gone_is_not_sampled() -> None:
    assert sample_process(2**22 + 12345) is None  # above the kernel's largest pid
    assert descendants_of(2**22 + 12345) == [2**22 + 12345]  # itself, no children


def test_index_build_times_emploi_index_and_reads_the_manifest(data_dir: Path,
                                                               tmp_path: Path) -> None:
    data = data_dir
    offers, _ = write_corpus(load_generator(data, tmp_path / "cache", seed=5),
                             tmp_path / "corpus", 30, 3)
    out = tmp_path / "build.json"
    work = tmp_path / "work"
    (work / "stale").mkdir(parents=True)  # emptied first

    code = index_build.main(["--offers", str(offers), "--limit", "25", "--work", str(work),
                             "--data-dir", str(data), "--cache-dir", str(tmp_path / "cache"),
                             "--interval", "0.2", "--out", str(out)])

    result = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0 and result["returncode"] == 0
    assert result["offers"] == 25 and result["offers_per_s"] > 0
    assert len((work / "offers.GENERATED.jsonl").read_text().splitlines()) == 25
    assert not (work / "stale").exists()
    assert result["tree"]["peak_rss_mib"] > 20 and result["tree"]["cpu_s"]["main"] > 0
    assert result["vector_indexes"]["offers"]["factory"] == "Flat"
    assert result["index_mib"] > 0
    assert "indexed 25 offers" in (work / "index.log").read_text(encoding="utf-8")


def test_index_build_reports_a_failed_build(tmp_path: Path) -> None:
    offers = tmp_path / "offers.jsonl"
    offers.write_text("{}\n", encoding="utf-8")
    data = tmp_path / "data"
    (data / "rome4").mkdir(parents=True)  # no taxonomy: the command fails
    result = index_build.timed_index_build(
        offers, tmp_path, index_build.build_environment(tmp_path, data, tmp_path / "model",
                                                        processes=1))
    assert result["returncode"] != 0
    assert result["error"]
