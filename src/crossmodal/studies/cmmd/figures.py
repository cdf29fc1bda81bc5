"""The CMMD study's figures, drawn from ``metrics.csv`` alone (computing them is the evaluation
jobs' work): the posterior-collapse curves of the paper's Figs. 2 and 4-5."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crossmodal.methods import method_title
from crossmodal.report.analysis import load_metrics
from crossmodal.report.figures import apply_style, save_figure
from crossmodal.studies.cmmd.names import EXPERIMENTS, untagged
from crossmodal.studies.cmmd.specs import PlotSpec

COLLAPSE_KINDS = {"prior": "prior p(z|x_o) vs N(0, I)", "posterior": "posterior q(z|x) vs N(0, I)",
                  "prior_vs_posterior": "posterior vs prior"}


def collapse_frame(metrics: pd.DataFrame) -> pd.DataFrame:
    """One line per model and kind and epsilon: the mean over seeds of the % collapsed."""
    rows = metrics[metrics["experiment"] == EXPERIMENTS["collapse"]]
    records = []
    for _, row in rows.iterrows():
        name, tags = untagged(row["metric"])
        label = method_title(row["method"]) + (f" ω={tags['omega']:g}" if "omega" in tags else "")
        records.append({"model": label, "kind": name.removeprefix("collapsed_"), "eps": tags["eps"],
                        "value": float(row["value"])})
    frame = pd.DataFrame(records, columns=["model", "kind", "eps", "value"])
    return frame.groupby(["model", "kind", "eps"], as_index=False)["value"].mean()


def plot_collapse(metrics_path: Path, style: dict[str, Any], png: Path, pdf: Path) -> None:
    apply_style(style)
    frame = collapse_frame(load_metrics(metrics_path))
    fig, axes = plt.subplots(1, len(COLLAPSE_KINDS), figsize=(4 * len(COLLAPSE_KINDS), 3.2), sharey=True)
    # One colour and marker per model in every panel; curves that coincide stay distinguishable.
    models = sorted(frame["model"].unique())
    looks = {model: (color, marker) for model, color, marker in
             zip(models, sns.color_palette(n_colors=max(len(models), 1)), "osD^vP*X<>")}
    for ax, (kind, title) in zip(axes, COLLAPSE_KINDS.items()):
        for model, curve in frame[frame["kind"] == kind].groupby("model"):
            color, marker = looks[model]
            ax.plot(curve["eps"], curve["value"], color=color, marker=marker, label=model, alpha=0.85)
        ax.set_title(title)
        ax.set_xlabel("ε (nats)")
        ax.set_ylim(-5, 105)
    axes[0].set_ylabel("% of dimensions collapsed")
    if not frame.empty:
        axes[-1].legend(fontsize="small")
    else:
        axes[1].text(0.5, 0.5, "metrics.csv has no collapse rows", ha="center", transform=axes[1].transAxes)
    fig.tight_layout()
    save_figure(fig, png, pdf)


FIGURES = {"collapse": plot_collapse}


def plot(spec: PlotSpec) -> None:
    if spec.figure not in FIGURES:
        raise ValueError(f"PlotSpec.figure: unknown figure {spec.figure!r}; known: {', '.join(FIGURES)}")
    FIGURES[spec.figure](spec.metrics, spec.style, spec.png, spec.pdf)
