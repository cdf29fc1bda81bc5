"""Figures, drawn with seaborn/matplotlib in one style from figure data under reports/<config>/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from avae.io import atomic_path  # noqa: E402


def apply_style(style: dict[str, Any]) -> None:
    sns.set_theme(style=style.get("style", "whitegrid"), palette=style.get("palette", "colorblind"))
    plt.rcParams["savefig.dpi"] = style.get("dpi", 120)
    # Reproducible PDFs: no creation date in the file.
    plt.rcParams["pdf.compression"] = 6


def _show(ax: plt.Axes, sample: np.ndarray, modality: str) -> None:
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
        _show(axes[0, i], d["source"][i], str(d["source_modality"]))
        axes[0, i].set_title(f"in: {src_classes[int(d['source_label'][i])]}", fontsize=7)
        _show(axes[1, i], d["generated"][i], str(d["target_modality"]))
        ok = int(d["predicted"][i]) == int(d["expected"][i])
        axes[1, i].set_title(
            f"pred: {tgt_classes[int(d['predicted'][i])]}", fontsize=7, color="black" if ok else "crimson"
        )
    axes[0, 0].set_ylabel("source", fontsize=8)
    axes[1, 0].set_ylabel("generated", fontsize=8)
    fig.suptitle(str(d["title"]), fontsize=9)
    fig.tight_layout()
    for out in (png, pdf):
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=out.suffix[1:], metadata={"CreationDate": None} if out.suffix == ".pdf" else None)
    plt.close(fig)
