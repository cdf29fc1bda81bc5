"""The benchmark's page as a reviewer's browser shows it, drawn from constructed metrics (every
cell of a smoke-config benchmark over three seeds), the intervals job's real output on constructed
verdicts, and the three figures drawn by the study's plotting job: every section there, every
number naming the metrics.csv rows it shows (and every row shown), every image decoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from crossmodal.metrics import metric_row, read_metrics, write_metrics
from crossmodal.report.html import render_report
from crossmodal.studies.benchmark import plan
from crossmodal.studies.benchmark.figures import plot
from crossmodal.studies.benchmark.jobs import intervals
from crossmodal.studies.benchmark.specs import IntervalsSpec, PlotSpec
from crossmodal.jobs.evaluation import save_predictions
from report_fixtures import STYLE, PageNumbers, check_numbers_both_ways
from test_benchmark import workflow
from test_report_browser import CHROMIUM, render

SECTIONS = ("advice", "ranked", "overall", "cost", "fractions", "methods", "provenance")
# Each method's level of accuracy (%); the scenarios shift it, the seeds jitter it.
LEVEL = {"avae": 80.0, "vae": 30.0, "vae_cg": 60.0, "jmvae": 62.0, "cva": 58.0, "mvae": 50.0, "mmvae": 55.0,
         "mopoe": 57.0, "m2vae": 54.0, "jmvae_zero": 45.0, "vcca": 52.0, "vcca_private": 53.0, "alignment": 61.0,
         "alignment_kl": 59.0, "bridged": 63.0, "telbo": 56.0, "bivcca": 45.5, "tvae": 51.0, "cmmd": 47.0}


def cell_rows(wf, cell: plan.BenchmarkCell, seed: int, shift: float) -> list:
    """The rows a real run writes for one cell and seed: accuracy, and the cost rows where its
    evaluation writes them (not for AVAE below full pairing: AVAE's Figure 5 has none)."""
    where = {"source": cell.source, "target": cell.target, "paired_fraction": cell.fraction,
             "latent_dim": wf.latent_dim, "seed": seed}
    accuracy = LEVEL[cell.method] * cell.fraction ** 0.2 + shift + 0.5 * seed
    rows = [metric_row(cell.experiment, cell.method, "accuracy", accuracy, **where)]
    if cell.method != "avae" or cell.fraction == 1.0:
        cost = plan.COST_EXPERIMENT[cell.experiment]
        rows += [metric_row(cost, cell.method, "trainable_parameters", 1000 * (2 + len(cell.method)), **where),
                 metric_row(cost, cell.method, "train_seconds", 5.0 * len(cell.method) + seed, **where)]
    return rows


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("benchmark")
    reports = root / "reports" / "synthetic"
    wf = workflow(seeds=(0, 1, 2))
    scenarios = [(s["source"], s["target"]) for s in wf.config["scenarios"]]
    rows = []
    for cell in plan.cells(wf):
        shift = -3.0 * scenarios.index((cell.source, cell.target))
        rows += [row for seed in wf.seeds for row in cell_rows(wf, cell, seed, shift)]
    rng = np.random.default_rng(0)
    for source, target, fraction in plan.points(wf):
        predictions = {}
        for cell in plan.cells(wf):
            if (cell.source, cell.target, cell.fraction) == (source, target, fraction):
                predictions[cell.method] = []
                for seed in wf.seeds:
                    path = root / "verdicts" / f"{cell.method}_{source}-{target}_{fraction}_{seed}.npz"
                    path.parent.mkdir(exist_ok=True)
                    save_predictions(path, torch.from_numpy(rng.random(500) < LEVEL[cell.method] / 100))
                    predictions[cell.method].append(path)
        out = root / "intervals" / f"{source}-{target}_{fraction}.csv"
        intervals(IntervalsSpec(source, target, fraction, list(wf.seeds), predictions, 200, 0.95, 0, out))
        rows += read_metrics(out)
    write_metrics(reports / "metrics.csv", rows)
    settings = {**wf.report_settings(), "name": "synthetic", "report": {**wf.config["report"], **STYLE}}
    plotted = {"scenarios": wf.config["scenarios"], "latent_dim": wf.latent_dim, "benchmark": settings["benchmark"]}
    for figure in plan.figures(wf):
        png = reports / "figures" / "benchmark" / f"{figure}.png"
        plot(PlotSpec(figure, reports / "metrics.csv", plotted, STYLE, png, png.with_suffix(".pdf")))
    config_file = root / "synthetic.yaml"
    config_file.write_text("name: synthetic\n")
    render_report(config_file, settings, reports, reports / "report.html")
    return reports / "benchmark.html"


def test_every_number_names_its_rows_and_every_row_is_shown(page: Path) -> None:
    numbers = PageNumbers()
    numbers.feed(page.read_text())
    check_numbers_both_ways(page.parent, numbers)
    assert sum(single for *_, single in numbers.ours) > 0  # the intervals, each one row's value


def test_the_advice_is_generated_from_the_ranking(page: Path) -> None:
    text = page.read_text()
    # AVAE is best on every scenario by construction: rank 1.00 everywhere.
    assert f"AVAE (ours) has the best mean rank (1.00 of {len(LEVEL)})" in text
    assert "With few pairs (50% of FSDD" in text
    assert "Registered cross-modal methods not in the benchmark, and why" in text and "<code>bridged</code>" not in text
    assert "<code>bridged_jmvae</code>): JMVAE-kl on the Bridged study&#39;s networks" in text


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_browser_renders_the_benchmark_page(page: Path) -> None:
    dom, broken, console, images = render(page)
    assert images == 3 and broken == [], broken
    assert console == [], console
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom, section
