"""The benchmark's figures, drawn from ``metrics.csv`` alone (computing is the evaluation jobs'
work): the critical-difference diagram of the ranking, accuracy against cost with its Pareto
front, and accuracy against the paired fraction."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from crossmodal.methods import method_title
from crossmodal.report.analysis import dataset_title, load_metrics
from crossmodal.report.cd_diagram import draw_cd_diagram
from crossmodal.report.figures import apply_style, empty_figure, save_figure
from crossmodal.report.ranking import pareto_front
from crossmodal.studies.benchmark.specs import PlotSpec
from crossmodal.studies.benchmark.tables import build_tables, cost_points, ranking, titles

COST_AXES = {"trainable_parameters": "trainable parameters (mean over scenarios)",
             "train_seconds": "training seconds (mean over scenarios)"}


def _looks(methods: list[str]) -> dict[str, tuple[Any, str]]:
    """One colour and marker per method, the same in every figure."""
    palette = sns.color_palette(n_colors=max(len(methods), 1))
    return {m: (color, marker) for m, color, marker in zip(methods, palette, "osD^vP*X<>hH8p" * 2)}


def plot_critical_difference(settings: Mapping[str, Any], metrics_path: Path) -> plt.Figure:
    result = ranking(load_metrics(metrics_path), {**settings})
    if result.critical_difference is None:
        return empty_figure("the ranking needs two methods measured on at least two scenarios")
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.28 * len(result.mean_ranks)))
    draw_cd_diagram(result.mean_ranks, result.critical_difference, ax, titles(list(result.mean_ranks)))
    p = result.friedman.p_value
    ax.set_title(f"Mean rank over {result.friedman.blocks} scenarios (Friedman p = {p:.2g}; "
                 f"Nemenyi, alpha = {result.alpha:g})", fontsize=9)
    return fig


def plot_pareto(settings: Mapping[str, Any], metrics_path: Path) -> plt.Figure:
    tables = build_tables(load_metrics(metrics_path), settings)
    looks = _looks(list(settings["benchmark"]["methods"]))
    fig, axes = plt.subplots(1, len(COST_AXES), figsize=(5 * len(COST_AXES), 3.6), sharey=True)
    for ax, (metric, label) in zip(axes, COST_AXES.items()):
        points = cost_points(tables, metric)
        front = pareto_front(points) if points else []
        for method, (cost, accuracy) in points.items():
            color, marker = looks[method]
            ax.scatter(cost, accuracy, color=color, marker=marker, s=40, label=method_title(method),
                       edgecolor="black" if method in front else "none", zorder=3)
        staircase = sorted(points[m] for m in front)
        if len(staircase) > 1:
            ax.step([c for c, _ in staircase], [a for _, a in staircase], where="post", color="gray", lw=1,
                    ls="--", zorder=2, label="Pareto front")
        ax.set_xscale("log")
        ax.set_xlabel(label)
    axes[0].set_ylabel("accuracy (%), mean over scenarios")
    axes[-1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def plot_fractions(settings: Mapping[str, Any], metrics_path: Path) -> plt.Figure:
    table = build_tables(load_metrics(metrics_path), settings)["benchfrac"]
    scenario = settings["benchmark"]["fraction_scenario"]
    if scenario is None or not table.rows:
        return empty_figure("no fraction scenario in this run")
    looks = _looks(list(settings["benchmark"]["methods"]))
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for row in table.rows:
        measured = [(c["fraction"], cell) for c, cell in zip(table.columns, row["cells"]) if cell is not None]
        color, marker = looks[row["method"]]
        ax.errorbar([100 * f for f, _ in measured], [cell.mean for _, cell in measured],
                    yerr=[cell.std for _, cell in measured], color=color, marker=marker, capsize=2,
                    label=row["title"], alpha=0.9)
    ax.set_xscale("log")
    # Ticks at the measured fractions only: log-scale minor labels would crowd a short axis.
    percents = [100 * c["fraction"] for c in table.columns]
    ax.set_xticks(percents, [f"{p:g}" for p in percents])
    ax.minorticks_off()
    ax.set_xlabel("paired training data (%)")
    ax.set_ylabel("accuracy (%), mean ± std over seeds")
    ax.set_title(f"{dataset_title(scenario['source'])} → {dataset_title(scenario['target'])}", fontsize=9)
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


FIGURES = {"critical_difference": plot_critical_difference, "pareto": plot_pareto, "fractions": plot_fractions}


def plot(spec: PlotSpec) -> None:
    if spec.figure not in FIGURES:
        raise ValueError(f"unknown benchmark figure {spec.figure!r}; known: {sorted(FIGURES)}")
    apply_style(spec.style)
    save_figure(FIGURES[spec.figure](spec.settings, spec.metrics), spec.png, spec.pdf)
