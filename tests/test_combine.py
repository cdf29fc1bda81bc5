"""Combining runs that hold different seeds or different studies of one config into one report
(crossmodal.report.combine): the combined folder is what a single run of all the seeds and studies
gives, and runs that differ in anything else are refused."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import crossmodal.studies
from crossmodal.io import atomic_write_json
from crossmodal.metrics import metric_row, read_metrics, write_metrics
from crossmodal.report.analysis import Table, make_cell
from crossmodal.report.exports import write_tables
from crossmodal.report.combine import CombineError, combine_runs
from crossmodal.report.figure_data import RUN_MODELS, atomic_write_json_gz, read_json
from crossmodal.report.html import provenance
from crossmodal.studies import Study, StudyPage
from report_fixtures import SETTINGS, PageNumbers, build_report, check_numbers_both_ways


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic report of one run of all three seeds, with its tables."""
    reports = build_report(tmp_path_factory.mktemp("single"))
    write_tables(reports / "metrics.csv", SETTINGS, reports / "tables")
    return reports


def make_run(single: Path, dest: Path, seeds: list[int], studies: list[str] | None = None) -> Path:
    """A run of ``seeds`` only, cut from the single run: its rows, its run records, its run.json.
    ``studies``: a run of these studies (the toy study's rows instead of AVAE's where it is one)."""
    shutil.copytree(single / "figure_data", dest / "figure_data")
    rows = [r for r in read_metrics(single / "metrics.csv") if int(r.seed) in seeds]
    if studies is not None:
        rows = [r for r in rows if "avae" in studies] + (_toy_rows(seeds) if "toy" in studies else [])
    write_metrics(dest / "metrics.csv", rows)
    if 0 not in seeds:  # the single run's model summaries and benchmark are seed 0's
        atomic_write_json_gz(dest / "figure_data" / "run" / RUN_MODELS, [])
        (dest / "figure_data" / "run" / "benchmarks.csv").write_text("rule,job,s,max_rss,cpu_time\n")
    settings = copy.deepcopy(SETTINGS)
    settings["seeds"] = seeds
    if studies is not None:
        settings["studies"] = studies
    for sweep in settings["validation_sweeps"]:
        sweep["seeds"] = [s for s in sweep["seeds"] if s in seeds]
    config_file = single.parent.parent / "synthetic.yaml"
    (dest / "run.json").write_text(json.dumps({"settings": settings, "provenance": provenance(config_file, settings, {})}))
    return dest


@pytest.fixture(scope="module")
def combined(single: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    runs = [make_run(single, root / "seed0", [0]), make_run(single, root / "seeds12", [1, 2])]
    combine_runs(runs, root / "combined")
    return root / "combined"


def test_the_combined_metrics_and_tables_are_the_single_runs(single: Path, combined: Path) -> None:
    assert sorted(read_metrics(combined / "metrics.csv"), key=lambda r: r.key()) == \
        sorted(read_metrics(single / "metrics.csv"), key=lambda r: r.key())
    for table in sorted((single / "tables").iterdir()):
        assert (combined / "tables" / table.name).read_text() == table.read_text(), table.name
    record = json.loads((combined / "run.json").read_text())
    assert record["settings"]["seeds"] == [0, 1, 2]
    assert record["settings"]["validation_sweeps"][0]["seeds"] == [0]


def test_the_combined_page_shows_every_row_and_names_its_runs(combined: Path) -> None:
    html = (combined / "avae.html").read_text()
    page = PageNumbers()
    page.feed(html)
    check_numbers_both_ways(combined, page)
    assert all(src.startswith("data:image/png;base64,") for src in page.images) and len(page.images) >= 4
    provenance_section = html.split('<section id="provenance">')[1].split("</section>")[0]
    assert "<dt>combined from</dt>" in provenance_section
    assert '<tr><td class="label">0</td><td class="label">avae</td>' in provenance_section
    assert '<tr><td class="label">1, 2</td>' in provenance_section
    # The model summaries of every run are merged: seed 0's three training histories.
    assert len(read_json(combined / "figure_data" / "run" / RUN_MODELS)) == 3


def _runs(single: Path, tmp_path: Path) -> list[Path]:
    return [make_run(single, tmp_path / "a", [0]), make_run(single, tmp_path / "b", [1, 2])]


def _edit_record(run: Path, edit) -> None:  # type: ignore[no-untyped-def]
    record = json.loads((run / "run.json").read_text())
    edit(record)
    (run / "run.json").write_text(json.dumps(record))


def test_a_seed_in_two_runs_is_refused(single: Path, tmp_path: Path) -> None:
    runs = [make_run(single, tmp_path / "a", [0, 1]), make_run(single, tmp_path / "b", [1, 2])]
    with pytest.raises(CombineError, match=r"seed 1 of the study 'avae' is in both .*a and .*b"):
        combine_runs(runs, tmp_path / "out")


def test_runs_of_other_training_code_are_refused(single: Path, tmp_path: Path) -> None:
    runs = _runs(single, tmp_path)
    _edit_record(runs[1], lambda r: r["settings"]["code"].update(baseline_mvae="edited"))
    with pytest.raises(CombineError, match=r"trained by different code \(baseline_mvae\)"):
        combine_runs(runs, tmp_path / "out")


def test_runs_of_another_config_version_are_refused(single: Path, tmp_path: Path) -> None:
    runs = _runs(single, tmp_path)
    _edit_record(runs[1], lambda r: r["provenance"].update(config_sha256="f" * 64))
    with pytest.raises(CombineError, match="ran different versions of"):
        combine_runs(runs, tmp_path / "out")


def test_runs_of_other_settings_are_refused(single: Path, tmp_path: Path) -> None:
    runs = _runs(single, tmp_path)
    _edit_record(runs[1], lambda r: r["settings"].update(latent_dim=32))
    with pytest.raises(CombineError, match="different report settings"):
        combine_runs(runs, tmp_path / "out")


def test_runs_that_saw_other_data_are_refused(single: Path, tmp_path: Path) -> None:
    runs = _runs(single, tmp_path)
    (runs[1] / "figure_data" / "run" / "dvc" / "fsdd.dvc").write_text("outs:\n- md5: 0000.dir\n  path: fsdd\n")
    with pytest.raises(CombineError, match="did not see the same data"):
        combine_runs(runs, tmp_path / "out")


def test_rows_of_a_seed_the_run_does_not_list_are_refused(single: Path, tmp_path: Path) -> None:
    runs = _runs(single, tmp_path)
    _edit_record(runs[1], lambda r: r["settings"].update(seeds=[1]))
    with pytest.raises(CombineError, match=r"has rows of seeds \['2'\], which its run.json does not list"):
        combine_runs(runs, tmp_path / "out")


def test_a_folder_without_a_run_record_is_refused(single: Path, tmp_path: Path) -> None:
    runs = _runs(single, tmp_path)
    (runs[0] / "run.json").unlink()
    with pytest.raises(CombineError, match=r"not a finished run's report folder \(missing run.json\)"):
        combine_runs(runs, tmp_path / "out")


def test_the_record_of_a_partial_run_is_refused(single: Path, tmp_path: Path) -> None:
    """A record made from some targets of a run (a benchmark scenario's) keeps its job times for the
    ETA, but its folder is not a run's report."""
    runs = _runs(single, tmp_path)
    _edit_record(runs[0], lambda r: r["provenance"].update(partial_run="snakemake some/target.csv"))
    with pytest.raises(CombineError, match=r"the record of a partial run \(snakemake some/target.csv\)"):
        combine_runs(runs, tmp_path / "out")


def test_one_run_is_drawn_again_from_its_record_alone(single: Path, tmp_path: Path) -> None:
    run = make_run(single, tmp_path / "all", [0, 1, 2])
    combine_runs([run], tmp_path / "again")
    assert sorted(read_metrics(tmp_path / "again" / "metrics.csv"), key=lambda r: r.key()) == \
        sorted(read_metrics(single / "metrics.csv"), key=lambda r: r.key())
    for table in sorted((single / "tables").iterdir()):
        assert (tmp_path / "again" / "tables" / table.name).read_text() == table.read_text(), table.name
    assert (tmp_path / "again" / "report.html").stat().st_size > 0 and (tmp_path / "again" / "avae.html").stat().st_size > 0


def test_a_record_from_before_the_gzipped_model_summaries_is_read(single: Path, tmp_path: Path) -> None:
    run = make_run(single, tmp_path / "legacy", [0, 1, 2])
    summaries = read_json(run / "figure_data" / "run" / RUN_MODELS)
    (run / "figure_data" / "run" / RUN_MODELS).unlink()
    atomic_write_json(run / "figure_data" / "run" / "models.json", summaries)
    combine_runs([run], tmp_path / "again")
    assert summaries and read_json(tmp_path / "again" / "figure_data" / "run" / RUN_MODELS) == summaries


def test_the_command_refuses_in_one_line_without_a_traceback(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from crossmodal.cli import main

    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as refused:
        main(["combine-runs", "--run", str(tmp_path / "empty"), "--out-dir", str(tmp_path / "out")])
    assert str(refused.value) == (f"error: {tmp_path / 'empty'}: not a finished run's report folder (missing "
                                  "metrics.csv, run.json, figure_data); run.json is written by the workflow's report rule")
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --- runs of different studies ------------------------------------------------------------------


def _toy_rows(seeds: list[int]) -> list:
    return [metric_row("toy_experiment", "toy", "accuracy", 50.0 + seed, source="mnist", seed=seed) for seed in seeds]


def _toy_tables(metrics, settings) -> dict[str, Table]:  # type: ignore[no-untyped-def]
    table = Table("toy_table", [{"title": "Accuracy"}])
    table.rows.append({"title": "toy", "cells": [make_cell(metrics, {"experiment": "toy_experiment", "metric": "accuracy"},
                                                           None, False, "toy", (3.0, 10.0))]})
    return {"toy_table": table}


def _toy_page(metrics, settings, context) -> StudyPage:  # type: ignore[no-untyped-def]
    return StudyPage(f"<!DOCTYPE html><html><body><p>toy: {len(metrics)} rows</p></body></html>", ("nothing real",))


TOY = Study(name="toy", title="A toy paper", paper_file="toy.txt", experiments=("toy_experiment", "toy_pooled"),
            table_captions={"toy_table": "Toy."}, build_tables=_toy_tables, render_page=_toy_page)


@pytest.fixture
def with_toy_study(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A second study beside AVAE, as a new study folder would add it (found by discovery)."""
    discover = crossmodal.studies._discover
    monkeypatch.setattr(crossmodal.studies, "_discover", lambda: {**discover(), "toy": TOY})
    crossmodal.studies.registry.cache_clear()
    yield
    crossmodal.studies.registry.cache_clear()


def test_runs_of_different_studies_combine_into_one_report_with_a_page_each(single: Path, tmp_path: Path,
                                                                           with_toy_study: None) -> None:
    runs = [make_run(single, tmp_path / "avae0", [0], ["avae"]), make_run(single, tmp_path / "avae12", [1, 2], ["avae"]),
            make_run(single, tmp_path / "toy", [0, 1, 2], ["toy"])]
    combine_runs(runs, tmp_path / "out")
    out = tmp_path / "out"
    record = json.loads((out / "run.json").read_text())
    assert record["settings"]["studies"] == ["avae", "toy"] and record["settings"]["seeds"] == [0, 1, 2]
    # AVAE's tables are the single run's; the toy study's table is its own.
    for table in sorted((single / "tables").iterdir()):
        assert (out / "tables" / table.name).read_text() == table.read_text(), table.name
    assert (out / "tables" / "toy_table.csv").exists()
    assert "toy: 3 rows" in (out / "toy.html").read_text()
    index = (out / "report.html").read_text()
    assert 'href="avae.html"' in index and 'href="toy.html"' in index and "nothing real" in index
    page = PageNumbers()
    page.feed((out / "avae.html").read_text())
    check_numbers_both_ways_of_study(out, page)


def check_numbers_both_ways_of_study(out: Path, page: PageNumbers) -> None:
    """The AVAE page shows every AVAE row (the toy study's rows are on its own page)."""
    avae_only = out.parent / "avae-only"
    avae_only.mkdir()
    write_metrics(avae_only / "metrics.csv", [r for r in read_metrics(out / "metrics.csv") if r.experiment != "toy_experiment"])
    check_numbers_both_ways(avae_only, page)


@pytest.fixture
def with_reading_study(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A study that compares with AVAE's Table 1 cells (as the alignment does): its run makes them too."""
    discover = crossmodal.studies._discover
    monkeypatch.setattr(crossmodal.studies, "_discover",
                        lambda: {**discover(), "toy": dataclasses.replace(TOY, reads=("table1",))})
    crossmodal.studies.registry.cache_clear()
    yield
    crossmodal.studies.registry.cache_clear()


def test_rows_a_study_reads_combine_once(single: Path, tmp_path: Path, with_reading_study: None) -> None:
    reading = make_run(single, tmp_path / "toy0", [0], ["toy"])
    table1 = [r for r in read_metrics(single / "metrics.csv") if r.experiment == "table1" and r.seed == "0"]
    write_metrics(reading / "metrics.csv", read_metrics(reading / "metrics.csv") + table1)
    # Alone, its run's report holds the Table 1 cells it made.
    combine_runs([reading], tmp_path / "alone")
    assert sorted(r.key() for r in read_metrics(tmp_path / "alone" / "metrics.csv")) == \
        sorted(r.key() for r in table1 + _toy_rows([0]))
    # Beside the AVAE study's own run of the seed, the cells come once: AVAE's.
    avae = make_run(single, tmp_path / "avae", [0, 1, 2], ["avae"])
    combine_runs([reading, avae], tmp_path / "both")
    combined = read_metrics(tmp_path / "both" / "metrics.csv")
    assert sorted(r.key() for r in combined) == sorted(r.key() for r in read_metrics(single / "metrics.csv") + _toy_rows([0]))


def test_a_seed_of_a_study_in_two_runs_is_refused(single: Path, tmp_path: Path, with_toy_study: None) -> None:
    runs = [make_run(single, tmp_path / "a", [0, 1], ["avae", "toy"]), make_run(single, tmp_path / "b", [1, 2], ["toy"])]
    with pytest.raises(CombineError, match=r"seed 1 of the study 'toy' is in both .*a and .*b"):
        combine_runs(runs, tmp_path / "out")


def test_a_study_named_twice_or_unknown_is_refused(single: Path, tmp_path: Path, with_toy_study: None) -> None:
    twice = make_run(single, tmp_path / "twice", [0], ["toy", "toy"])
    with pytest.raises(CombineError, match="names the study 'toy' twice"):
        combine_runs([twice], tmp_path / "out")
    unknown = make_run(single, tmp_path / "unknown", [0], ["avae"])
    _edit_record(unknown, lambda r: r["settings"].update(studies=["nosuch"]))
    with pytest.raises(CombineError, match=r"unknown studies \['nosuch'\]"):
        combine_runs([unknown], tmp_path / "out")


def _with_pooled_row(run: Path, seeds: int) -> Path:
    """The run's rows and one pooled over its seeds (seed column empty), as the benchmark's intervals."""
    pooled = metric_row("toy_pooled", "toy", "seeds", seeds, source="mnist")
    write_metrics(run / "metrics.csv", read_metrics(run / "metrics.csv") + [pooled])
    return run


def test_rows_pooled_over_every_seed_of_their_study_are_kept(single: Path, tmp_path: Path, with_toy_study: None) -> None:
    runs = [make_run(single, tmp_path / "avae0", [0], ["avae"]),
            _with_pooled_row(make_run(single, tmp_path / "toy", [0, 1, 2], ["toy"]), 3)]
    combine_runs(runs, tmp_path / "out")
    pooled = [r for r in read_metrics(tmp_path / "out" / "metrics.csv") if r.experiment == "toy_pooled"]
    assert [(r.seed, r.value) for r in pooled] == [("", 3.0)]


def test_rows_pooled_over_fewer_seeds_than_the_combined_report_are_refused(single: Path, tmp_path: Path,
                                                                           with_toy_study: None) -> None:
    runs = [_with_pooled_row(make_run(single, tmp_path / "toy0", [0], ["toy"]), 1),
            make_run(single, tmp_path / "toy12", [1, 2], ["toy"])]
    with pytest.raises(CombineError, match=r"the rows of toy_pooled pool the seeds \[0\] of the study 'toy', but the "
                                           r"combined report has its seeds \[0, 1, 2\].*SEEDS=0,1,2"):
        combine_runs(runs, tmp_path / "out")


def _toy_pool_again(report_dir: Path, settings: dict) -> list:
    """The toy study's pooled row over every seed, from each seed's figure data (its 'verdicts')."""
    for seed in settings["seeds"]:
        if not (report_dir / "figure_data" / "verdicts" / "toy" / f"toy_seed{seed}.npz").exists():
            raise FileNotFoundError(f"no verdict file of seed {seed}")
    return [metric_row("toy_pooled", "toy", "seeds", len(settings["seeds"]), source="mnist")]


@pytest.fixture
def with_pooling_toy_study(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The toy study, able to pool its rows again from figure data, as the benchmark does."""
    discover = crossmodal.studies._discover
    pooling = dataclasses.replace(TOY, pool_again=_toy_pool_again)
    monkeypatch.setattr(crossmodal.studies, "_discover", lambda: {**discover(), "toy": pooling})
    crossmodal.studies.registry.cache_clear()
    yield
    crossmodal.studies.registry.cache_clear()


def _with_verdicts(run: Path, seeds: list[int]) -> Path:
    for seed in seeds:
        (run / "figure_data" / "verdicts" / "toy").mkdir(parents=True, exist_ok=True)
        np.savez(run / "figure_data" / "verdicts" / "toy" / f"toy_seed{seed}.npz", verdicts=np.ones(3, dtype=bool))
    return run


def test_rows_pooled_over_some_seeds_are_pooled_again_from_the_runs_figure_data(
        single: Path, tmp_path: Path, with_pooling_toy_study: None) -> None:
    runs = [_with_verdicts(_with_pooled_row(make_run(single, tmp_path / "toy0", [0], ["toy"]), 1), [0]),
            _with_verdicts(_with_pooled_row(make_run(single, tmp_path / "toy12", [1, 2], ["toy"]), 2), [1, 2])]
    combine_runs(runs, tmp_path / "out")
    pooled = [r for r in read_metrics(tmp_path / "out" / "metrics.csv") if r.experiment == "toy_pooled"]
    assert [(r.seed, r.value) for r in pooled] == [("", 3.0)]  # the runs' rows (1 and 2 seeds) replaced
    # Every seed's figure data is kept, so the combined record combines again.
    kept = sorted(p.name for p in (tmp_path / "out" / "figure_data" / "verdicts" / "toy").iterdir())
    assert kept == ["toy_seed0.npz", "toy_seed1.npz", "toy_seed2.npz"]


def test_rows_that_cannot_be_pooled_again_without_a_seed_s_figure_data_are_refused(
        single: Path, tmp_path: Path, with_pooling_toy_study: None) -> None:
    runs = [_with_verdicts(_with_pooled_row(make_run(single, tmp_path / "toy0", [0], ["toy"]), 1), [0]),
            _with_pooled_row(make_run(single, tmp_path / "toy12", [1, 2], ["toy"]), 2)]
    with pytest.raises(CombineError, match=r"the study 'toy' pools its rows over the seeds \[0, 1, 2\] again from the "
                                           r"runs' figure data, and cannot: no verdict file of seed 1"):
        combine_runs(runs, tmp_path / "out")


def test_rows_of_a_study_the_run_does_not_name_are_refused(single: Path, tmp_path: Path, with_toy_study: None) -> None:
    run = make_run(single, tmp_path / "a", [0], ["avae"])
    write_metrics(run / "metrics.csv", read_metrics(run / "metrics.csv") + _toy_rows([0]))
    with pytest.raises(CombineError, match=r"rows of experiments \['toy_experiment'\], which no study of its run \(avae\) owns"):
        combine_runs([run], tmp_path / "out")


def test_runs_of_different_studies_and_other_code_or_config_are_refused(single: Path, tmp_path: Path,
                                                                         with_toy_study: None) -> None:
    runs = [make_run(single, tmp_path / "a", [0], ["avae"]), make_run(single, tmp_path / "b", [0], ["toy"])]
    _edit_record(runs[1], lambda r: r["settings"]["code"].update(report="edited"))
    with pytest.raises(CombineError, match=r"trained by different code \(report\)"):
        combine_runs(runs, tmp_path / "out")
    _edit_record(runs[1], lambda r: (r["settings"]["code"].update(report="0" * 12), r["provenance"].update(config_sha256="f" * 64)))
    with pytest.raises(CombineError, match="ran different versions of"):
        combine_runs(runs, tmp_path / "out")


def test_two_studies_claiming_one_experiment_are_refused() -> None:
    clash = Study(name="clash", title="", paper_file="", experiments=("table1",), table_captions={},
                  build_tables=_toy_tables, render_page=_toy_page)
    with pytest.raises(crossmodal.studies.StudyError, match="studies 'avae' and 'clash' both claim the experiment 'table1'"):
        crossmodal.studies.check_disjoint([crossmodal.studies.registry()["avae"], clash])


def test_a_record_whose_config_the_checkout_has_since_edited_still_draws_and_says_so(single: Path, tmp_path: Path) -> None:
    run = make_run(single, tmp_path / "all", [0, 1, 2])
    config_file = Path(json.loads((run / "run.json").read_text())["provenance"]["config_file"])
    original = config_file.read_text()
    try:
        config_file.write_text(original + "# a comment added since\n")
        combine_runs([run], tmp_path / "again")
    finally:
        config_file.write_text(original)
    assert "this checkout&#39;s copy differs from the one the runs ran" in (tmp_path / "again" / "avae.html").read_text()
