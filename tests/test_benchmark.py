"""The benchmark study: which methods and cells it runs and whose files they are, its errors, the
intervals job on constructed verdicts, the ranking and the generated advice on constructed metrics."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from crossmodal.config import REPO_ROOT, validate_config
from crossmodal.jobs.evaluation import load_predictions, save_predictions
from crossmodal.methods import PAIRWISE, Method, register, unregister
from crossmodal.metrics import read_metrics, write_metrics
from crossmodal.studies.benchmark import plan
from crossmodal.studies.benchmark.jobs import intervals, pool_again
from crossmodal.studies.benchmark.specs import IntervalsSpec
from crossmodal.studies.benchmark.summary import summary
from crossmodal.studies.benchmark.tables import build_tables, ranking, scenario_columns
from crossmodal.workflow import Workflow

SMOKE = yaml.safe_load((REPO_ROOT / "config" / "smoke.yaml").read_text())


def workflow(seeds: tuple[int, ...] = (0,), **section: object) -> Workflow:
    config = copy.deepcopy(SMOKE)
    config["studies"], config["seeds"] = ["benchmark"], list(seeds)
    config["benchmark"] = dict(section)
    return Workflow(validate_config(config))


# --- which methods, and whose files ---------------------------------------------------------------


def test_every_method_the_package_can_train_joins_by_default() -> None:
    joinable = plan.joinable_methods()
    assert joinable[0] == "avae"
    assert {"vae", "vae_cg", "jmvae", "cva", "mvae", "mmvae", "mopoe", "m2vae", "jmvae_zero", "tvae", "vcca",
            "vcca_private", "cmmd", "alignment", "alignment_kl"} <= set(joinable)
    # Another method's objective (JMVAE-kl is `jmvae`'s), or not generators: never.
    assert not {"jmvae_kl", "m_minus", "classifier"} & set(joinable)
    # The Bridged study's methods in stages too; its duplicates and its parts of methods never.
    assert {"bridged", "telbo", "bivcca"} <= set(joinable)
    assert not {"bridged_jmvae", "bridged_mvae", "bridged_vae", "bridged_joint"} & set(joinable)
    assert plan.methods(workflow()) == joinable


def test_a_cell_reuses_the_file_of_the_study_that_makes_it() -> None:
    wf = workflow()
    # fsdd -> mnist runs every baseline in AVAE's Table 1 and is AVAE's Figure 5 scenario (1.0, 0.5).
    assert plan.cell_experiment(wf, "avae", "fsdd", "mnist", 1.0) == "table1"
    assert plan.cell_experiment(wf, "cva", "fsdd", "mnist", 1.0) == "table1"
    assert plan.cell_experiment(wf, "cva", "fsdd", "mnist", 0.5) == "figure5"
    assert plan.cell_experiment(wf, "alignment", "fsdd", "mnist", 1.0) == "alignment"
    # mnist -> fsdd runs no baseline in AVAE's Table 1: the benchmark evaluates them itself.
    assert plan.cell_experiment(wf, "cva", "mnist", "fsdd", 1.0) == "benchmark"
    assert plan.cell_experiment(wf, "avae", "mnist", "fsdd", 1.0) == "table1"
    # A method AVAE does not run, and a fraction AVAE's Figure 5 lacks: the benchmark's own.
    assert plan.cell_experiment(wf, "mmvae", "fsdd", "mnist", 1.0) == "benchmark"
    assert plan.cell_experiment(workflow(paired_fractions=[1.0, 0.2]), "avae", "fsdd", "mnist", 0.2) == "benchmark"
    # The alignment's VAE1 is VAE-CG at full pairing: no cell below it.
    assert plan.cell_experiment(wf, "alignment", "fsdd", "mnist", 0.5) is None


def test_a_method_sharing_one_model_per_pair_reads_it_in_both_directions_at_full_pairing() -> None:
    config = copy.deepcopy(SMOKE)
    config["studies"], config["seeds"], config["one_model_per_pair"] = ["benchmark"], [0], ["mmvae"]
    wf = Workflow(validate_config(config))

    def model(method: str, source: str, target: str, fraction: str) -> str:
        w = SimpleNamespace(method=method, source=source, target=target, sdim="64", fraction=fraction, seed="0")
        return plan.evaluation_inputs(wf, w)["model"]

    # The pair's model is named after its first configured scenario (mnist -> fsdd) and serves both.
    pair = wf.paths.path("pair_baseline", method="mmvae", source="mnist", target="fsdd", dim="64", fraction=1.0, seed="0")
    assert model("mmvae", "mnist", "fsdd", "1.0") == model("mmvae", "fsdd", "mnist", "1.0") == pair
    # Below full pairing, and for a method that does not share, one model per direction as before.
    assert model("mmvae", "fsdd", "mnist", "0.5") == wf.paths.path(
        "baseline", method="mmvae", source="fsdd", target="mnist", dim="64", fraction="0.5", seed="0")
    assert model("mopoe", "fsdd", "mnist", "1.0") == wf.paths.path(
        "baseline", method="mopoe", source="fsdd", target="mnist", dim="64", fraction="1.0", seed="0")


def test_the_cells_cover_every_scenario_and_the_fraction_curve() -> None:
    wf = workflow(methods=["avae", "mmvae"])
    cells = plan.cells(wf)
    full = {(c.method, c.source, c.target) for c in cells if c.fraction == 1.0}
    assert full == {(m, s["source"], s["target"]) for m in ("avae", "mmvae") for s in SMOKE["scenarios"]}
    assert {(c.method, c.fraction, c.experiment) for c in cells if c.fraction != 1.0} == {
        ("avae", 0.5, "figure5"), ("mmvae", 0.5, "benchmark")}
    fragments = plan.metric_fragments(wf)
    assert len(fragments) == len(cells) * len(wf.seeds) + len(plan.points(wf))
    assert any("metrics/benchmark_intervals/fsdd-mnist_p0.5" in f for f in fragments)


def test_the_benchmark_may_rank_some_of_the_scenarios() -> None:
    wf = workflow(methods=["avae", "mmvae"], scenarios=[{"source": "fsdd", "target": "mnist"}])
    assert {(c.source, c.target) for c in plan.cells(wf)} == {("fsdd", "mnist")}
    # The page's columns are the ranked scenarios, labelled as AVAE's (FSDD stands in for GSC).
    settings = {**wf.config, **plan.report_settings(wf)}
    assert [c["title"] for c in scenario_columns(settings)] == ["FSDD → MNIST †"]


def test_a_ranked_scenario_the_config_lacks_is_refused() -> None:
    with pytest.raises(plan.BenchmarkSettingError, match=r"benchmark.scenarios: mnist -> gtsrb is not a scenario of "
                                                         r"config 'smoke' \(its scenarios: mnist -> fsdd, "):
        plan.cells(workflow(scenarios=[{"source": "mnist", "target": "gtsrb"}]))


def test_the_intervals_job_reads_one_verdict_file_per_method_and_seed() -> None:
    wf = workflow(methods=["avae", "mmvae"])
    w = SimpleNamespace(source="fsdd", target="mnist", fraction="0.5")
    found = plan.intervals_inputs(wf, w)
    assert set(found) == {"avae", "mmvae"}
    assert [len(paths) for paths in found.values()] == [len(wf.seeds)] * 2
    assert "reports/smoke/figure_data/verdicts/figure5/avae_fsdd-mnist" in found["avae"][0]
    assert "reports/smoke/figure_data/verdicts/benchmark/mmvae_fsdd-mnist" in found["mmvae"][0]


@pytest.fixture
def one_more_method() -> Iterator[Method]:
    entry = Method("averaged_experts", "Averaged experts", "averaged_experts",
                   "methods_example.averaged_experts:AveragedExperts",
                   "methods_example.averaged_experts:AveragedExpertsConfig", pairwise=True)
    register(entry)
    yield entry
    unregister(entry.name)


def test_registering_a_pairwise_method_adds_exactly_its_cells(one_more_method: Method) -> None:
    assert one_more_method.name in PAIRWISE
    after = set(plan.metric_fragments(workflow()))
    unregister(one_more_method.name)
    before = set(plan.metric_fragments(workflow()))
    register(one_more_method)
    added = after - before
    # Its cells on every scenario and fraction, and nothing else changes but nothing is lost.
    assert before <= after
    assert {Path(f).name.split("_")[0] for f in added if "metrics/benchmark/" in f} == {"averaged"}
    assert len([f for f in added if "/metrics/benchmark/" in f]) == len(SMOKE["scenarios"]) + 1  # one seed


# --- errors ---------------------------------------------------------------------------------------


def test_a_method_that_cannot_generate_the_target_is_refused_by_name() -> None:
    with pytest.raises(plan.BenchmarkSettingError, match=r"benchmark.methods: 'm_minus' cannot generate the target "
                                                         r"modality of scenario mnist -> fsdd"):
        plan.methods(workflow(methods=["avae", "m_minus"]))
    with pytest.raises(plan.BenchmarkSettingError, match="'imvae' is not a registered method"):
        plan.methods(workflow(methods=["imvae"]))


@pytest.mark.parametrize("fraction", [0.0, 1.5, -0.1])
def test_a_fraction_outside_zero_one_is_refused_naming_the_setting(fraction: float) -> None:
    with pytest.raises(plan.BenchmarkSettingError, match=rf"benchmark.paired_fractions: {fraction} is outside \(0, 1\]"):
        plan.paired_fractions(workflow(paired_fractions=[1.0, fraction]))


def test_a_fraction_scenario_the_config_lacks_is_refused() -> None:
    with pytest.raises(plan.BenchmarkSettingError, match="benchmark.fraction_scenario: mnist -> gtsrb is not a scenario"):
        plan.fraction_scenario(workflow(fraction_scenario={"source": "mnist", "target": "gtsrb"}))


# --- the verdict files and the intervals job -------------------------------------------------------


def test_verdicts_round_trip_through_their_packed_file(tmp_path: Path) -> None:
    flags = torch.tensor([True, False, True, True, False, False, True, True, True, False, True])  # 11: not a byte multiple
    save_predictions(tmp_path / "v.npz", flags)
    assert load_predictions(tmp_path / "v.npz").tolist() == flags.tolist()


def test_the_intervals_job_writes_each_method_s_interval_and_its_gap_to_the_best(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    truth = {"avae": 0.9, "mmvae": 0.6}
    paths = {}
    for method, p in truth.items():
        paths[method] = []
        for seed in (0, 1):
            path = tmp_path / f"{method}_{seed}.npz"
            save_predictions(path, torch.from_numpy(rng.random(2000) < p))
            paths[method].append(path)
    out = tmp_path / "intervals.csv"
    intervals(IntervalsSpec("fsdd", "mnist", 1.0, [0, 1], paths, 400, 0.95, 0, out))
    rows = {(r.method, r.metric): r for r in read_metrics(out)}
    accuracy = {m: 100 * np.mean([load_predictions(p).mean() for p in ps]) for m, ps in paths.items()}
    for method in truth:
        low, high = rows[(method, "accuracy_ci_low")].value, rows[(method, "accuracy_ci_high")].value
        assert low < accuracy[method] < high and high - low < 5  # 4,000 verdicts: about +-1.5 points
        assert rows[(method, "seeds")].value == 2
        assert rows[(method, "accuracy_ci_low")].experiment == "benchmark_intervals"
        assert rows[(method, "accuracy_ci_low")].seed == ""
    # The best (avae) has no gap to itself; mmvae's gap of about 30 points is well clear of zero.
    assert ("avae", "below_best_ci_low") not in rows
    assert 25 < rows[("mmvae", "below_best_ci_low")].value < accuracy["avae"] - accuracy["mmvae"]
    assert rows[("mmvae", "below_best_ci_high")].value < 35


def test_intervals_pooled_again_from_the_kept_verdicts_are_a_single_run_s(tmp_path: Path) -> None:
    """combine-runs of one-seed runs: the intervals over both seeds, from the verdicts each run
    kept with its report, are the rows the intervals job of a run of both seeds writes."""
    wf = workflow(seeds=(0, 1), methods=["avae", "mmvae"], scenarios=[{"source": "fsdd", "target": "mnist"}],
                  paired_fractions=[1.0], bootstrap={"replicates": 200})
    settings = {**wf.config, **plan.report_settings(wf)}
    rng = np.random.default_rng(0)
    report_dir = tmp_path / "reports" / "smoke"
    for cell in plan.cells(wf):
        for seed in wf.seeds:
            verdicts = torch.from_numpy(rng.random(300) < {"avae": 0.9, "mmvae": 0.6}[cell.method])
            save_predictions(tmp_path / plan.cell_file(wf, "prediction_data", cell, seed), verdicts)
    single = tmp_path / "single.csv"
    predictions = {m: [tmp_path / p for p in paths] for m, paths in plan.intervals_inputs(
        wf, SimpleNamespace(source="fsdd", target="mnist", fraction="1.0")).items()}
    intervals(IntervalsSpec("fsdd", "mnist", 1.0, [0, 1], predictions, 200, 0.95, 0, single))
    write_metrics(tmp_path / "pooled.csv", pool_again(report_dir, settings))
    assert read_metrics(tmp_path / "pooled.csv") == read_metrics(single)
    (tmp_path / plan.cell_file(wf, "prediction_data", plan.cells(wf)[0], 1)).unlink()
    with pytest.raises(FileNotFoundError, match=r"no verdict file .*verdicts/table1/avae_fsdd-mnist_z16-16_p1.0_seed1"):
        pool_again(report_dir, settings)


# --- tables, ranking and the advice ---------------------------------------------------------------


def constructed_metrics(wf: Workflow, accuracy: dict[str, list[float]]) -> pd.DataFrame:
    """Rows for each method's cells at full pairing (one accuracy per scenario, the same every seed),
    with cost rows, in the experiments the plan reads them from."""
    rows = []
    for cell in plan.cells(wf):
        if cell.fraction != 1.0:
            continue
        i = [(s["source"], s["target"]) for s in wf.config["scenarios"]].index((cell.source, cell.target))
        for seed in wf.seeds:
            where = {"method": cell.method, "source": cell.source, "target": cell.target, "paired_fraction": "1.0",
                     "latent_dim": str(wf.latent_dim), "seed": str(seed)}
            rows.append({**where, "experiment": cell.experiment, "metric": "accuracy",
                         "value": accuracy[cell.method][i] + seed})
            cost = {"table1": "methods", "figure5": "methods"}.get(cell.experiment, cell.experiment)
            rows.append({**where, "experiment": cost, "metric": "trainable_parameters",
                         "value": 1000.0 * (1 + len(cell.method))})
            rows.append({**where, "experiment": cost, "metric": "train_seconds", "value": 10.0 * len(cell.method)})
    return pd.DataFrame(rows)


def test_the_ranking_orders_methods_and_tests_them_over_scenarios() -> None:
    wf = workflow(seeds=(0, 1, 2), methods=["avae", "cva", "mmvae"])
    settings = {**wf.report_settings(), "latent_dim": wf.latent_dim}
    metrics = constructed_metrics(wf, {"avae": [90, 80, 70, 60], "cva": [85, 85, 65, 50], "mmvae": [50, 40, 30, 20]})
    tables = build_tables(metrics, settings)
    assert [row["method"] for row in tables["benchrank"].rows] == ["avae", "cva", "mmvae"]
    first, values = tables["benchrank"].rows[0]["cells"][0], [90 + seed for seed in wf.seeds]  # 90 + seed by seed
    assert (first.mean, first.std, first.n) == (pytest.approx(np.mean(values)), pytest.approx(np.std(values, ddof=1)),
                                                len(values))
    result = ranking(metrics, settings, tables)
    # Ranks per scenario: avae 1,2,1,1; cva 2,1,2,2; mmvae 3,3,3,3 (hand count).
    assert result.mean_ranks == {"avae": 1.25, "cva": 1.75, "mmvae": 3.0}
    assert result.friedman.blocks == 4 and result.friedman.methods == 3
    assert [row.method for row in result.scenarios[1]["rows"]] == ["cva", "avae", "mmvae"]
    advice = summary(result, tables, settings["benchmark"])
    assert advice[0].startswith("With every pair, over 4 scenarios, AVAE (ours) has the best mean rank (1.25 of 3).")
    # The cheapest by parameters is the shortest name (1000 x (1 + len)): cva, also on the front.
    assert any(s.startswith("By trainable parameters, the Pareto front") and "cheapest on it is CVA" in s for s in advice)
