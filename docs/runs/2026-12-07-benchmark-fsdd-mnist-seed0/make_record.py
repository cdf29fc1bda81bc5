"""The record of one benchmark scenario (FSDD -> MNIST, full pairing, seed 0): every method's cell
and the scenario's paired bootstrap intervals, gathered from a run's results into metrics.csv, the
run's job times and machine probe into figure_data/run/ (benchmarks.csv, machine.json), and the
ranked table and per-method cost printed as Markdown. Its run.json names the config, seeds, studies
and commit, so that the ETA's history (crossmodal.job_history) reads the job times as those of an
``offline`` run; it says the run was partial, so that combine-runs refuses it.

The run (``snakemake results/offline/metrics/benchmark_intervals/fsdd-mnist_p1.0.csv --config
'seeds=[0]' 'studies=[avae,alignment,benchmark]'``, config ``offline``) asks for exactly the files
this scenario's intervals need. The tables come from the benchmark's own code
(``crossmodal.studies.benchmark.tables``) on a workflow whose benchmark ranks that one scenario.

    python docs/runs/2026-12-07-benchmark-fsdd-mnist-seed0/make_record.py RESULTS_DIR --commit SHA   # e.g. results/offline

Another scenario's record, into its own folder (the later scenario records are made so):

    python docs/runs/2026-12-07-benchmark-fsdd-mnist-seed0/make_record.py RESULTS_DIR --commit SHA --scenario fsdd fashion_mnist --out DIR --since UNIX_TIME
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pandas as pd
import yaml

from crossmodal.config import REPO_ROOT, validate_config
from crossmodal.metrics import read_metrics, write_metrics
from crossmodal.studies.benchmark import plan
from crossmodal.studies.benchmark.tables import build_tables, ranking
from crossmodal.workflow import Workflow

HERE = Path(__file__).resolve().parent


def workflow(scenario: dict[str, str]) -> Workflow:
    config = yaml.safe_load((REPO_ROOT / "config" / "offline.yaml").read_text())
    config.update(seeds=[0], studies=["avae", "alignment", "benchmark"])
    config["benchmark"] = {"scenarios": [scenario], "paired_fractions": [1.0]}
    return Workflow(validate_config(config))


def gather(results: Path, wf: Workflow, scenario: dict[str, str]) -> list:
    """The cells' rows and the intervals' rows, from the run's results folder."""
    files = [plan.cell_file(wf, "association_metrics", cell, 0) for cell in plan.cells(wf)]
    files.append(plan.intervals_file(wf, scenario["source"], scenario["target"], 1.0))
    prefix = f"results/{wf.config['name']}/"
    return [row for f in files for row in read_metrics(results / f.removeprefix(prefix))]


def job_times(results: Path, since: float = 0.0) -> list[dict[str, str]]:
    """Every job's wall and CPU seconds (Snakemake's benchmark files), by group and job; with
    ``since`` (a Unix time), only the jobs whose benchmark was written after it: one run's."""
    rows = []
    for tsv in sorted((results / "benchmarks").rglob("*.tsv")):
        if tsv.stat().st_mtime < since:
            continue
        with open(tsv, newline="") as fh:
            measured = list(csv.DictReader(fh, delimiter="\t"))[-1]
        job = str(tsv.relative_to(results / "benchmarks").with_suffix(""))
        rows.append({"rule": job.split("/")[0], "job": job, "s": measured["s"], "cpu_time": measured["cpu_time"]})
    return rows


def machine_record(results: Path) -> dict[str, object]:
    """The run's machine probe (its fp32 matmul rate, as the run's code wrote it), with the
    precision every model of the run trained in, read from the models' summaries: where that is
    fp32, the fp32 rate is the training rate the ETA scales by (crossmodal.job_history.machine_scale)."""
    machine = json.loads((results / "benchmarks" / "machine.json").read_text())
    precisions = {json.loads(p.read_text()).get("precision") for p in (results / "models").rglob("*.json")} - {None}
    if precisions == {"fp32"}:
        machine.update(training_precision="fp32", training_gflops=machine["matmul_gflops"])
    return machine


def markdown(wf: Workflow, metrics: pd.DataFrame, times: list[dict[str, str]]) -> str:
    """The scenario's ranked table with each method's cost, then the run's CPU time by rule."""
    settings = {**wf.config, **plan.report_settings(wf), "latent_dim": wf.latent_dim}
    scenario = ranking(metrics, settings, build_tables(metrics, settings)).scenarios[0]
    lines = ["| rank | method | accuracy (%) | 95% interval | best minus this (95%) | trainable parameters | "
             "training seconds |", "|---|---|---|---|---|---|---|"]
    for row in scenario["rows"]:
        (low, high), below = row.interval, row.below_best
        gap = "(the best)" if below[0] is None else f"{below[0].mean:.2f} to {below[1].mean:.2f}"
        gap += ", tied" if row.tied_with_best and row.rank != 1 else ""
        lines.append(f"| {row.rank} | {row.title} | {row.accuracy.mean:.2f} | {low.mean:.2f} to {high.mean:.2f} | "
                     f"{gap} | {_cost(metrics, row.method, 'trainable_parameters'):,.0f} | "
                     f"{_cost(metrics, row.method, 'train_seconds'):,.0f} |")
    by_rule: dict[str, list[float]] = {}
    for t in times:
        by_rule.setdefault(t["rule"], []).append(float(t["cpu_time"]))
    lines += ["", "| job group | jobs | CPU seconds |", "|---|---|---|"]
    lines += [f"| {rule} | {len(cpu)} | {sum(cpu):,.0f} |" for rule, cpu in sorted(by_rule.items(), key=lambda i: -sum(i[1]))]
    lines.append(f"| all | {len(times)} | {sum(float(t['cpu_time']) for t in times):,.0f} |")
    return "\n".join(lines)


def _cost(metrics: pd.DataFrame, method: str, metric: str) -> float:
    rows = metrics[(metrics["method"] == method) & (metrics["metric"] == metric)]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def run_record(wf: Workflow, scenario: dict[str, str], commit: str) -> dict[str, object]:
    """What is known of the partial run: its config, seeds and studies, the commit it ran and the
    target it asked for; not a report's run.json (no resolved settings, no datasets)."""
    target = plan.intervals_file(wf, scenario["source"], scenario["target"], 1.0)
    return {"settings": {"name": wf.config["name"], "seeds": wf.config["seeds"], "studies": wf.config["studies"]},
            "provenance": {"commit": commit, "config_file": "config/offline.yaml",
                           "partial_run": f"snakemake {target}: only the files this scenario's intervals need"}}


def main(results: Path, scenario: dict[str, str], out: Path, commit: str, since: float = 0.0) -> None:
    wf = workflow(scenario)
    rows = gather(results, wf, scenario)
    write_metrics(out / "metrics.csv", rows)
    times = job_times(results, since)
    run_dir = out / "figure_data" / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "benchmarks.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["rule", "job", "s", "cpu_time"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(times)
    (run_dir / "machine.json").write_text(json.dumps(machine_record(results)) + "\n")
    (out / "run.json").write_text(json.dumps(run_record(wf, scenario, commit), indent=1) + "\n")
    metrics = pd.read_csv(out / "metrics.csv", dtype={"seed": str, "paired_fraction": str, "latent_dim": str})
    print(markdown(wf, metrics, times))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the run's results folder, e.g. results/offline")
    parser.add_argument("--scenario", nargs=2, metavar=("SOURCE", "TARGET"), default=["fsdd", "mnist"])
    parser.add_argument("--out", type=Path, default=HERE, help="the record's folder (default: this one)")
    parser.add_argument("--commit", required=True, help="the commit the run's jobs ran (git rev-parse HEAD there)")
    parser.add_argument("--since", type=float, default=0.0,
                        help="only the jobs whose benchmark was written after this Unix time (one run's jobs)")
    args = parser.parse_args()
    main(args.results, dict(zip(("source", "target"), args.scenario)), args.out, args.commit, args.since)
