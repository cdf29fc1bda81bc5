"""Data jobs (acquire, prepare) and how every cross-modal method sees a scenario's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from crossmodal.data.datasets import dataset_info
from crossmodal.data.acquire import acquire_dataset
from crossmodal.data.pairing import (
    PairedBatches,
    SymmetricPairedBatches,
    mapped_only,
    paired_subset,
    symmetric_pairing_size,
)
from crossmodal.data.prepare import prepare_verified
from crossmodal.engine import TensorBatches
from crossmodal.jobs.specs import AcquireSpec, PrepareSpec


def acquire(spec: AcquireSpec) -> list[Path]:
    """Fetch and verify every file of the dataset into ``raw_dir/<dataset>``; record it in DVC."""
    return acquire_dataset(spec.dataset, spec.raw_dir, track_with_dvc=not spec.no_dvc)


def prepare(spec: PrepareSpec) -> None:
    prepare_verified(dataset_info(spec.dataset), spec.raw_dir / spec.dataset, spec.params, spec.out)


def split_batches(data: dict[str, Any], split: str, device: torch.device, with_labels: bool = True) -> TensorBatches:
    tensors = {"x": data[f"x_{split}"]}
    if with_labels:
        tensors["y"] = data[f"y_{split}"]
    return TensorBatches(tensors).to(device)


def paired_splits(
    source: dict[str, dict[str, Tensor]], source_labels: dict[str, Tensor], target: dict[str, Any],
    class_map: dict[int, int], paired_fraction: float, seed: int, device: torch.device, target_key: str = "x_tgt",
) -> tuple[PairedBatches, PairedBatches]:
    """Training and validation pairs of a scenario, as every cross-modal method sees them.

    ``source[split]`` holds the per-sample source tensors (batch keys), ``target`` the prepared
    target dataset. Only a stratified ``paired_fraction`` of each modality's split takes part;
    training partners are redrawn every epoch, validation ones fixed by ``seed``.
    """
    subset_generator = torch.Generator().manual_seed(seed)
    splits = []
    for split, fixed in (("train", None), ("val", seed)):
        src_idx = paired_subset(source_labels[split], paired_fraction, subset_generator)
        tgt_idx = paired_subset(target[f"y_{split}"], paired_fraction, subset_generator)
        splits.append(PairedBatches(
            {key: tensor[src_idx].to(device) for key, tensor in source[split].items()}, source_labels[split][src_idx],
            target[f"x_{split}"][tgt_idx].to(device), target[f"y_{split}"][tgt_idx], class_map, fixed_pairing_seed=fixed,
            epoch_size=None if fixed is not None else full_pairing_size(source_labels[split], class_map),
            target_key=target_key,
        ))
    return splits[0], splits[1]


def symmetric_paired_splits(
    a: dict[str, Any], b: dict[str, Any], class_map: dict[int, int], paired_fraction: float, seed: int,
    device: torch.device,
) -> tuple[SymmetricPairedBatches, SymmetricPairedBatches]:
    """Training and validation pairs of two prepared datasets for one model of both directions:
    every sample of both modalities (of a stratified ``paired_fraction`` of each split) meets a
    partner of the corresponding class; training pairs are redrawn every epoch, validation ones
    fixed by ``seed``; at any fraction a training epoch is as long as the full pairing's."""
    subset_generator = torch.Generator().manual_seed(seed)
    keys = (a["meta"]["dataset"], b["meta"]["dataset"])
    splits = []
    for split, fixed in (("train", None), ("val", seed)):
        a_idx = paired_subset(a[f"y_{split}"], paired_fraction, subset_generator)
        b_idx = paired_subset(b[f"y_{split}"], paired_fraction, subset_generator)
        full = symmetric_pairing_size(a[f"y_{split}"], b[f"y_{split}"], class_map)
        splits.append(SymmetricPairedBatches(
            a[f"x_{split}"][a_idx].to(device), a[f"y_{split}"][a_idx], b[f"x_{split}"][b_idx].to(device),
            b[f"y_{split}"][b_idx], class_map, keys, fixed_pairing_seed=fixed, epoch_size=None if fixed is not None else full,
        ))
    return splits[0], splits[1]


def full_pairing_size(source_labels: Tensor, class_map: dict[int, int]) -> int:
    """Pairs in one epoch at paired fraction 1 (each paired source sample meets one partner).
    Every paired fraction trains for this many pairs an epoch, so Table 1's runs are unchanged."""
    return len(mapped_only(source_labels, class_map))
