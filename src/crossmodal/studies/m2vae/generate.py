"""The M2VAE study's generated datasets, each a deterministic function of its settings and seed.

A generated dataset is a dict like a prepared one: for each split ``a_<split>``, ``b_<split>``
(the two modalities) and ``y_<split>`` (the class), and ``meta``. Written with :func:`save`, the
same settings and seed give the same bytes.

- **MoG** (Sec. 4.2, Fig. 3): ten classes; modality a's means on a 3x3 grid where classes (5, 6, 7)
  share one mean and (0, 8) another, modality b's means on the unit circle where (0, 9) share one.
  Every class is an isotropic Gaussian of standard deviation ``spread`` around its mean.
- **e-MNIST** (Sec. 4.1): ``z ~ N(0, I)`` kept within ``truncation`` standard deviations in every
  dimension and a class c; a = the MNIST CVAE's decoding of (z, c), b = the Fashion-MNIST CVAE's.
- **me-MNIST**: e-MNIST with b shuffled within each class, which keeps the class pairing and breaks
  the continuity between a and b.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from crossmodal.io import atomic_path

SPLITS = ("train", "val", "test")
NUM_CLASSES = 10
# Modality a: a 3x3 grid of spacing 1 (7 of its points used); classes sharing a point are ambiguous in a.
MOG_GRID_A: dict[int, tuple[float, float]] = {
    0: (1.0, -1.0), 8: (1.0, -1.0),  # ambiguous in a
    5: (0.0, 0.0), 6: (0.0, 0.0), 7: (0.0, 0.0),  # ambiguous in a
    1: (-1.0, 1.0), 2: (0.0, 1.0), 3: (1.0, 1.0), 4: (-1.0, 0.0), 9: (-1.0, -1.0),
}
# Modality b: nine points of the unit circle; (0, 9) share one, so they are ambiguous in b.
MOG_CIRCLE_B: dict[int, int] = {c: (c if c < 9 else 0) for c in range(NUM_CLASSES)}
MOG_AMBIGUOUS: dict[str, tuple[tuple[int, ...], ...]] = {"a": ((5, 6, 7), (0, 8)), "b": ((0, 9),)}


def save(data: Mapping[str, Any], path: Path) -> None:
    """``data`` as a torch file whose bytes depend on ``data`` only: ``torch.save`` names the archive
    inside the zip after the file it writes, and an atomic write's temporary name holds a process id."""
    buffer = io.BytesIO()
    torch.save(dict(data), buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())


def mog_means() -> dict[str, Tensor]:
    """Each modality's class means, ``(10, 2)`` tensors indexed by class."""
    a = torch.tensor([MOG_GRID_A[c] for c in range(NUM_CLASSES)])
    angles = torch.tensor([2 * math.pi * MOG_CIRCLE_B[c] / 9 for c in range(NUM_CLASSES)])
    return {"a": a, "b": torch.stack([angles.cos(), angles.sin()], dim=1)}


def balanced_labels(per_class: int, generator: torch.Generator) -> Tensor:
    """``per_class`` of every class, in a random order."""
    labels = torch.arange(NUM_CLASSES).repeat_interleave(per_class)
    return labels[torch.randperm(len(labels), generator=generator)]


def generate_mog(sizes: Mapping[str, int], spread: float, seed: int) -> dict[str, Any]:
    """The MoG dataset: ``sizes[split]`` examples per class; ``spread`` each Gaussian's standard deviation."""
    if not spread > 0:
        raise ValueError(f"m2vae.mog.spread must be > 0, got {spread}")
    generator = torch.Generator().manual_seed(seed)
    means = mog_means()
    data: dict[str, Any] = {}
    for split in SPLITS:
        y = balanced_labels(int(sizes[split]), generator)
        data[f"y_{split}"] = y
        for name in ("a", "b"):
            noise = torch.randn(len(y), 2, generator=generator)
            data[f"{name}_{split}"] = (means[name][y] + spread * noise).float()
    data["meta"] = {"dataset": "mog", "modalities": {"a": "mog_a", "b": "mog_b"}, "shape": [2], "output": "linear",
                    "classes": [str(c) for c in range(NUM_CLASSES)], "spread": spread, "seed": seed}
    return data


def truncated_normal(n: int, dim: int, bound: float, generator: torch.Generator) -> Tensor:
    """``n`` draws of N(0, I) with every coordinate within ``bound``, by rejection (one draw at a
    time from the same stream, so the result depends on nothing but the seed)."""
    kept: list[Tensor] = []
    while sum(len(k) for k in kept) < n:
        draw = torch.randn(2 * n, dim, generator=generator)
        kept.append(draw[(draw.abs() <= bound).all(dim=1)])
    return torch.cat(kept)[:n]


def to_pixels(x: Tensor) -> Tensor:
    """Decoder probabilities as uint8 pixels, the prepared datasets' storage."""
    return (x.clamp(0, 1) * 255).round().to(torch.uint8)


@torch.inference_mode()
def generate_emnist(decoders: Mapping[str, Any], sizes: Mapping[str, int], latent_dim: int, truncation: float,
                    seed: int, batch_size: int = 1024) -> dict[str, Any]:
    """e-MNIST: ``decoders["a"]`` and ``decoders["b"]`` are CVAEs (``decode(z, y)``) of MNIST and Fashion-MNIST."""
    generator = torch.Generator().manual_seed(seed)
    data: dict[str, Any] = {}
    for split in SPLITS:
        y = balanced_labels(int(sizes[split]), generator)
        z = truncated_normal(len(y), latent_dim, truncation, generator)
        data[f"y_{split}"], data[f"z_{split}"] = y, z
        for name, cvae in decoders.items():
            data[f"{name}_{split}"] = torch.cat([to_pixels(cvae.decode(z[i:i + batch_size], y[i:i + batch_size]))
                                                 for i in range(0, len(y), batch_size)])
    data["meta"] = {"dataset": "emnist", "modalities": {"a": "mnist", "b": "fashion_mnist"}, "shape": [1, 28, 28],
                    "output": "sigmoid", "classes": [str(c) for c in range(NUM_CLASSES)], "seed": seed,
                    "truncation": truncation}
    return data


def shuffle_within_class(data: Mapping[str, Any], modality: str, seed: int) -> dict[str, Any]:
    """``data`` with ``modality``'s samples permuted within each class of every split (me-MNIST)."""
    generator = torch.Generator().manual_seed(seed)
    shuffled = dict(data)
    for split in SPLITS:
        y, x = data[f"y_{split}"], data[f"{modality}_{split}"]
        order = torch.arange(len(y))
        for c in range(NUM_CLASSES):
            members = (y == c).nonzero().flatten()
            order[members] = members[torch.randperm(len(members), generator=generator)]
        shuffled[f"{modality}_{split}"] = x[order]
    shuffled["meta"] = {**data["meta"], "dataset": "me_mnist", "shuffled": modality}
    return shuffled
