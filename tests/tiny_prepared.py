"""Tiny prepared datasets (the format `crossmodal.data.prepare` writes) and an untrained evaluator
classifier, for the tests that run the pairwise job end to end on an MNIST-like image and an
FSDD-like spectrogram."""

from __future__ import annotations

from pathlib import Path

import torch

from crossmodal.config import builtin_model_defaults, deep_merge
from crossmodal.engine import TrainResult
from crossmodal.io import atomic_torch_save
from crossmodal.jobs import store

IMAGE = {"name": "mnist", "shape": [1, 6, 6], "output": "sigmoid", "architecture": {"kind": "mlp", "hidden": [16]}}
SPEECH = {"name": "fsdd", "shape": [1, 4, 5], "output": "linear", "architecture": {"kind": "mlp", "hidden": [12, 8]}}
SIZES = (("train", 40), ("val", 12), ("test", 20))


def write_prepared(root: Path, classes: list[str], sizes: tuple[tuple[str, int], ...] = SIZES,
                   raw: bool = False) -> dict[str, Path]:
    """IMAGE and SPEECH as prepared files under ``root`` (seeded), labels cycling through
    ``classes``: features uniform in [0, 1), or with ``raw`` the stored forms (uint8 images,
    standard-normal spectrograms)."""
    torch.manual_seed(0)
    paths = {}
    for spec in (IMAGE, SPEECH):
        data = {"meta": {"dataset": spec["name"], "classes": list(classes), "shape": spec["shape"]}}
        for split, n in sizes:
            shape = (n, *spec["shape"])
            if not raw:
                data[f"x_{split}"] = torch.rand(shape)
            elif spec is IMAGE:
                data[f"x_{split}"] = torch.randint(0, 256, shape, dtype=torch.uint8)
            else:
                data[f"x_{split}"] = torch.randn(shape)
            data[f"y_{split}"] = torch.arange(n) % len(classes)
        paths[spec["name"]] = root / f"{spec['name']}.pt"
        atomic_torch_save(data, paths[spec["name"]])
    return paths


def write_untrained_classifier(path: Path, shape: list[int], classes: list[str]) -> Path:
    """An untrained MLP evaluator of ``shape`` inputs over ``classes``, saved as the classifier rule does."""
    build = {"shape": shape, "num_classes": len(classes), "classes": list(classes),
             "params": deep_merge(builtin_model_defaults("classifier"), {"architecture": {"kind": "mlp", "hidden": [8]}})}
    store.save_model(path, "classifier", build, store.build_model("classifier", build), TrainResult([], 0, 0.0, False, 0.0))
    return path
