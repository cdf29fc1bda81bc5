"""The Bridged VAE study's tables, claims and page from synthetic metrics.csv rows: every claim has
a verdict computed from the rows, every number of ours on the page is the mean of the rows it
names, and the page opens in a headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from crossmodal.metrics import metric_row, write_metrics
from crossmodal.report.analysis import FAILS, HOLDS, load_metrics
from crossmodal.report.html import render_report
from crossmodal.studies.bridged.claims import claims
from crossmodal.studies.bridged.deviations import run_deviations
from crossmodal.studies.bridged.tables import build_tables

SEEDS = (0, 1)
SETTINGS = {
    "name": "synthetic", "seeds": list(SEEDS), "studies": ["bridged"], "datasets": ["mnist", "fashion_mnist"],
    "scenarios": [], "code": {}, "report": {"delta_bands": [3, 10]},
    "bridged": {"settings": {"bimodal": ["mnist", "label"], "trimodal": ["fashion_mnist", "mnist", "label"]},
                "log_likelihood": {"importance_samples": 1000, "train_examples": 500, "test_examples": None},
                "generation_samples": 10},
}
# (q(z|x,y), q(z|x)) per method: Bridged has the best q(z|x) and the smallest gap, MVAE the best q(z|x,y).
TABLE1 = {"bridged_joint": (-99.0, None), "bridged_vae": (None, -101.0), "bridged_jmvae": (-102.0, -104.0),
          "telbo": (-98.5, -100.0), "bridged_mvae": (-97.0, -101.0), "bridged": (-99.0, -99.2)}
PARAMETERS = {"bridged": (300, 600), "bridged_jmvae": (500, 1900), "telbo": (500, 1900), "bridged_mvae": (250, 500)}


def synthetic_rows() -> list:
    rows = []
    for seed in SEEDS:
        shift = 0.1 * seed
        for experiment, offset in (("bridged_table1", 0.0), ("bridged_table2", 0.3)):
            for method, (joint, unimodal) in TABLE1.items():
                def row(source: str, value: float, metric: str = "log_likelihood") -> None:
                    rows.append(metric_row(experiment, method, metric, value, source=source, target="mnist",
                                           latent_dim=128, seed=seed))
                if joint is not None:
                    row("mnist+label", joint + offset + shift)
                if unimodal is not None:
                    row("mnist", unimodal + offset + shift)
                if joint is not None and unimodal is not None:
                    row("gap", joint - unimodal, "log_likelihood_gap")
        for method, counts in PARAMETERS.items():
            for setting, count in zip(("bimodal", "trimodal"), counts):
                rows.append(metric_row("bridged_parameters", method, "trainable_parameters", count, source=setting,
                                       latent_dim=128, seed=seed))
        rows.append(metric_row("bridged_labels", "bridged", "label_errors", 40 + seed, source="mnist", target="label",
                               latent_dim=128, seed=seed))
        rows.append(metric_row("bridged_generation", "bridged", "accuracy", 90.0 + seed, source="label",
                               target="mnist", latent_dim=128, seed=seed))
        rows.append(metric_row("bridged_table4", "bridged", "log_likelihood", -250.0 - seed, source="fashion_mnist",
                               target="fashion_mnist", latent_dim=128, seed=seed))
    return rows


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("bridged") / "metrics.csv"
    write_metrics(path, synthetic_rows())
    return load_metrics(path)


def test_table1_holds_every_method_with_the_paper_beside_ours(metrics: pd.DataFrame) -> None:
    table = build_tables(metrics, SETTINGS)["bridged1"]
    titles = [col["title"] for col in table.columns]
    assert titles == ["MNIST: q(z|all)", "MNIST: q(z|MNIST)", "MNIST: difference"]
    bridged = next(row for row in table.rows if row["method"] == "bridged")
    assert bridged["cells"][1].mean == pytest.approx(-99.2 + 0.05) and bridged["cells"][1].paper == -98.76
    assert bridged["cells"][2].mean == pytest.approx(0.2) and bridged["cells"][2].paper == 0.21


def test_every_claim_has_a_verdict_computed_from_the_rows(metrics: pd.DataFrame) -> None:
    verdicts = {c.key: c.verdict for c in claims(build_tables(metrics, SETTINGS))}
    assert verdicts == {"smallest_gap": HOLDS, "best_unimodal": HOLDS, "mvae_best_joint": HOLDS,
                        "fewer_parameters": HOLDS, "train_close_to_test": HOLDS, "joint_beats_vae": HOLDS}
    worse = metrics.copy()
    worse.loc[(worse["experiment"] == "bridged_parameters") & (worse["method"] == "bridged"), "value"] = 10**6
    assert {c.key: c.verdict for c in claims(build_tables(worse, SETTINGS))}["fewer_parameters"] == FAILS


def render(root: Path) -> Path:
    reports = root / "reports" / "synthetic"
    write_metrics(reports / "metrics.csv", synthetic_rows())
    config_file = root / "synthetic.yaml"
    config_file.write_text("name: synthetic\n")
    render_report(config_file, SETTINGS, reports, reports / "report.html")
    return reports / "bridged.html"


def test_every_number_of_ours_on_the_page_is_the_mean_of_the_rows_it_names(tmp_path: Path) -> None:
    page = render(tmp_path).read_text()
    metrics = load_metrics(tmp_path / "reports" / "synthetic" / "metrics.csv")
    cells = re.findall(r'data-metrics="([^"]+)" data-n="(\d+)" data-digits="(\d+)">([^<]+)<', page)
    assert len(cells) > 20
    for selector, n, digits, text in cells:
        rows = metrics
        for key, value in (part.split("=", 1) for part in selector.split(";")):
            rows = rows[rows[key] == value]
        assert len(rows) == int(n)
        if int(n):
            assert text.split(" ± ")[0] == f"{rows['value'].mean():.{digits}f}", selector
    assert "bridged.paper_values.csv" in page and (tmp_path / "reports" / "synthetic" / "bridged.paper_values.csv").exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_page_opens_in_a_browser_with_every_section(tmp_path: Path) -> None:
    page = render(tmp_path)
    result = subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                             page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    for section in ("summary", "bridged1", "bridged2", "bridged4", "bridgedparameters", "bridgedlabels",
                    "bridgedgeneration", "provenance", "deviations"):
        assert f'id="{section}"' in result.stdout, section


def test_a_shorter_budget_than_the_papers_is_a_stated_deviation() -> None:
    short = run_deviations({"train": {"max_epochs": 20, "learning_rate": 0.001}, "log_likelihood": {}})
    paper = run_deviations({"train": {"max_epochs": 500, "learning_rate": 0.0001}, "log_likelihood": {}})
    assert len(short) == 2 and "at most 20 epochs" in short[1] and len(paper) == 1


def test_each_gap_beyond_two_nats_and_each_failing_claim_carries_its_cause(tmp_path: Path) -> None:
    from crossmodal.report.analysis import Claim
    from crossmodal.report.gap_notes import NOT_INVESTIGATED
    from crossmodal.studies.bridged.deviations import deviations

    path = tmp_path / "metrics.csv"
    rows = [r for r in synthetic_rows() if not (r.method == "bridged_vae" and r.experiment == "bridged_table1")
            and r.experiment != "bridged_table4"]
    rows += [metric_row("bridged_table1", "bridged_vae", "log_likelihood", -95.0, source="mnist", target="mnist",
                        latent_dim=128, seed=0),  # 5.89 nats above the paper's VAE
             metric_row("bridged_table4", "bridged", "log_likelihood", -240.0, source="fashion_mnist",
                        target="fashion_mnist", latent_dim=128, seed=0),  # 9.35 above the paper's
             metric_row("bridged_table4", "telbo", "log_likelihood", -250.0, source="fashion_mnist+mnist+label",
                        target="fashion_mnist", latent_dim=128, seed=0),  # 6.23 above the paper's
             metric_row("bridged_table4", "bridged_mvae", "log_likelihood", -250.0, source="fashion_mnist",
                        target="fashion_mnist", latent_dim=128, seed=0)]
    write_metrics(path, rows)
    tables = build_tables(load_metrics(path), SETTINGS)
    failing = [Claim("smallest_gap", "Bridged has the smallest gap", "does not hold", "TELBO 0.00", "bridged1"),
               Claim("best_unimodal", "Bridged has the best q(z|x) column", "does not hold", "TELBO -95", "bridged1")]
    found = deviations(tables, failing, {**SETTINGS, "name": "offline"})
    # Only cells beyond the tolerance are listed, each with the note that names its cell (the
    # paper's MVAE Table 4 row; the cells above the paper's in Table 1 and in Bridged's Table 4 row),
    # or none yet (TELBO's joint F-MNIST cell of Table 4).
    assert all(abs(float(d.text.rsplit("Δ ", 1)[1])) > 2.0 for d in found["gaps"])
    causes = {d.text.split(":")[0]: d.cause for d in found["gaps"]}
    assert "hundreds of nats" in causes["MVAE, F-MNIST"]
    assert "binarised MNIST" in causes["VAE, MNIST"]
    assert "single-image columns" in causes["Bridged (ours), F-MNIST"]
    assert causes["TELBO, F-MNIST"] == NOT_INVESTIGATED
    # Each failing claim has its note: the smallest gap (the proposal probe), the best q(z|x) column.
    claim_causes = [d.cause for d in found["claims"]]
    assert len(claim_causes) == 2 and "two proposals" in claim_causes[0] and "seed to seed" in claim_causes[1]
