"""The report: every number on the page comes from metrics.csv (or the paper's values) and every
metrics.csv row is on the page; the claims checklist computes its verdicts; tables export to CSV
and LaTeX; DVC compares two commits' metrics and plots."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import torch
from markupsafe import escape

from crossmodal.methods import method_title
from crossmodal.metrics import metric_row, write_metrics
from crossmodal.report import exports
from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, load_metrics
from crossmodal.data.pairing import paired_subset
from crossmodal.report.figure_data import RUN_MODELS, collect_run_records, paired_examples, read_json, read_run_models
from crossmodal.report.html import inline_code, run_records
from crossmodal.studies.avae import deviations as avae_deviations, tables as avae_tables
from crossmodal.studies.avae.claims import CLAIM_AVAE_FRACTION, CLAIM_BASELINE_FRACTION, claims
from crossmodal.studies.avae.paper import load_paper_values
from crossmodal.studies.avae.tables import build_tables
from conftest import copy_repo
from report_fixtures import NUMBER, SETTINGS, PageNumbers, build_report, check_numbers_both_ways, synthetic_metrics
from workflow_runs import BIN, run

@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def page(report: Path) -> PageNumbers:
    parser = PageNumbers()
    parser.feed((report / "avae.html").read_text())
    return parser


def test_every_number_of_ours_is_computed_from_its_metrics_rows_and_every_row_is_shown(report: Path, page: PageNumbers) -> None:
    assert len(page.ours) > 50
    check_numbers_both_ways(report, page)


def test_paper_values_and_deltas_are_the_papers(page: PageNumbers) -> None:
    paper = {f"{v.value:.2f}" for v in load_paper_values()}
    assert page.paper and set(page.paper) - {"—"} <= paper
    assert page.deltas and all(d == "—" or NUMBER.fullmatch(d) for d in page.deltas)


def test_numbers_in_the_summary_and_deviations_are_numbers_of_the_tables(page: PageNumbers) -> None:
    """The claims' evidence and the deviations quote only numbers that are in the checked cells."""
    allowed = {n for _, _, _, text, _ in page.ours for n in NUMBER.findall(text)} | set(page.paper) | set(page.deltas)
    allowed |= {f"{float(f):g}" for f in ("0.05", "0.8")} | {CLAIM_AVAE_FRACTION, CLAIM_BASELINE_FRACTION}
    assert page.prose_numbers
    assert set(page.prose_numbers) <= allowed, set(page.prose_numbers) - allowed


def test_every_section_is_present_and_self_contained(report: Path, page: PageNumbers) -> None:
    assert page.sections == ["summary", "table1", "table2", "table3", "figure5", "grids", "latents", "training",
                             "methods", "sweeps", "provenance", "deviations"]
    html = (report / "avae.html").read_text()
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert not re.search(r"""(src|href)=["']?https?://""", html), "the page must load nothing from the network"
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert len(page.images) == 5  # Figure 5, two grids, one latent space, training curves


def test_every_in_page_link_reaches_its_evidence(page: PageNumbers) -> None:
    assert page.links and page.links <= page.ids, page.links - page.ids
    assert any(link.startswith("t3-") for link in page.links)  # claims link to the cell, not only the table


def test_table1_has_a_row_per_method_present_and_bolds_the_best(report: Path) -> None:
    table = build_tables(load_metrics(report / "metrics.csv"), SETTINGS)["table1"]
    assert [r["method"] for r in table.rows] == list(avae_tables.TABLE1_METHODS)
    flex = next(r for r in table.rows if r["method"] == "avae_flex")
    assert flex["cells"][0] is None and flex["cells"][2] is not None  # only where GTSRB takes part
    for i in range(len(table.columns)):
        column = [r["cells"][i] for r in table.rows if r["cells"][i] is not None]
        best = max(column, key=lambda c: c.mean)
        assert best.best and sum(c.best for c in column) == 1
    assert table.avae_beats_baselines == ["yes", "yes", "no"]
    substitute = next(r for r in table.rows if r["method"] == "avae")["cells"][1]
    assert substitute.substitute and substitute.delta_class == "context"
    # Each paper value names where the paper prints it, and the page shows it on the value.
    exact = next(r for r in table.rows if r["method"] == "jmvae")["cells"][0]
    assert exact.reference == ("shared/papers/000_853638bde154db42.txt, Table 1, row IMVAE, column F-MNIST -> MNIST "
                               "(JMVAE's row, printed as 'IMVAE' in the extracted text)")
    assert f'<span class="paper" title="{escape(exact.reference)}">83.49</span>' in (report / "avae.html").read_text()


def test_claims_verdicts_follow_the_data(report: Path) -> None:
    metrics = load_metrics(report / "metrics.csv")
    tables = build_tables(metrics, SETTINGS)
    verdicts = [c.verdict for c in claims(metrics, tables["table1"], tables["table2"], tables["table3"])]
    # AVAE wins 2 of 3 columns; 5% beats every baseline at 80%; cascade below; flex above; good classifiers.
    assert verdicts == [HOLDS, HOLDS, HOLDS, HOLDS, HOLDS]

    worse = metrics.copy()
    worse.loc[(worse["experiment"] == "table3") & (worse["method"] == "avae_cascade"), "value"] = 99.0
    worse.loc[(worse["experiment"] == "table2") & (worse["method"] == "classifier") & (worse["source"] == "mnist"), "value"] = 50.0
    tables = build_tables(worse, SETTINGS)
    verdicts = [c.verdict for c in claims(worse, tables["table1"], tables["table2"], tables["table3"])]
    assert verdicts[2] == FAILS and verdicts[4] == FAILS

    only_avae = metrics[~metrics["method"].isin(avae_tables.BASELINES + ("avae_flex",))]
    tables = build_tables(only_avae, SETTINGS)
    verdicts = [c.verdict for c in claims(only_avae, tables["table1"], tables["table2"], tables["table3"])]
    assert verdicts[:2] == [UNKNOWN, UNKNOWN] and verdicts[3] == UNKNOWN


def test_deviations_and_substitutions_are_generated_from_data_and_config(report: Path) -> None:
    metrics = load_metrics(report / "metrics.csv")
    paper = load_paper_values()
    tables = build_tables(metrics, SETTINGS)
    found = avae_deviations.deviations(tables["table1"], tables["table2"], tables["table3"],
                                       claims(metrics, tables["table1"], tables["table2"], tables["table3"]), SETTINGS, paper)
    texts = [d.text for d in found.all()]
    # F-MNIST -> MNIST is exact data: VAE at 30 is far from the paper's 47.36, AVAE at 80 within 3 of 82.02.
    assert any(t.startswith("Table 1, VAE, F-MNIST → MNIST: ours") for t in texts)
    assert not any(t.startswith("Table 1, AVAE (ours), F-MNIST → MNIST") for t in texts)
    assert "Table 1 column SVHN → MNIST: not run in this config" in texts
    notes = avae_deviations.substitutions(SETTINGS, paper)
    assert found.substitutions == notes
    assert any(n.startswith("FSDD stands in for GSC") for n in notes)
    assert any("GTSRB: the data's images are 32×32 and are resampled to 52×52" in n for n in notes)
    assert any(n.startswith("Not run here: SVHN") for n in notes)


def test_methods_table_says_not_yet_measured_without_rows(tmp_path: Path) -> None:
    assert avae_tables.methods_table(load_metrics(_metrics_file(tmp_path, []))).rows == []
    reports = build_report(tmp_path / "with")
    assert "not yet measured" not in (reports / "avae.html").read_text().split('id="methods"')[1].split("</section>")[0]


def _metrics_file(tmp_path: Path, rows: list) -> Path:
    rows = rows or [metric_row("table2", "classifier", "accuracy", 90.0, source="mnist", seed=0)]
    path = tmp_path / "metrics.csv"
    write_metrics(path, rows)
    return path


def test_tables_export_as_csv_and_latex(report: Path, tmp_path: Path) -> None:
    exports.write_tables(report / "metrics.csv", SETTINGS, tmp_path)
    with open(tmp_path / "table1.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["row"] for r in rows} == {method_title(m) for m in avae_tables.TABLE1_METHODS}
    tex = (tmp_path / "table1.tex").read_text()
    assert r"\begin{tabular}" in tex and r"\textbf{" in tex and r"$^\dagger$" in tex and "_" not in tex.split("\n", 1)[1]


def test_run_records_pick_up_every_method_model(report: Path) -> None:
    models = read_json(report / "figure_data" / "run" / RUN_MODELS)
    assert {m["kind"] for m in models} == {"vae", "associator", "jmvae"}
    with open(report / "figure_data" / "run" / "benchmarks.csv", newline="") as fh:
        assert [r["rule"] for r in csv.DictReader(fh)] == ["vae"]


def test_job_times_sum_wall_and_cpu_per_rule_and_per_seed(tmp_path: Path) -> None:
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    jobs = {"vae/mnist_z64_seed0": (10.0, 8.0), "vae/mnist_z64_seed1": (12.0, 9.0),
            "baselines/jmvae_mnist-fsdd_z64_p1.0_seed0": (30.0, 20.0)}
    for job, (wall, cpu) in jobs.items():
        path = tmp_path / "benchmarks" / f"{job}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + f"{wall}\t0:00:10\t1\t1\t1\t1\t0\t0\t50\t{cpu}\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "benchmarks" / "machine.json").write_text('{"matmul_gflops": 21.5}\n')
    collect_run_records(tmp_path / "models", tmp_path / "benchmarks", [], tmp_path / "report" / "figure_data" / "run")
    # The machine's speed goes with its benchmarks, for later runs' estimates (crossmodal.eta).
    assert (tmp_path / "report" / "figure_data" / "run" / "machine.json").read_text() == '{"matmul_gflops": 21.5}\n'
    records = run_records(tmp_path / "report")
    assert (records["total_seconds"], records["total_cpu_seconds"]) == (52.0, 37.0)
    # Rules ordered by CPU time, their cost on an idle core.
    assert [(r["rule"], r["jobs"], r["cpu"], r["total"], r["longest"]) for r in records["per_rule"]] == [
        ("baselines", 1, 20.0, 30.0, 30.0), ("vae", 2, 17.0, 22.0, 12.0)]
    assert [(r["seed"], r["jobs"], r["cpu"], r["total"]) for r in records["per_seed"]] == [
        (0, 2, 28.0, 40.0), (1, 1, 9.0, 12.0)]


def test_figure5_says_how_many_pairs_each_fraction_is(report: Path) -> None:
    sizes = json.loads((report / "figure_data" / "run" / "split_sizes.json").read_text())
    assert sizes == {"fsdd": {"train": 210, "val": 20, "test": 30, "train_per_class": [21] * 10}}
    html = (report / "avae.html").read_text()
    figure5 = html[html.index('<section id="figure5">'):html.index('<section id="grids">')]
    row = re.search(r"paired FSDD training examples \(of 210\)</td>(.*?)</tr>", figure5, re.S)
    assert row and re.findall(r'<td class="run">(\d+)</td>', row.group(1)) == ["210", "170", "10"]


@pytest.mark.parametrize("fraction", [1.0, 0.8, 0.5, 0.05, 0.01])
def test_paired_example_counts_are_the_pairings(fraction: float) -> None:
    labels = torch.cat([torch.full((n,), c) for c, n in enumerate([3, 40, 217, 1, 96])])
    chosen = paired_subset(labels, fraction, torch.Generator().manual_seed(0))
    assert paired_examples(torch.bincount(labels).tolist(), fraction) == len(chosen)


def test_run_records_skip_json_that_is_not_a_model_summary(tmp_path: Path) -> None:
    (tmp_path / "models" / "x").mkdir(parents=True)
    (tmp_path / "models" / "x" / "notes.json").write_text("{}")
    (tmp_path / "benchmarks").mkdir()
    collect_run_records(tmp_path / "models", tmp_path / "benchmarks", [], tmp_path / "out")
    assert read_json(tmp_path / "out" / RUN_MODELS) == []


def test_a_missing_dvc_record_is_named_with_the_way_to_make_it_again(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "benchmarks").mkdir()
    with pytest.raises(FileNotFoundError, match=r"gtsrb\.dvc.*--forcerun acquire"):
        collect_run_records(tmp_path / "models", tmp_path / "benchmarks", [tmp_path / "gtsrb.dvc"], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_run_records_are_the_same_bytes_when_nothing_changed(tmp_path: Path) -> None:
    # The records of real runs are kept in git: gzip's timestamp must not make a new file of an
    # unchanged record.
    (tmp_path / "models" / "vae").mkdir(parents=True)
    summary = {"kind": "vae", "best_epoch": 2, "history": [{"epoch": 1.0, "val_loss": 3.5}, {"epoch": 2.0, "val_loss": 2.25}]}
    (tmp_path / "models" / "vae" / "mnist.json").write_text(json.dumps(summary))
    (tmp_path / "benchmarks").mkdir()
    collect_run_records(tmp_path / "models", tmp_path / "benchmarks", [], tmp_path / "first")
    collect_run_records(tmp_path / "models", tmp_path / "benchmarks", [], tmp_path / "second")
    first = (tmp_path / "first" / RUN_MODELS).read_bytes()
    assert first == (tmp_path / "second" / RUN_MODELS).read_bytes()
    assert read_run_models(tmp_path / "first")[0]["history"] == summary["history"]
    assert read_run_models(tmp_path / "no-record") == []


# --- DVC: metrics and plots of two commits ------------------------------------------------------


def test_dvc_metrics_diff_and_plots_diff_between_two_commits(tmp_path: Path) -> None:
    """Two commits of smoke-like outputs: `dvc metrics diff` names the changed metric, and
    `dvc plots diff` renders Figure 5 of both."""
    repo = copy_repo(tmp_path / "repo")
    figure_data = repo / "reports" / "smoke" / "figure_data"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    rows = synthetic_metrics()
    for i, shift in enumerate((0.0, 2.5)):
        changed = [metric_row(r.experiment, r.method, r.metric, r.value + (shift if r.experiment == "figure5" and r.method == "avae" else 0),
                              source=r.source, target=r.target, paired_fraction=r.paired_fraction,
                              latent_dim=r.latent_dim, seed=r.seed) for r in rows]
        metrics = _metrics_file(tmp_path / f"run{i}", changed)
        exports.write_dvc_metrics([metrics], figure_data / "headline_metrics.json", figure_data / "figure5.csv")
        # reports/ is ignored by git: a real run shares these through DVC (make push); here git holds them.
        run(["git", "add", "-f", "reports/smoke/figure_data/headline_metrics.json", "reports/smoke/figure_data/figure5.csv"], repo)
        run([*git, "commit", "-qm", f"run {i}"], repo)
    diff = run([str(BIN / "dvc"), "metrics", "diff", "HEAD~1", "HEAD"], repo).stdout
    changed_lines = [line for line in diff.splitlines() if "figure5.avae" in line]
    assert len(changed_lines) == 3 and all("2.5" in line for line in changed_lines), diff
    assert "table1.avae" not in diff  # unchanged metrics are not listed
    out = tmp_path / "plots"
    run([str(BIN / "dvc"), "plots", "diff", "HEAD~1", "HEAD", "-o", str(out)], repo)
    html = (out / "index.html").read_text()
    assert "figure5_smoke" in html and "HEAD~1" in html


def test_dvc_yaml_declares_every_configs_metrics_and_figure5() -> None:
    import yaml

    from conftest import REPO

    declared = yaml.safe_load((REPO / "dvc.yaml").read_text())
    for config in sorted(p.stem for p in (REPO / "config").glob("*.yaml")):
        assert f"reports/{config}/figure_data/headline_metrics.json" in declared["metrics"]
        assert any(f"figure5_{config}" in plot for plot in declared["plots"])


def test_a_tie_with_a_baseline_is_no_win() -> None:
    # Every method at chance must not read as "AVAE beats every baseline".
    from crossmodal.report.analysis import Cell, Table
    from crossmodal.studies.avae.tables import avae_beats_baselines

    def cell(mean: float) -> Cell:
        return Cell(selector={}, mean=mean, std=0.0, n=1, paper=None, substitute=False, anchor="a")

    table = Table("table1", [{"title": "x"}])
    table.rows = [{"method": "avae", "cells": [cell(10.0)]}, {"method": "jmvae", "cells": [cell(10.0)]}]
    assert avae_beats_baselines(table, 0) == "no"
    table.rows[0]["cells"] = [cell(10.5)]
    assert avae_beats_baselines(table, 0) == "yes"


def test_a_sweep_lead_within_the_seed_spread_is_not_called_a_win() -> None:
    from crossmodal.report.analysis import Cell
    from crossmodal.studies.avae.tables import sweep_verdict as _sweep_verdict

    def row(mean: float, std: float, n: int, configured: bool, best: bool = False) -> dict:
        return {"configured": configured, "cells": [Cell(selector={}, mean=mean, std=std, n=n, paper=None,
                                                         substitute=False, anchor="a", best=best)]}

    # MVAE's batch-size sweep on F-MNIST -> MNIST: 49.68 +- 2.81 against the configured 48.68 +- 4.29.
    assert _sweep_verdict([row(49.68, 2.81, 3, False, best=True), row(48.68, 4.29, 3, True)]) == \
        "another value scores higher, by less than the seed spread"
    # MNIST -> F-MNIST: 70.31 +- 10.67 against 60.79 +- 10.38, a lead of 9.52, still inside.
    assert _sweep_verdict([row(70.31, 10.67, 3, False, best=True), row(60.79, 10.38, 3, True)]) == \
        "another value scores higher, by less than the seed spread"
    assert _sweep_verdict([row(60.0, 1.0, 3, False, best=True), row(50.0, 2.0, 3, True)]) == \
        "another value beats the configured one"
    # One seed has no spread to judge by.
    assert _sweep_verdict([row(50.1, 0.0, 1, False, best=True), row(50.0, 0.0, 1, True)]) == \
        "another value beats the configured one"
    assert _sweep_verdict([row(40.0, 0.0, 1, False), row(50.0, 0.0, 1, True, best=True)]) == \
        "the configured value is the best of those tried"


def test_sweeps_mark_the_configured_value_bold_the_best_and_report_the_verdict(report: Path) -> None:
    html = (report / "avae.html").read_text()
    sweeps = html[html.index('<section id="sweeps">'):html.index('<section id="provenance">')]
    assert "kl_weight = 1 <strong>(configured)</strong>" in sweeps and "synthetic evidence" in sweeps
    assert re.search(r'id="sw-mvae-fashion_mnist-mnist-kl_weight-0.5" class="cell best"', sweeps)
    deviations = html[html.index('<section id="deviations">'):]
    assert 'href="#sw-mvae-fashion_mnist-mnist-kl_weight"' in deviations
    assert "validation sweep of kl_weight, another value beats the configured one" in deviations
    # The verdict follows the gap it is evidence for.
    items = re.findall(r"<li>(.*?)</li>", deviations, re.S)
    gap = next(i for i, item in enumerate(items) if "Table 1, MVAE, F-MNIST → MNIST" in item)
    assert "validation sweep of kl_weight" in items[gap + 1]


def test_provenance_says_when_the_seeds_were_set_on_the_command_line(report: Path, tmp_path: Path) -> None:
    from crossmodal.report.html import render_report
    from report_fixtures import SETTINGS

    config_file = tmp_path / "synthetic.yaml"
    config_file.write_text("name: synthetic\nseeds: [0, 1, 2, 3]\n")
    out = tmp_path / "report.html"
    render_report(config_file, SETTINGS, report, out)
    provenance = (tmp_path / "avae.html").read_text().split('<section id="provenance">')[1].split("</section>")[0]
    seeds = ", ".join(str(s) for s in SETTINGS["seeds"])
    assert f"<dd>{seeds} <strong>(set on the command line; the config lists 0, 1, 2, 3)</strong></dd>" in provenance

    config_file.write_text(f"name: synthetic\nseeds: [{seeds}]\n")
    render_report(config_file, SETTINGS, report, out)
    assert "set on the command line" not in (tmp_path / "avae.html").read_text()


def test_plain_text_reasons_set_their_code_spans_as_code_and_escape_the_rest() -> None:
    rendered = inline_code("the objective of JMVAE (`jmvae`), not <b>x</b> & `a<b`")
    assert str(rendered) == ("the objective of JMVAE (<code>jmvae</code>), not &lt;b&gt;x&lt;/b&gt; &amp; "
                             "<code>a&lt;b</code>")
