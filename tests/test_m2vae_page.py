"""The M2VAE study's page as a browser shows it: drawn from synthetic metrics and one real figure,
every section there, every image decodes, the console stays silent, every paper cell in the deviations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from crossmodal.metrics import metric_row, write_metrics
from crossmodal.report.html import render_report
from crossmodal.studies.m2vae.evaluate import metrics_and_figure
from crossmodal.studies.m2vae.figures import plot_latents
from report_fixtures import SETTINGS
from test_m2vae_study import metrics_frame, smoke, spec, tiny_mog_model
from test_report_browser import CHROMIUM, render

SECTIONS = ("summary", "m2table1", "m2check", "measures", "m2ambiguity", "m2sweep", "figures", "provenance",
            "deviations")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = tmp_path_factory.mktemp("m2vae") / "reports" / "synthetic"
    model, data = tiny_mog_model(2)
    with torch.inference_mode():
        rows, figure = metrics_and_figure(model, data, spec(reports), {})
    frame = metrics_frame(-11.0, -30.0)
    rows += [metric_row(r.experiment, r.method, r.metric, r.value, source=r.source, target=r.target, latent_dim=2, seed=0)
             for r in frame.itertuples()]
    write_metrics(reports / "metrics.csv", rows)
    npz = reports / "figure_data" / "m2vae" / "mog" / "m2vae_main_seed0.npz"
    npz.parent.mkdir(parents=True)
    np.savez(npz, **figure)
    figures = reports / "figures" / "m2vae"
    plot_latents([npz], figures / "latents_mog-m2vae.png", figures / "latents_mog-m2vae.pdf")
    config_file = reports / "synthetic.yaml"
    config_file.write_text("name: synthetic\n")
    settings = {**SETTINGS, "studies": ["m2vae"], "m2vae": smoke()["m2vae"]}
    render_report(config_file, settings, reports, reports / "report.html")
    return reports / "m2vae.html"


def test_the_page_names_the_papers_scale_and_lists_every_paper_cell_in_the_deviations(page: Path) -> None:
    text = page.read_text()
    assert "The paper's scale is matched by the reconstruction averaged over pixels" in text
    assert text.count('<span class="sub">gap</span>') == 9 + 2
    assert "This page omits:" in text  # the figures this synthetic report does not draw


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_browser_renders_the_m2vae_page(page: Path) -> None:
    dom, broken, console, images = render(page)
    assert images == 1 and broken == [], broken
    assert console == [], console
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom, section


RECORD = Path(__file__).resolve().parents[1] / "docs" / "runs" / "2026-12-07-m2vae-offline-seeds012"


@pytest.fixture(scope="module")
def record_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page drawn from the committed three-seed record alone, as `combine-runs --run` draws it."""
    from crossmodal.report.combine import combine_runs

    out = tmp_path_factory.mktemp("m2vae-record") / "offline"
    combine_runs([RECORD], out)
    return out / "m2vae.html"


def test_the_record_page_gives_every_claim_a_verdict_and_every_gap_a_cause(record_page: Path) -> None:
    text = record_page.read_text()
    assert "over 3 seed(s)" in text
    # Five claims, each judged; the two that fail carry the cause found on the validation split.
    assert text.count('class="verdict holds"') + text.count('class="verdict fails"') == 5
    assert "not investigated yet" not in text
    assert text.count('<span class="sub">gap</span>') == 9 + 2


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_browser_renders_the_record_page(record_page: Path) -> None:
    dom, broken, console, _ = render(record_page)
    assert broken == [] and console == [], (broken, console)
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom, section
