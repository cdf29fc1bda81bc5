"""Raw files -> prepared tensors, cached on disk so training never decodes audio or images.

A prepared file holds ``x_<split>`` / ``y_<split>`` for ``train``, ``val`` and ``test`` and a
``meta`` dict; images stay uint8 (converted to float per batch), speech is standardised MFCCs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from crossmodal.data.audio import MFCCConfig, fit_standardizer, mfcc, waveforms_to_fixed_length
from crossmodal.data.dataset_info import DatasetInfo, SelectedClass, Split, class_selection
from crossmodal.data.splits import grouped_holdout, stratified_permutation
from crossmodal.data.verify import verify_raw_data
from crossmodal.io import atomic_torch_save, load_weights

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")


def carve_validation(train: Split, fraction: float, generator: torch.Generator) -> tuple[Split, Split]:
    """Split ``train`` into (train, val) with a stratified ``fraction`` for validation.

    Samples that come in groups (``train.groups``) are held out group by group.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {fraction}")
    if train.groups:
        kept, held = grouped_holdout(train.y, train.groups, fraction, generator)
        return train.take(kept), train.take(held)
    perm = stratified_permutation(train.y, generator)
    n_val = max(1, round(fraction * len(train)))
    return train.take(perm[n_val:].sort().values), train.take(perm[:n_val].sort().values)


def select_classes(split: Split, selection: list[SelectedClass]) -> Split:
    """Keep the selected classes' samples, relabelled 0..K-1 in selection order."""
    label_of = {chosen.index: label for label, chosen in enumerate(selection)}
    keep = torch.tensor([i for i, y in enumerate(split.y.tolist()) if y in label_of], dtype=torch.long)
    picked = split.take(keep)
    picked.y = torch.tensor([label_of[y] for y in picked.y.tolist()], dtype=torch.long)
    return picked


def subsample(split: Split, size: int | None, generator: torch.Generator) -> Split:
    if size is None or size >= len(split):
        return split
    return split.take(stratified_permutation(split.y, generator)[:size].sort().values)


def prepare_dataset(info: DatasetInfo, raw_dir: Path, options: dict[str, Any], out_path: Path) -> dict[str, Any]:
    """Read ``info`` from ``raw_dir``, split, subsample and featurise it; write ``out_path``."""
    generator = torch.Generator().manual_seed(int(options["split_seed"]))
    selection = class_selection(info, options)
    splits = {name: select_classes(split, selection) for name, split in info.read(raw_dir, options).items()}
    for name, split in splits.items():
        present = set(split.y.tolist())
        missing = [c.name for label, c in enumerate(selection) if label not in present]
        if missing:
            raise ValueError(f"{info.name}: the {name} split has no sample of class(es) {missing}")
    if "val" not in splits:
        splits["train"], splits["val"] = carve_validation(splits["train"], options["val_fraction"], generator)
    log.info("%s: %d samples of %d classes before subsetting (%s)", info.name, sum(map(len, splits.values())),
             len(selection), {name: len(s) for name, s in splits.items()})
    subset = options.get("subset") or {}
    splits = {name: subsample(splits[name], subset.get(name), generator) for name in SPLITS}
    tensors: dict[str, torch.Tensor] = {}
    meta: dict[str, Any] = {
        "dataset": info.name,
        "modality": info.modality,
        "classes": [c.name for c in selection],
        "raw_class_indices": [c.index for c in selection],  # in the dataset's full class list
    }
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


def prepare_verified(info: DatasetInfo, raw_dir: Path, options: dict[str, Any], out_path: Path) -> dict[str, Any]:
    """:func:`prepare_dataset` from raw files checked against what acquisition verified first
    (:func:`crossmodal.data.verify.verify_raw_data`): what the preparation job runs."""
    verify_raw_data(info, raw_dir)
    return prepare_dataset(info, raw_dir, options, out_path)


def load_prepared(path: Path) -> dict[str, Any]:
    """Load a prepared file (tensors and plain metadata only: ``weights_only``)."""
    return load_weights(path)
