"""Which files the benchmark asks for, and each of its jobs' spec.

The benchmark ranks every cross-modal method the package can train on AVAE's Table 1 scenarios
(``config scenarios``, or those of ``benchmark.scenarios``), with each dataset's networks, the same
evaluator classifiers, test sets, early stopping, seeds and paired data, and draws accuracy against
the paired fraction on one scenario (AVAE's Figure 5 one by default).

A cell (method, scenario, paired fraction) reuses the file another study makes when that study
asks for it in this config: AVAE's Table 1 and Figure 5 cells, the alignment study's cells. Every
other cell is the benchmark's own (experiment ``benchmark``), trained by the one pairwise job. So
the AVAE study's models are the benchmark's, and registering one more pairwise method schedules
exactly its jobs. Torch-free: the Snakefile imports it at parse time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crossmodal.config import find_scenario
from crossmodal.methods import METHODS, PAIRWISE
from crossmodal.studies.alignment.plan import DISTANCES as ALIGNMENT_DISTANCES
from crossmodal.studies.avae import plan as avae
from crossmodal.workflow import Workflow, canonical, job_spec

SECTION = "benchmark"
# AVAE's models and the alignment's are made by their studies' rules.
USES_RULES_OF = ("avae", "alignment")
EXPERIMENT = "benchmark"  # the benchmark's own cells: accuracy and cost rows
INTERVALS = "benchmark_intervals"  # the paired bootstrap's intervals, per scenario and paired fraction
ALIGNMENT_METHODS = tuple(ALIGNMENT_DISTANCES)
# What the benchmark's own evaluation rule evaluates: AVAE (at fractions AVAE's Figure 5 lacks) and
# every pairwise method.
EVALUATED_PATTERN = "|".join(sorted(["avae", *PAIRWISE], key=len, reverse=True))
# Where each experiment of an accuracy cell keeps the method's cost rows (trainable parameters, seconds).
COST_EXPERIMENT = {"table1": "methods", "figure5": "methods", "alignment": "alignment", EXPERIMENT: EXPERIMENT}


class BenchmarkSettingError(ValueError):
    """A setting of the config's ``benchmark`` section the benchmark cannot run."""


@dataclass(frozen=True)
class BenchmarkCell:
    """One method on one scenario at one paired fraction, and the experiment whose file holds it."""

    method: str
    source: str
    target: str
    fraction: float
    experiment: str


def joinable_methods() -> list[str]:
    """Every registered method the benchmark can train: AVAE, then in the registry's order each
    pairwise method (trained by the one pairwise job) and the alignment methods."""
    return ["avae", *(name for name in METHODS if name in PAIRWISE or name in ALIGNMENT_METHODS)]


def settings(wf: Workflow) -> Mapping[str, Any]:
    return wf.config[SECTION]


def scenarios(wf: Workflow) -> list[Mapping[str, Any]]:
    """The ranked scenarios: the section's, each a configured scenario, else every configured one."""
    chosen = settings(wf)["scenarios"]
    found = []
    for pick in chosen:
        scenario = find_scenario(wf.config, pick["source"], pick["target"])
        if scenario is None:
            configured = ", ".join(f"{s['source']} -> {s['target']}" for s in wf.config["scenarios"])
            raise BenchmarkSettingError(f"setting benchmark.scenarios: {pick['source']} -> {pick['target']} is not a "
                                        f"scenario of config {wf.config['name']!r} (its scenarios: {configured})")
        found.append(scenario)
    return found or list(wf.config["scenarios"])


def methods(wf: Workflow) -> list[str]:
    """The configured methods (all that can join, when the list is empty), each checked."""
    names = list(settings(wf)["methods"]) or joinable_methods()
    joinable = joinable_methods()
    for name in names:
        if name not in METHODS:
            raise BenchmarkSettingError(f"setting benchmark.methods: {name!r} is not a registered method "
                                        f"(the benchmark can run {joinable})")
        if name not in joinable:
            first = scenarios(wf)[0]
            raise BenchmarkSettingError(
                f"setting benchmark.methods: {name!r} cannot generate the target modality of scenario "
                f"{first['source']} -> {first['target']} from its source as the benchmark trains methods: it "
                f"runs AVAE, the alignment and every pairwise method (registry `pairwise`), and {name} is "
                f"trained only by its own study's recipe; the benchmark can run {joinable}")
    return names


def fraction_scenario(wf: Workflow) -> dict[str, str] | None:
    """The scenario of the fraction curves: the section's, else AVAE's Figure 5's; None without either."""
    chosen = settings(wf)["fraction_scenario"] or wf.config["experiments"].get("figure5")
    if chosen is None:
        return None
    if find_scenario(wf.config, chosen["source"], chosen["target"]) is None:
        raise BenchmarkSettingError(f"setting benchmark.fraction_scenario: {chosen['source']} -> {chosen['target']} "
                                    f"is not a scenario of config {wf.config['name']!r}")
    return {"source": chosen["source"], "target": chosen["target"]}


def paired_fractions(wf: Workflow) -> list[float]:
    """The fraction curves' paired fractions, each in (0, 1]: the section's, else AVAE's Figure 5's."""
    configured = settings(wf)["paired_fractions"]
    figure5 = wf.config["experiments"].get("figure5") or {}
    fractions = configured if configured is not None else figure5.get("paired_fractions", [])
    for fraction in fractions:
        if not 0 < float(fraction) <= 1:
            raise BenchmarkSettingError(f"setting benchmark.paired_fractions: {fraction} is outside (0, 1] (a "
                                        f"fraction of the scenario's training pairs)")
    return [float(f) for f in fractions] if fraction_scenario(wf) is not None else []


def cell_experiment(wf: Workflow, method: str, source: str, target: str, fraction: float) -> str | None:
    """The experiment whose file holds the cell: AVAE's when the AVAE study makes it in this config,
    the alignment study's at full pairing, else the benchmark's own; None for a cell no rule makes
    (the alignment below full pairing: its VAE1 is VAE-CG at full pairing)."""
    full = float(fraction) == 1.0
    if method in ALIGNMENT_METHODS:
        return "alignment" if full else None
    scenario = find_scenario(wf.config, source, target)
    in_table1 = method == "avae" or method in avae.scenario_baselines(wf, scenario)
    if in_table1 and full:
        return "table1"
    figure5 = wf.config["experiments"].get("figure5")
    in_figure5 = (figure5 is not None and (figure5["source"], figure5["target"]) == (source, target)
                  and (method == "avae" or method in wf.config["baselines"])
                  and any(float(f) == float(fraction) for f in figure5["paired_fractions"]))
    return "figure5" if in_figure5 else EXPERIMENT


def cells(wf: Workflow) -> list[BenchmarkCell]:
    """Every method on every scenario at full pairing, then on the fraction scenario at each fraction."""
    points = [(s["source"], s["target"], 1.0) for s in scenarios(wf)]
    curve = fraction_scenario(wf)
    if curve is not None:
        points += [(curve["source"], curve["target"], f) for f in paired_fractions(wf) if f != 1.0]
    found = []
    for source, target, fraction in points:
        for method in methods(wf):
            experiment = cell_experiment(wf, method, source, target, fraction)
            if experiment is not None:
                found.append(BenchmarkCell(method, source, target, fraction, experiment))
    return found


# --- the files a config asks for -----------------------------------------------------------------


def _fields(wf: Workflow, method: str, source: str, target: str, fraction: Any, seed: Any) -> dict[str, Any]:
    return {"method": method, "source": source, "target": target, "sdim": wf.latent_dim, "tdim": wf.latent_dim,
            "fraction": fraction, "seed": seed}


def cell_file(wf: Workflow, kind: str, cell: BenchmarkCell, seed: int) -> str:
    """The cell's ``association_metrics`` or ``prediction_data`` file of one seed."""
    return wf.paths.path(kind, experiment=cell.experiment,
                         **_fields(wf, cell.method, cell.source, cell.target, cell.fraction, seed))


def points(wf: Workflow) -> list[tuple[str, str, float]]:
    """(source, target, fraction) of every group of cells that the bootstrap compares."""
    return list(dict.fromkeys((c.source, c.target, c.fraction) for c in cells(wf)))


def intervals_file(wf: Workflow, source: str, target: str, fraction: Any) -> str:
    return wf.paths.path("benchmark_intervals", source=source, target=target, fraction=fraction)


def metric_fragments(wf: Workflow) -> list[str]:
    accuracy = [cell_file(wf, "association_metrics", cell, seed) for cell in cells(wf) for seed in wf.seeds]
    return accuracy + [intervals_file(wf, *point) for point in points(wf)]


def report_figures(wf: Workflow) -> list[str]:
    return [wf.paths.path("benchmark_figure", figure=figure) for figure in figures(wf)]


def figures(wf: Workflow) -> list[str]:
    """The critical-difference diagram, the cost Pareto plot and, with a fraction scenario, the curves."""
    return ["critical_difference", "pareto", *(["fractions"] if paired_fractions(wf) else [])]


def report_settings(wf: Workflow) -> dict[str, Any]:
    return {SECTION: {
        "scenarios": [dict(s) for s in scenarios(wf)],
        "methods": methods(wf),
        "cells": [{"method": c.method, "source": c.source, "target": c.target, "fraction": c.fraction,
                   "experiment": c.experiment} for c in cells(wf)],
        "fraction_scenario": fraction_scenario(wf), "paired_fractions": paired_fractions(wf),
        "bootstrap": dict(settings(wf)["bootstrap"]), "alpha": settings(wf)["alpha"],
    }}


# --- the jobs' specs -----------------------------------------------------------------------------


def evaluation_inputs(wf: Workflow, w: Any) -> dict[str, str]:
    """A benchmark cell's model (a pairwise method's at the cell's fraction: at full pairing its
    pair's model where the config shares one, ``one_model_per_pair``; or AVAE's VAEs and
    associator), the source data and the target's evaluator."""
    p = wf.paths
    inputs = {"source_data": p.path("prepared", dataset=w.source),
              "target_classifier": p.path("classifier", dataset=w.target, seed=w.seed)}
    if w.method in PAIRWISE:
        experiment = "table1" if float(w.fraction) == 1.0 else "figure5"
        inputs["model"] = avae.baseline_model(wf, w.method, w.source, w.target, w.sdim, w.seed, experiment, w.fraction)
        return inputs
    inputs["source_vae"] = p.path("vae", dataset=w.source, dim=w.sdim, seed=w.seed)
    inputs["associator"] = p.path("associator", source=w.source, target=w.target, sdim=w.sdim, tdim=w.tdim,
                                  fraction=w.fraction, seed=w.seed)
    inputs["target_vae"] = p.path("vae", dataset=w.target, dim=w.tdim, seed=w.seed)
    return inputs


def evaluation_job(method: str) -> str:
    """A pairwise method's evaluation runs on one thread, as AVAE's baselines' do."""
    return "--threads 1 evaluate-baseline" if method in PAIRWISE else "evaluate-association"


def evaluate(wf: Workflow, w: Any) -> str:
    """A benchmark cell of its own: accuracy, cost rows (experiment ``benchmark``) and each sample's verdict."""
    fields = _fields(wf, w.method, w.source, w.target, w.fraction, w.seed)
    inputs = evaluation_inputs(wf, w)
    common = {"source": w.source, "target": w.target, "class_map": wf.class_map(w.source, w.target),
              "paired_fraction": w.fraction, "seed": w.seed, "experiment": EXPERIMENT, "method_summary": True,
              "summary_experiment": EXPERIMENT,
              "out": wf.paths.path("association_metrics", experiment=EXPERIMENT, **fields),
              "predictions_out": wf.paths.path("prediction_data", experiment=EXPERIMENT, **fields), **inputs}
    if w.method in PAIRWISE:
        return job_spec("evaluate-baseline", **common)
    return job_spec("evaluate-association", method=w.method, **common)


def intervals_inputs(wf: Workflow, w: Any) -> dict[str, list[str]]:
    """Per method, the verdict files of the point's cells, one per seed in the run's order."""
    return {cell.method: [cell_file(wf, "prediction_data", cell, seed) for seed in wf.seeds]
            for cell in cells(wf)
            if (cell.source, cell.target, cell.fraction) == (w.source, w.target, float(w.fraction))}


def intervals(wf: Workflow, w: Any) -> str:
    bootstrap = settings(wf)["bootstrap"]
    return job_spec("benchmark-intervals", source=w.source, target=w.target, paired_fraction=float(w.fraction),
                    seeds=list(wf.seeds), predictions=intervals_inputs(wf, w), replicates=bootstrap["replicates"],
                    level=bootstrap["level"], resample_seed=bootstrap["seed"],
                    out=intervals_file(wf, w.source, w.target, w.fraction))


def plot(wf: Workflow, figure: str) -> str:
    # What the tables read of the report settings: only these rerun the figures.
    plotted = {"scenarios": wf.config["scenarios"], "latent_dim": wf.latent_dim, **report_settings(wf)}
    return job_spec("benchmark-plot", figure=figure, metrics=wf.paths.path("metrics"), settings=canonical(plotted),
                    style=wf.style(),
                    **wf.paths.plotted("benchmark_figure", figure=figure))


# --- code versions -------------------------------------------------------------------------------


def evaluation_code(wf: Workflow, method: str) -> str:
    """A cell of its own is evaluated by the jobs AVAE's cells are: the same code version."""
    return avae.evaluation_code(wf, method)


def intervals_code() -> str:
    from crossmodal.code_versions import code_version_of

    return code_version_of("crossmodal.studies.benchmark.jobs")


def plot_code() -> str:
    from crossmodal.code_versions import code_version_of

    return code_version_of("crossmodal.studies.benchmark.figures")
