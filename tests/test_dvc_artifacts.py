"""Sharing a finished run through DVC: push -> fresh clone -> pull retrains nothing.

The unit tests check the workflow-state snapshot on a tiny hand-made tree; the slow test pushes a
real smoke run to a local-directory remote, clones the repository as a reviewer would (no results,
no DVC cache, no Snakemake records, every file with a new mtime), pulls, and asks Snakemake what is
left: the report rules only. It also checks that rerun precision survives the trip.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from crossmodal.artifacts import Artifacts, restore_state, snapshot_state
from conftest import REPO, copy_repo, mirror_dir
from workflow_runs import BIN, planned, run, snakemake

ARTIFACTS = Artifacts("demo", (Path("data/raw/mnist.dvc"),))


def _record_name(output: str) -> str:
    return base64.urlsafe_b64encode(output.encode()).decode()


def _fake_run(root: Path) -> dict[str, int]:
    """A results tree with Snakemake records, as a finished run leaves it."""
    mtimes = {}
    for i, relative in enumerate(["results/demo/models/vae.pt", "results/demo/metrics/a.csv",
                                  "reports/demo/figure_data/grid.npz"]):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(relative)
        mtimes[relative] = 1_700_000_000_000_000_000 + i * 10**9
        os.utime(path, ns=(mtimes[relative], mtimes[relative]))
        record = root / ".snakemake" / "metadata" / _record_name(relative)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"rule": f"rule{i}", "params": [str(i)]}))
    # Records of files that are not shared stay behind.
    (root / ".snakemake" / "metadata" / _record_name("reports/demo/report.html")).write_text("{}")
    return mtimes


def test_snapshot_then_restore_puts_back_mtimes_and_records(tmp_path: Path) -> None:
    producer, reviewer = tmp_path / "producer", tmp_path / "reviewer"
    mtimes = _fake_run(producer)
    state = snapshot_state(producer, ARTIFACTS)
    assert state["mtime_ns"] == mtimes
    assert len(state["snakemake_metadata"]) == 3

    # What a reviewer has after `dvc pull`: the same bytes, new mtimes, no Snakemake records.
    for relative in [*mtimes, str(ARTIFACTS.state_file)]:
        (reviewer / relative).parent.mkdir(parents=True, exist_ok=True)
        (reviewer / relative).write_bytes((producer / relative).read_bytes())
    assert restore_state(reviewer, ARTIFACTS) == (3, 3)
    for relative, mtime_ns in mtimes.items():
        assert (reviewer / relative).stat().st_mtime_ns == mtime_ns
    restored = sorted(p.name for p in (reviewer / ".snakemake" / "metadata").iterdir())
    assert restored == sorted(_record_name(r) for r in mtimes)
    assert (reviewer / ".snakemake" / "incomplete").is_dir()


def test_a_running_job_blocks_the_snapshot(tmp_path: Path) -> None:
    _fake_run(tmp_path)
    marker = tmp_path / ".snakemake" / "incomplete" / _record_name("results/demo/models/vae.pt")
    marker.parent.mkdir(parents=True)
    marker.write_text("{}")
    with pytest.raises(RuntimeError, match="unfinished jobs"):
        snapshot_state(tmp_path, ARTIFACTS)


def test_long_output_paths_are_found_in_split_record_folders(tmp_path: Path) -> None:
    """Snakemake splits record names longer than a file name into '@'-prefixed folders."""
    relative = "results/demo/" + "/".join(["folder" * 8] * 5) + "/model.pt"  # base64: 380 chars
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text("x")
    name = _record_name(relative)
    chunks = [name[i : i + 254] for i in range(0, len(name), 254)]
    record = tmp_path / ".snakemake" / "metadata" / Path(*["@" + c for c in chunks[:-1]], chunks[-1])
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"rule": "long"}))
    state = snapshot_state(tmp_path, ARTIFACTS)
    assert list(state["snakemake_metadata"].values()) == [{"rule": "long"}]


def test_the_record_tracks_results_and_figure_data_of_the_config(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"name": "mine", "datasets": {"mnist": {}, "fsdd": {}},
                                      "scenarios": [{"source": "mnist", "target": "fsdd"}]}))
    artifacts = Artifacts.from_config_file(config)
    assert artifacts.record == Path("artifacts/mine.dvc")
    assert artifacts.outputs == (Path("results/mine"), Path("reports/mine/figure_data"))
    assert set(artifacts.raw_records) == {Path("data/raw/mnist.dvc"), Path("data/raw/fsdd.dvc")}


# --- the round trip (slow) ----------------------------------------------------------------------


def _artifacts(repo: Path, action: str, mirror: Path) -> None:
    run([sys.executable, "-m", "crossmodal.artifacts", action, "--config", "config/smoke.yaml"], repo, mirror,
        env_pythonpath=str(repo / "src"))


@pytest.fixture(scope="module")
def pushed_and_cloned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(producer, reviewer clone after pull, mirror)."""
    mirror = mirror_dir()
    if mirror is None:
        pytest.skip("no offline dataset mirror (set CROSSMODAL_DATA_MIRROR)")
    root = tmp_path_factory.mktemp("dvc-artifacts")
    remote = root / "remote"
    producer = copy_repo(root / "producer")
    snakemake(producer, mirror=mirror)
    run([str(BIN / "dvc"), "remote", "add", "--local", "-d", "scratch", str(remote)], producer)
    _artifacts(producer, "push", mirror)
    record = producer / "artifacts" / "smoke.dvc"
    assert record.exists()
    run(["git", "add", "artifacts/smoke.dvc"], producer)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "smoke artifacts"], producer)

    reviewer = root / "reviewer"
    run(["git", "clone", "-q", str(producer), str(reviewer)], root)
    assert not (reviewer / "results").exists() and not (reviewer / ".dvc" / "cache").exists()
    run([str(BIN / "dvc"), "remote", "add", "--local", "-d", "scratch", str(remote)], reviewer)
    _artifacts(reviewer, "pull", mirror)
    return producer, reviewer, mirror


@pytest.mark.slow
def test_pull_brings_raw_data_models_and_metrics(pushed_and_cloned: tuple[Path, Path, Path]) -> None:
    producer, reviewer, _ = pushed_and_cloned
    for relative in ["data/raw/mnist/train-images-idx3-ubyte.gz", "data/raw/fsdd/v1.0.10.tar.gz",
                     "results/smoke/prepared/mnist.pt", "results/smoke/models/vae/fsdd/z16_seed0.pt",
                     "results/smoke/models/associator/mnist-fsdd/z16-16_p1.0_seed0.pt",
                     "results/smoke/metrics/table2/vae_mnist_z16_seed0.csv",
                     "reports/smoke/figure_data/samples/avae_fsdd-mnist_z16-16_p1.0_seed0.npz"]:
        assert (reviewer / relative).read_bytes() == (producer / relative).read_bytes(), relative
    status = run([str(BIN / "dvc"), "status"], reviewer).stdout
    assert "up to date" in status, status
    assert run(["git", "status", "--porcelain"], reviewer).stdout == ""


@pytest.mark.slow
def test_after_pull_only_the_report_rules_run(pushed_and_cloned: tuple[Path, Path, Path]) -> None:
    producer, reviewer, mirror = pushed_and_cloned
    jobs = planned(reviewer)
    assert jobs, "the report itself is not shared: it must be regenerated"
    for job in jobs:
        assert all(o.startswith("reports/smoke/") and "/figure_data/" not in o for o in job.outputs), (
            f"{job.rule} would rerun after a pull: {job.reason}")
    snakemake(reviewer, mirror=mirror)
    assert planned(reviewer) == []
    ours, theirs = (r / "reports" / "smoke" / "metrics.csv" for r in (reviewer, producer))
    assert ours.read_text() == theirs.read_text()


@pytest.mark.slow
def test_rerun_precision_survives_the_trip(pushed_and_cloned: tuple[Path, Path, Path]) -> None:
    _, reviewer, _ = pushed_and_cloned
    config = yaml.safe_load((reviewer / "config" / "smoke.yaml").read_text())
    config["scenarios"][1]["associator"] = {"lambda_crs": 3.0}  # fsdd -> mnist
    (reviewer / "config" / "smoke-edited.yaml").write_text(yaml.safe_dump(config))
    jobs = planned(reviewer, configfile="config/smoke-edited.yaml")
    trained = [job for job in jobs if job.rule.startswith(("train_", "encode_", "prepare", "acquire"))]
    # That scenario's associators only: Table 1's and the Figure 5 sweep's (smoke sweeps 1.0 and 0.5).
    assert sorted((job.rule, job.outputs[0]) for job in trained) == [
        ("train_associator", "results/smoke/models/associator/fsdd-mnist/z16-16_p0.5_seed0.pt"),
        ("train_associator", "results/smoke/models/associator/fsdd-mnist/z16-16_p1.0_seed0.pt")]


def test_dvc_tracks_only_raw_data_and_artifact_records() -> None:
    """A stray `.dvc` file in the tree (e.g. a provenance copy in a run record under docs/) makes
    every `dvc pull` and `dvc status` of a fresh clone fail on data it never had."""
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        records = sorted(stage.relpath for stage in repo.index.stages)
    assert records, "DVC sees no records at all: the raw data is not versioned"
    strays = [path for path in records if not path.startswith(("data/raw/", "artifacts/"))]
    assert strays == [], f"DVC would check these out; add their folder to .dvcignore: {strays}"
