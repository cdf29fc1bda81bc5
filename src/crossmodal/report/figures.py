"""Figures, drawn with seaborn/matplotlib in one style from figure data under reports/<config>/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from crossmodal.io import atomic_path  # noqa: E402
from crossmodal.methods import method_title  # noqa: E402
from crossmodal.report.analysis import dataset_title, load_metrics  # noqa: E402
from crossmodal.report.figure_data import read_json  # noqa: E402
from crossmodal.studies.avae.claims import CLAIM_AVAE_FRACTION, CLAIM_BASELINE_FRACTION  # noqa: E402
from crossmodal.studies.avae.tables import BASELINES, figure5_frame  # noqa: E402


def apply_style(style: dict[str, Any]) -> None:
    sns.set_theme(style=style.get("style", "whitegrid"), palette=style.get("palette", "colorblind"),
                  font_scale=style.get("font_scale", 1.0))
    plt.rcParams["savefig.dpi"] = style.get("dpi", 120)
    # Reproducible PDFs: no creation date in the file.
    plt.rcParams["pdf.compression"] = 6


def show_sample(ax: plt.Axes, sample: np.ndarray, modality: str) -> None:
    if modality == "audio":
        ax.imshow(sample[0], aspect="auto", origin="lower", cmap="magma")
    elif sample.shape[0] == 1:
        ax.imshow(np.clip(sample[0], 0, 1), cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(np.clip(sample.transpose(1, 2, 0), 0, 1))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def plot_sample_grid(data_path: Path, style: dict[str, Any], png: Path, pdf: Path) -> None:
    """Row 1: source inputs; row 2: generated targets, titled with the evaluator's prediction."""
    apply_style(style)
    d = np.load(data_path, allow_pickle=False)
    n = len(d["source"])
    fig, axes = plt.subplots(2, n, figsize=(1.3 * n, 3.0), squeeze=False)
    src_classes, tgt_classes = list(d["source_classes"]), list(d["target_classes"])
    for i in range(n):
        show_sample(axes[0, i], d["source"][i], str(d["source_modality"]))
        axes[0, i].set_title(f"in: {src_classes[int(d['source_label'][i])]}", fontsize=7)
        show_sample(axes[1, i], d["generated"][i], str(d["target_modality"]))
        ok = int(d["predicted"][i]) == int(d["expected"][i])
        axes[1, i].set_title(
            f"pred: {tgt_classes[int(d['predicted'][i])]}", fontsize=7, color="black" if ok else "crimson"
        )
    axes[0, 0].set_ylabel("source", fontsize=8)
    axes[1, 0].set_ylabel("generated", fontsize=8)
    fig.suptitle(str(d["title"]), fontsize=9)
    fig.tight_layout()
    save_figure(fig, png, pdf)


def save_figure(fig: plt.Figure, *outputs: Path) -> None:
    """Write ``fig`` to each path, in the format its suffix names, then close it."""
    for out in outputs:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=out.suffix[1:], metadata={"CreationDate": None} if out.suffix == ".pdf" else None)
    plt.close(fig)


def empty_figure(message: str) -> plt.Figure:
    """A figure that says why it is empty: the page then shows the reason, not a broken image."""
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="dimgray")
    return fig


def plot_figure5(metrics_path: Path, style: dict[str, Any], png: Path, pdf: Path) -> None:
    """Accuracy against the paired fraction, one curve per method, mean ± std band over seeds,
    with the paper's claim (AVAE at 5% beats the baselines at 80%) marked where its points exist."""
    apply_style(style)
    frame = figure5_frame(load_metrics(metrics_path))
    if frame.empty:
        save_figure(empty_figure("no Figure 5 rows in metrics.csv"), png, pdf)
        return
    frame = frame.assign(method=frame["method"].map(method_title))
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    sns.lineplot(data=frame, x="paired_fraction", y="accuracy", hue="method", style="method", markers=True,
                 dashes=False, errorbar="sd", err_style="band", ax=ax)
    ax.set_xscale("log")
    fractions = sorted(frame["paired_fraction"].unique())
    ax.set_xticks(fractions, [f"{f:g}" for f in fractions])
    ax.minorticks_off()
    ax.set_xlabel("paired fraction of the training data (log scale)")
    ax.set_ylabel("accuracy (%)")
    pairs = sorted({(s, t) for s, t in zip(frame["source"], frame["target"])})
    ax.set_title("Figure 5: " + ", ".join(f"{dataset_title(s)} → {dataset_title(t)}" for s, t in pairs), fontsize=10)
    avae = frame[(frame["method"] == method_title("avae")) & (frame["paired_fraction"] == float(CLAIM_AVAE_FRACTION))]
    baselines = frame[frame["method"].isin([method_title(m) for m in BASELINES])
                      & (frame["paired_fraction"] == float(CLAIM_BASELINE_FRACTION))]
    claim = f"paper: AVAE at {float(CLAIM_AVAE_FRACTION):g} beats every baseline at {float(CLAIM_BASELINE_FRACTION):g}"
    if not avae.empty and not baselines.empty:
        ours, best = avae["accuracy"].mean(), baselines.groupby("method")["accuracy"].mean().max()
        ax.axhline(best, color="gray", lw=0.8, ls="--")
        ax.annotate(f"{claim}\nours {ours:.1f} vs best baseline {best:.1f}", xy=(float(CLAIM_AVAE_FRACTION), ours),
                    xytext=(0.35, 0.08), textcoords="axes fraction", fontsize=8,
                    arrowprops={"arrowstyle": "->", "color": "gray"})
    else:
        ax.text(0.02, 0.02, claim + " (points not in this run)", transform=ax.transAxes, fontsize=8, color="dimgray")
    ax.legend(fontsize=8, title=None)
    fig.tight_layout()
    save_figure(fig, png, pdf)


def plot_latents(data_path: Path, style: dict[str, Any], png: Path, pdf: Path) -> None:
    """Left: the source VAE's latent space; right: the target's, with the associator's outputs
    from the source test set overlaid (crosses, coloured by the class they should land in)."""
    apply_style(style)
    d = np.load(data_path, allow_pickle=False)
    target_classes = [str(c) for c in d["target_classes"]]
    source_classes = [str(c) for c in d["source_classes"]]
    palette = sns.color_palette(style.get("palette", "colorblind"), max(len(source_classes), len(target_classes)))
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.0))
    sns.scatterplot(x=d["source_xy"][:, 0], y=d["source_xy"][:, 1], hue=[source_classes[i] for i in d["source_y"]],
                    hue_order=source_classes, palette=palette[: len(source_classes)], s=6, linewidth=0, ax=axes[0],
                    legend=False)
    axes[0].set_title(f"source: {d['source_title']} latent space", fontsize=9)
    sns.scatterplot(x=d["target_xy"][:, 0], y=d["target_xy"][:, 1], hue=[target_classes[i] for i in d["target_y"]],
                    hue_order=target_classes, palette=palette[: len(target_classes)], s=6, linewidth=0, alpha=0.35,
                    ax=axes[1], legend=False)
    sns.scatterplot(x=d["associated_xy"][:, 0], y=d["associated_xy"][:, 1],
                    hue=[target_classes[i] for i in d["associated_y"]], hue_order=target_classes,
                    palette=palette[: len(target_classes)], s=18, marker="X", linewidth=0.3, edgecolor="black",
                    ax=axes[1])
    axes[1].set_title(f"target: {d['target_title']} latent space; X: associator outputs", fontsize=9)
    axes[1].legend(fontsize=6, markerscale=0.8, title="class", title_fontsize=7, loc="best", ncols=2)
    for ax in axes:
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
    fig.suptitle(str(d["title"]), fontsize=10)
    fig.tight_layout()
    save_figure(fig, png, pdf)


def plot_training(models_path: Path, style: dict[str, Any], png: Path, pdf: Path) -> None:
    """Small multiples: train and validation loss per epoch for every model, the kept (best) epoch
    marked by a vertical line."""
    apply_style(style)
    models = read_json(models_path)
    records = [{"model": m["name"], "epoch": h["epoch"], "split": split, "loss": h[f"{split}_loss"]}
               for m in models for h in m["history"] for split in ("train", "val") if f"{split}_loss" in h]
    if not records:
        save_figure(empty_figure("no model summaries collected"), png, pdf)
        return
    frame = pd.DataFrame(records)
    wrap = min(6, len(models))
    grid = sns.relplot(data=frame, x="epoch", y="loss", hue="split", col="model", col_wrap=wrap, kind="line",
                       height=1.7, aspect=1.3, facet_kws={"sharex": False, "sharey": False}, legend="brief")
    best = {m["name"]: m["best_epoch"] for m in models}
    for name, ax in grid.axes_dict.items():
        ax.axvline(best[name], color="crimson", lw=0.8, ls=":")
        ax.set_title(name, fontsize=6)
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.label.set_size(7)
        ax.yaxis.label.set_size(7)
    # The legend above the panels, where it hides no curve.
    sns.move_legend(grid, "upper right", bbox_to_anchor=(0.99, 0.995), ncols=2, title=None, frameon=False, fontsize=8)
    # A band of fixed height for the title and legend, added above the panels however many rows.
    band = 0.55
    grid.figure.set_figheight(grid.figure.get_figheight() + band)
    grid.figure.tight_layout(rect=(0, 0, 1, 1 - band / grid.figure.get_figheight()))
    # In the band, whatever the figure's height (a fraction of a tall figure would land among the panels).
    grid.figure.suptitle("Training: loss per epoch (dotted: the kept, best-validation epoch)", fontsize=10,
                         x=0.01, ha="left", y=1 - 0.12 / grid.figure.get_figheight(), va="top")
    save_figure(grid.figure, png, pdf)
