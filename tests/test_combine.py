"""Combining runs that hold different seeds of one config into one report (crossmodal.report.combine):
the combined folder is what a single run of all the seeds gives, and runs that differ in anything
but their seeds are refused."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from crossmodal.io import atomic_write_json
from crossmodal.metrics import read_metrics, write_metrics
from crossmodal.report.analysis import write_tables
from crossmodal.report.combine import CombineError, combine_runs
from crossmodal.report.figure_data import RUN_MODELS, atomic_write_json_gz, read_json
from crossmodal.report.html import provenance
from crossmodal.report.paper import load_paper_values
from report_fixtures import SETTINGS, PageNumbers, build_report, check_numbers_both_ways


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic report of one run of all three seeds, with its tables."""
    reports = build_report(tmp_path_factory.mktemp("single"))
    write_tables(reports / "metrics.csv", load_paper_values(), SETTINGS, reports / "tables")
    return reports


def make_run(single: Path, dest: Path, seeds: list[int]) -> Path:
    """A run of ``seeds`` only, cut from the single run: its rows, its run records, its run.json."""
    shutil.copytree(single / "figure_data", dest / "figure_data")
    write_metrics(dest / "metrics.csv", [r for r in read_metrics(single / "metrics.csv") if int(r.seed) in seeds])
    if 0 not in seeds:  # the single run's model summaries and benchmark are seed 0's
        atomic_write_json_gz(dest / "figure_data" / "run" / RUN_MODELS, [])
        (dest / "figure_data" / "run" / "benchmarks.csv").write_text("rule,job,s,max_rss,cpu_time\n")
    settings = copy.deepcopy(SETTINGS)
    settings["seeds"] = seeds
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
    html = (combined / "report.html").read_text()
    page = PageNumbers()
    page.feed(html)
    check_numbers_both_ways(combined, page)
    assert all(src.startswith("data:image/png;base64,") for src in page.images) and len(page.images) >= 4
    provenance_section = html.split('<section id="provenance">')[1].split("</section>")[0]
    assert "<dt>combined from</dt>" in provenance_section
    assert '<tr><td class="label">0</td>' in provenance_section
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
    with pytest.raises(CombineError, match=r"seed 1 is in both .*a and .*b"):
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


def test_one_run_is_drawn_again_from_its_record_alone(single: Path, tmp_path: Path) -> None:
    run = make_run(single, tmp_path / "all", [0, 1, 2])
    combine_runs([run], tmp_path / "again")
    assert sorted(read_metrics(tmp_path / "again" / "metrics.csv"), key=lambda r: r.key()) == \
        sorted(read_metrics(single / "metrics.csv"), key=lambda r: r.key())
    for table in sorted((single / "tables").iterdir()):
        assert (tmp_path / "again" / "tables" / table.name).read_text() == table.read_text(), table.name
    assert (tmp_path / "again" / "report.html").stat().st_size > 0


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
