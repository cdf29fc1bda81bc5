"""How the Bridged VAE study sees its data: an image dataset with its one-hot label (bimodal), and
a second image dataset paired by class (trimodal: Fashion-MNIST + MNIST + label, as the paper
builds it). The pairing is a fixed function of ``pairing_seed``, the same for every method and seed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from crossmodal.data.pairing import class_matched_partners

LABEL = "label"
SPLITS = ("train", "val", "test")


def image_modalities(modalities: Sequence[str]) -> list[str]:
    return [name for name in modalities if name != LABEL]


def num_classes(prepared: Mapping[str, Mapping[str, Any]]) -> int:
    return len(next(iter(prepared.values()))["meta"]["classes"])


def modality_records(prepared: Mapping[str, Mapping[str, Any]], modalities: Sequence[str],
                     architectures: Mapping[str, Sequence[int]]) -> list[dict[str, Any]]:
    """Each modality's build record: images with a Bernoulli likelihood, the label a categorical one."""
    records = []
    for name in modalities:
        if name == LABEL:
            records.append({"name": LABEL, "shape": [num_classes(prepared)], "output": "linear",
                            "architecture": {"kind": "mlp", "hidden": list(architectures["label"])}})
        else:
            records.append({"name": name, "shape": list(prepared[name]["meta"]["shape"]), "output": "sigmoid",
                            "architecture": {"kind": "mlp", "hidden": list(architectures["image"])}})
    return records


def paired_split(prepared: Mapping[str, Mapping[str, Any]], modalities: Sequence[str], split: str,
                 pairing_seed: int) -> tuple[dict[str, Tensor], Tensor]:
    """One split's samples under each modality's name, and the anchor's (the first image dataset's)
    class labels. Every other image dataset contributes a random sample of the same class."""
    images = image_modalities(modalities)
    anchor = prepared[images[0]]
    labels = anchor[f"y_{split}"]
    tensors = {images[0]: anchor[f"x_{split}"]}
    generator = torch.Generator().manual_seed(pairing_seed * len(SPLITS) + SPLITS.index(split))
    identity = {c: c for c in range(num_classes(prepared))}
    for name in images[1:]:
        partners = class_matched_partners(labels, prepared[name][f"y_{split}"], identity, generator)
        tensors[name] = prepared[name][f"x_{split}"][partners]
    if LABEL in modalities:
        tensors[LABEL] = torch.nn.functional.one_hot(labels.long(), num_classes(prepared)).float()
    return tensors, labels
