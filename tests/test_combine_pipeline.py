"""End to end: two smoke runs of one seed each (make reproduce SEEDS=0, then SEEDS=1), combined by
``python -m crossmodal combine-runs``, give the report the workflow itself writes for both seeds."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from crossmodal.metrics import read_metrics
from conftest import copy_repo
from workflow_runs import planned, run, snakemake

pytestmark = pytest.mark.slow
TRAINING_RULES = {"train_classifier", "train_vae", "train_associator", "train_baseline", "train_sweep_baseline"}


def test_runs_of_separate_seeds_combine_into_the_report_of_one_run_of_both(tmp_path: Path, mirror: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    runs = []
    for seed in (0, 1):
        snakemake(repo, "--config", f"seeds=[{seed}]", mirror=mirror)
        shutil.copytree(repo / "reports" / "smoke", tmp_path / f"seed{seed}")
        runs += ["--run", str(tmp_path / f"seed{seed}")]
    run([sys.executable, "-m", "crossmodal", "combine-runs", *runs, "--out-dir", str(tmp_path / "combined")], repo,
        env_pythonpath=str(repo / "src"))

    # The same checkout asked for both seeds has every model already: it only collects and reports.
    plan = planned(repo, "--config", "seeds=[0,1]", mirror=mirror)
    assert plan and not {job.rule for job in plan} & TRAINING_RULES, [job.rule for job in plan]
    snakemake(repo, "--config", "seeds=[0,1]", mirror=mirror)
    single, combined = repo / "reports" / "smoke", tmp_path / "combined"

    assert sorted(read_metrics(combined / "metrics.csv"), key=lambda r: r.key()) == \
        sorted(read_metrics(single / "metrics.csv"), key=lambda r: r.key())
    tables = sorted(p.name for p in (single / "tables").glob("*.csv"))
    assert tables and tables == sorted(p.name for p in (combined / "tables").glob("*.csv"))
    for name in tables:
        assert (combined / "tables" / name).read_text() == (single / "tables" / name).read_text(), name
    # Both pages embed the same figures: seed 0's grids and latent spaces, never the ones the seed-1
    # run left in the single checkout's folder.
    html = (combined / "avae.html").read_text()
    embedded = sorted(re.findall(r'href="(figures/[^"]+\.pdf)"', html))
    assert embedded == sorted(re.findall(r'href="(figures/[^"]+\.pdf)"', (single / "avae.html").read_text()))
    assert embedded and not [name for name in embedded if "seed1" in name]
    assert '<tr><td class="label">0</td><td class="label">avae</td>' in html and '<tr><td class="label">1</td>' in html
