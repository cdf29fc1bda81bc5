"""The CMMD study's report: tables and claim verdicts from constructed metrics rows, the deviations
found from the settings, and the page rendered (and, where Chromium is installed, loaded)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crossmodal.metrics import metric_row, write_metrics
from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, load_metrics
from crossmodal.report.html import render_report
from crossmodal.studies.cmmd.names import EXPERIMENTS, tagged
from crossmodal.studies.cmmd.report import SCHEMA, claims, schema_defaults, shrinks
from crossmodal.studies.cmmd.tables import build_tables, chosen_omega

SECTION = schema_defaults(json.loads(SCHEMA.read_text()))
SETTINGS: dict[str, Any] = {"name": "synthetic", "seeds": [0, 1], "studies": ["cmmd"], "datasets": ["mnist", "fsdd"],
                            "code": {}, "report": {"style": "whitegrid", "palette": "colorblind", "dpi": 50,
                                                   "font_scale": 1.0, "delta_bands": [3, 10]},
                            "cmmd": {**SECTION, "partner": "fsdd", "collapse": {**SECTION["collapse"], "epsilons": [1.0, 6.0]}}}
ERRORS = {"m_minus": 3.5, "vcca": 4.0, "vcca_private": 2.6, "mvae": 6.0}
OMEGA_VAL = {0.4: 2.0, 1.0: 2.8}


def rows() -> list:
    out = []
    e = EXPERIMENTS
    for seed in (0, 1):
        for method, error in ERRORS.items():
            for split in ("val", "test"):
                out.append(metric_row(e["e1"], method, f"{split}_error", error + seed * 0.1, source="rotated", seed=seed))
        for omega, error in OMEGA_VAL.items():
            for split in ("val", "test"):
                out.append(metric_row(e["e1"], "cmmd", tagged(f"{split}_error", omega=omega), error + seed * 0.1,
                                      source="rotated", seed=seed))
            for kind in ("prior", "posterior", "prior_vs_posterior"):
                for eps in (1.0, 6.0):
                    collapsed = 0.0 if omega < 1 else 40.0 * eps / 6
                    out.append(metric_row(e["collapse"], "cmmd", tagged(f"collapsed_{kind}", eps=eps, omega=omega),
                                          collapsed, source="rotated", seed=seed))
            if omega < 1:
                for name, value in (("step_ms", 10.4), ("step_ms_elbo", 10.0), ("mmd_overhead_percent", 4.0)):
                    out.append(metric_row(e["overhead"], "cmmd", tagged(name, omega=omega), value, seed=seed))
        for method, accuracy in (("cmmd", 90.0), ("mvae", 60.0), ("mmvae", 70.0), ("mopoe", 75.0)):
            out.append(metric_row(e["cross"], method, "accuracy", accuracy, source="mnist", target="fsdd", seed=seed))
            subsets = ["mnist"] if method == "cmmd" else ["mnist", "fsdd", "mnist+fsdd"]
            for subset in subsets:
                out.append(metric_row(e["latent"], method, "accuracy", accuracy, source=subset, seed=seed))
            for target in ("fsdd", "text"):
                out.append(metric_row(e["coherence"], method, "accuracy", accuracy - 5, source="mnist", target=target,
                                      seed=seed))
    return out


@pytest.fixture
def metrics(tmp_path: Path) -> pd.DataFrame:
    write_metrics(tmp_path / "metrics.csv", rows())
    return load_metrics(tmp_path / "metrics.csv")


def test_validation_chooses_omega_and_e1_takes_cmmd_at_it(metrics: pd.DataFrame) -> None:
    assert chosen_omega(metrics) == 0.4
    tables = build_tables(metrics, SETTINGS)
    cmmd = next(row for row in tables["cmmde1"].rows if row["method"] == "cmmd")
    assert cmmd["cells"][1].selector["metric"] == "test_error:omega=0.4"
    assert cmmd["cells"][1].mean == pytest.approx(2.05) and cmmd["cells"][1].paper == 2.4


def test_every_claim_has_a_verdict_computed_from_the_tables(metrics: pd.DataFrame) -> None:
    verdicts = {c.key: c.verdict for c in claims(build_tables(metrics, SETTINGS), chosen_omega(metrics))}
    # CMMD 2.05 < VCCA-private 2.65 < M- 3.55 < MVAE 6.05; 0.4 beats 1 and collapses less; no prior collapse;
    # cross 90 > 70 > 60; coherence ties at best in both cells; overhead 4% < 10%.
    assert verdicts == {"e1": HOLDS, "omega": HOLDS, "prior_collapse": HOLDS, "cross": HOLDS, "coherence": HOLDS,
                        "overhead": HOLDS}


def test_a_claim_fails_or_is_unknown_when_the_numbers_say_so(metrics: pd.DataFrame) -> None:
    worse = metrics.copy()
    worse.loc[(worse["method"] == "vcca_private") & (worse["metric"] == "test_error"), "value"] = 1.0
    verdicts = {c.key: c.verdict for c in claims(build_tables(worse, SETTINGS), chosen_omega(worse))}
    assert verdicts["e1"] == FAILS
    empty = metrics[metrics["experiment"] != EXPERIMENTS["overhead"]]
    verdicts = {c.key: c.verdict for c in claims(build_tables(empty, SETTINGS), chosen_omega(empty))}
    assert verdicts["overhead"] == UNKNOWN


def test_the_overhead_claim_takes_the_papers_omega_when_validation_chose_one(metrics: pd.DataFrame) -> None:
    # At omega = 1 there is no MMD term to time: the claim reads the paper's omega = 0.4 (4% here).
    overhead = next(c for c in claims(build_tables(metrics, SETTINGS), 1.0) if c.key == "overhead")
    assert overhead.verdict == HOLDS
    assert overhead.evidence == "ω = 0.4 (the paper's; the chosen ω = 1 has no MMD term): 4.00% per step against ω = 1"


def test_substitute_cells_carry_the_papers_value_as_context(metrics: pd.DataFrame) -> None:
    cross = build_tables(metrics, SETTINGS)["cmmdcross"]
    cmmd = next(row for row in cross.rows if row["method"] == "cmmd")["cells"][0]
    assert cmmd.paper == 97.6 and cmmd.substitute and cmmd.delta_class == "context"
    assert "Table 4" in cmmd.reference


def test_shrinking_a_setting_the_paper_fixes_is_a_listed_deviation() -> None:
    assert shrinks(SECTION) == []
    section = copy.deepcopy(SECTION)
    section["train"]["max_epochs"] = 30
    section["methods"]["cmmd"]["encoder_hidden"] = [500]
    assert shrinks(section) == ["cmmd.methods.cmmd.encoder_hidden: the paper's [2500, 2500, 2500] → [500] here",
                                "cmmd.train.max_epochs: the paper's 1001 → 30 here"]


def build_page(folder: Path) -> Path:
    write_metrics(folder / "metrics.csv", rows())
    config = folder / "config.yaml"
    config.write_text("name: synthetic\nseeds: [0, 1]\n")
    render_report(config, copy.deepcopy(SETTINGS), folder, folder / "report.html")
    return folder / "cmmd.html"


def test_the_page_renders_every_section_and_every_number_names_its_rows(tmp_path: Path) -> None:
    page = build_page(tmp_path).read_text()
    for section in ("summary", "cmmde1", "cmmdomega", "cmmdcollapse", "cmmdcross", "cmmdlatent", "cmmdcoherence",
                    "cmmdoverhead", "training", "provenance", "deviations"):
        assert f'<section id="{section}">' in page, section
    assert 'data-metrics="experiment=cmmd_e1;method=cmmd;metric=test_error:omega=0.4"' in page
    assert (tmp_path / "cmmd.paper_values.csv").exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_browser_renders_the_cmmd_page(tmp_path: Path) -> None:
    from test_report_browser import render

    dom, broken, console, _ = render(build_page(tmp_path))
    assert broken == [] and console == [], (broken, console)
    assert '<section id="deviations">' in dom


def test_every_paper_value_names_a_study_experiment_a_registered_method_and_where_the_paper_prints_it() -> None:
    from crossmodal.methods import METHODS
    from crossmodal.studies.avae.paper import load_paper_values
    from crossmodal.studies.cmmd.tables import PAPER_VALUES

    values = load_paper_values(PAPER_VALUES)
    assert values and all(v.experiment in EXPERIMENTS.values() and v.method in METHODS for v in values)
    assert all(v.paper == "002_c83be825965ea915.txt" and v.table and v.row for v in values)
