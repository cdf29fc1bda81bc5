"""Item 6 of the reliability issue: two smoke runs with the same seeds, in two fresh copies of the
repository, give a byte-identical ``metrics.csv`` on CPU, but for the wall-clock training times of
its methods table (and identical trained weights)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import torch

from conftest import copy_repo
from faults.faultkit import PYTHON, job_env

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def smoke_run(repo: Path, mirror: Path) -> None:
    run = subprocess.run(
        [PYTHON, "-m", "snakemake", "--profile", "workflow/profiles/default", "--configfile", "config/smoke.yaml"],
        cwd=repo, env=job_env(CROSSMODAL_DATA_MIRROR=str(mirror), CUDA_VISIBLE_DEVICES=""),
        capture_output=True, text=True, timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]


def split_wall_clock(metrics: Path) -> tuple[list[str], list[str]]:
    """metrics.csv's lines, and the keys of its ``train_seconds`` rows: the methods table's
    training times are wall-clock measurements, the one thing two runs cannot share."""
    lines = metrics.read_text().splitlines()
    timed = [line for line in lines if ",train_seconds," in line]
    return [line for line in lines if line not in timed], [line.rsplit(",", 1)[0] for line in timed]


def test_two_smoke_runs_are_byte_identical_on_cpu(tmp_path: Path, mirror: Path) -> None:
    repos = [copy_repo(tmp_path / name) for name in ("first", "second")]
    for repo in repos:
        smoke_run(repo, mirror)

    first, second = (split_wall_clock(repo / "reports" / "smoke" / "metrics.csv") for repo in repos)
    assert first == second
    assert len(first[0]) > 4 and first[1], "the methods table's timing rows are missing"

    models = sorted(p.relative_to(repos[0]) for p in (repos[0] / "results" / "smoke" / "models").rglob("*.pt"))
    assert models == sorted(p.relative_to(repos[1]) for p in (repos[1] / "results" / "smoke" / "models").rglob("*.pt"))
    for model in models:
        a, b = (torch.load(repo / model, weights_only=True)["state_dict"] for repo in repos)
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), f"{model} differs between the runs"
