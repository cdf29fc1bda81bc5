"""The M2VAE study's figures, drawn from its figure data only (``reports/<config>/figure_data/m2vae``):
the data (Fig. 3), a model's latent spaces with re-encoding trajectories or 2-sigma decodings
(Figs. 5-7), the alpha-beta sweep (Fig. 4) and the dataset check (Fig. 2)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from crossmodal.methods import method_title
from crossmodal.report.figures import apply_style, save_figure
from crossmodal.studies.m2vae.specs import StudyPlotSpec

CLASSES = 10
SUBSET_TITLES = {"a+b": "q(z|a,b)", "a": "q(z|a)", "b": "q(z|b)"}


def colours() -> Any:
    return plt.get_cmap("tab10")


def scatter(ax: plt.Axes, xy: np.ndarray, labels: np.ndarray, title: str) -> None:
    ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap=colours(), vmin=-0.5, vmax=CLASSES - 0.5, s=4, linewidths=0)
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=6)


def legend(fig: plt.Figure) -> None:
    handles = [plt.Line2D([], [], marker="o", ls="", color=colours()(c), label=str(c)) for c in range(CLASSES)]
    fig.legend(handles=handles, loc="lower center", ncols=CLASSES, fontsize=7, frameon=False, title="class",
               title_fontsize=7)


def tile(images: np.ndarray) -> np.ndarray:
    """A square grid of (n*n, 1, H, W) images as one (n*H, n*W) picture, row-major."""
    side = int(round(np.sqrt(len(images))))
    h, w = images.shape[-2:]
    return images[:, 0].reshape(side, side, h, w).transpose(0, 2, 1, 3).reshape(side * h, side * w)


def model_title(d: Any) -> str:
    return f"{method_title(str(d['method']))} on {str(d['dataset'])} ({str(d['setting'])})"


def plot_data(paths: Sequence[Path], png: Path, pdf: Path) -> None:
    d = np.load(paths[0], allow_pickle=False)
    if str(d["dataset"]) == "mog":
        fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.8))
        for ax, m in zip(axes, ("a", "b")):
            scatter(ax, d[m], d["labels"], f"modality {m}")
        legend(fig)
        fig.tight_layout(rect=(0, 0.1, 1, 1))
    else:
        n = min(10, len(d["labels"]))
        fig, axes = plt.subplots(2, n, figsize=(1.1 * n, 2.6), squeeze=False)
        for i in range(n):
            for row, m in enumerate(("a", "b")):
                axes[row, i].imshow(d[m][i, 0], cmap="gray", vmin=0, vmax=1)
                axes[row, i].axis("off")
            axes[0, i].set_title(f"class {int(d['labels'][i])}", fontsize=7)
        fig.suptitle(f"{d['dataset']}: pairs (a: MNIST CVAE, b: Fashion-MNIST CVAE)", fontsize=9)
        fig.tight_layout()
    save_figure(fig, png, pdf)


def plot_latents(paths: Sequence[Path], png: Path, pdf: Path) -> None:
    """Row 1: the latent means of every encoder subset; row 2: the re-encoding trajectories of each
    (MoG) or the decodings of a and b along the 2-sigma grid (e-MNIST); or the note why not."""
    d = np.load(paths[0], allow_pickle=False)
    subsets = [str(s) for s in d["subsets"]]
    columns = max(len(subsets), 2)
    fig, axes = plt.subplots(2, columns, figsize=(3.0 * columns, 6.2), squeeze=False)
    for i, key in enumerate(subsets):
        scatter(axes[0, i], d[f"latent_{key}"], d["labels"], SUBSET_TITLES.get(key, key))
        if f"trajectory_{key}" in d:
            scatter(axes[1, i], d[f"latent_{key}"], d["labels"], f"{SUBSET_TITLES.get(key, key)}: auto re-encoding")
            for path in d[f"trajectory_{key}"]:
                axes[1, i].plot(path[:, 0], path[:, 1], color="black", lw=0.6)
                axes[1, i].plot(path[:1, 0], path[:1, 1], "o", color="white", mec="black", ms=3)
    grids = [m for m in ("a", "b") if f"grid_{m}" in d]
    for i, m in enumerate(grids):
        axes[1, i].imshow(tile(d[f"grid_{m}"].astype(np.float32)), cmap="gray", vmin=0, vmax=1, extent=(-2, 2, -2, 2))
        axes[1, i].set_title(f"p({m}|z), z on a 2-sigma grid", fontsize=8)
        axes[1, i].grid(False)
    for ax in axes.flat:
        if not ax.has_data() and not ax.images:
            ax.axis("off")
    if "note" in d:
        fig.text(0.5, 0.3, str(d["note"]), ha="center", fontsize=8, wrap=True)
    fig.suptitle(model_title(d), fontsize=10)
    legend(fig)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    save_figure(fig, png, pdf)


def plot_panels(paths: Sequence[Path], png: Path, pdf: Path) -> None:
    """One row per figure data file (a sweep point, a dataset), one column per encoder subset."""
    files = [np.load(p, allow_pickle=False) for p in paths]
    columns = max(len(f["subsets"]) for f in files)
    fig, axes = plt.subplots(len(files), columns, figsize=(2.6 * columns, 2.4 * len(files) + 0.6), squeeze=False)
    for row, d in enumerate(files):
        for i, key in enumerate(str(s) for s in d["subsets"]):
            scatter(axes[row, i], d[f"latent_{key}"], d["labels"], SUBSET_TITLES.get(key, key))
        axes[row, 0].set_ylabel(f"{d['dataset']}\n{d['setting']}", fontsize=7)
    legend(fig)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    save_figure(fig, png, pdf)


FIGURES = {"data": plot_data, "latents": plot_latents, "sweep": plot_panels, "check": plot_panels}


def plot(spec: StudyPlotSpec) -> None:
    if spec.figure not in FIGURES:
        raise ValueError(f"StudyPlotSpec.figure: unknown figure {spec.figure!r}; known: {', '.join(sorted(FIGURES))}")
    apply_style(spec.style)
    FIGURES[spec.figure](spec.data, spec.png, spec.pdf)
