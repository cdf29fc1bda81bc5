"""Raw files -> prepared tensors, cached on disk so training never decodes audio or images.

A prepared file holds ``x_<split>`` / ``y_<split>`` for ``train``, ``val`` and ``test`` and a
``meta`` dict; images stay uint8 (converted to float per batch), speech is standardised MFCCs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from avae.data.audio import MFCCConfig, fit_standardizer, mfcc, waveforms_to_fixed_length
from avae.data.datasets import DatasetInfo, Split
from avae.io import atomic_torch_save, load_weights

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")


def stratified_permutation(labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A permutation in which every prefix holds the classes in (nearly) their overall proportions.

    Classes are shuffled internally, then interleaved by their rank within the class scaled to
    [0, 1), so ``perm[:n]`` is a stratified random sample of size ``n`` for every ``n``.
    """
    order = torch.randperm(len(labels), generator=generator)
    shuffled = labels[order]
    position = torch.empty(len(labels), dtype=torch.float64)
    for cls in shuffled.unique():
        members = (shuffled == cls).nonzero(as_tuple=True)[0]
        position[members] = (torch.arange(len(members), dtype=torch.float64) + 0.5) / len(members)
    return order[torch.sort(position, stable=True).indices]


def carve_validation(train: Split, fraction: float, generator: torch.Generator) -> tuple[Split, Split]:
    """Split ``train`` into (train, val) with a stratified ``fraction`` for validation."""
    if not 0 < fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {fraction}")
    perm = stratified_permutation(train.y, generator)
    n_val = max(1, round(fraction * len(train)))
    return train.take(perm[n_val:].sort().values), train.take(perm[:n_val].sort().values)


def subsample(split: Split, size: int | None, generator: torch.Generator) -> Split:
    if size is None or size >= len(split):
        return split
    return split.take(stratified_permutation(split.y, generator)[:size].sort().values)


def prepare_dataset(info: DatasetInfo, raw_dir: Path, options: dict[str, Any], out_path: Path) -> dict[str, Any]:
    """Read ``info`` from ``raw_dir``, split, subsample and featurise it; write ``out_path``."""
    generator = torch.Generator().manual_seed(int(options["split_seed"]))
    splits = info.read(raw_dir, options)
    if "val" not in splits:
        splits["train"], splits["val"] = carve_validation(splits["train"], options["val_fraction"], generator)
    subset = options.get("subset") or {}
    splits = {name: subsample(splits[name], subset.get(name), generator) for name in SPLITS}
    tensors: dict[str, torch.Tensor] = {}
    meta: dict[str, Any] = {"dataset": info.name, "modality": info.modality, "classes": list(info.classes)}
    if info.modality == "audio":
        features = MFCCConfig.from_params(options["mfcc"])
        feats = {}
        for name in SPLITS:
            log.info("%s: MFCC of %d %s recordings", info.name, len(splits[name]), name)
            feats[name] = mfcc(waveforms_to_fixed_length(splits[name].x, features), features)
        mean, std = fit_standardizer(feats["train"])
        for name in SPLITS:
            tensors[f"x_{name}"] = ((feats[name] - mean) / std).float().contiguous()
        tensors["feature_mean"], tensors["feature_std"] = mean, std
    else:
        for name in SPLITS:
            tensors[f"x_{name}"] = splits[name].x.contiguous()
    for name in SPLITS:
        tensors[f"y_{name}"] = splits[name].y.long()
        meta[f"n_{name}"] = len(splits[name])
    meta["shape"] = list(tensors["x_train"].shape[1:])
    atomic_torch_save({**tensors, "meta": meta}, out_path)
    log.info("%s: prepared %s -> %s", info.name, {k: meta[f"n_{k}"] for k in SPLITS}, out_path)
    return meta


def load_prepared(path: Path) -> dict[str, Any]:
    """Load a prepared file (tensors and plain metadata only: ``weights_only``)."""
    return load_weights(path)
