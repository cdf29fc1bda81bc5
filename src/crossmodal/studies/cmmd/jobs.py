"""The CMMD study's data and training jobs: its generated datasets, and any registered method
trained on one of them by the one engine (crossmodal.engine through crossmodal.jobs.training.fit)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from crossmodal.engine import TensorBatches, pick_device
from crossmodal.io import load_weights
from crossmodal.jobs.store import save_model
from crossmodal.jobs.training import fit
from crossmodal.methods import METHODS
from crossmodal.models.base import Modality
from crossmodal.studies.cmmd.data import load_paired, load_two_view, make_paired_text, make_two_view_mnist
from crossmodal.studies.cmmd.specs import GenerateTextSpec, GenerateTwoViewSpec, TrainModelSpec

log = logging.getLogger(__name__)

DATASETS = ("two_view", "paired", "paired_text")


def generate_two_view(spec: GenerateTwoViewSpec) -> None:
    meta = make_two_view_mnist(spec.mnist, spec.splits, spec.seed, spec.out)
    log.info("two-view noisy MNIST %s -> %s", meta["sizes"], spec.out)


def generate_text(spec: GenerateTextSpec) -> None:
    make_paired_text(spec.mnist, spec.partner, spec.alphabet, spec.seed, spec.pairing_out, spec.text_out)
    log.info("MNIST pairing -> %s, texts -> %s", spec.pairing_out, spec.text_out)


def load_dataset(dataset: str, data: Mapping[str, Path]) -> dict[str, Any]:
    """A study dataset (two-view MNIST; MNIST and its partner; and the text) as ``{"splits": {split: {modality: x, "label": y}}, "shapes", "outputs", "classes"}``."""
    if dataset == "two_view":
        return load_two_view(data["two_view"])
    if dataset in ("paired", "paired_text"):
        text = data["text"] if dataset == "paired_text" else None
        return load_paired(data["pairing"], data["mnist"], data["partner"], text)
    raise ValueError(f"unknown CMMD study dataset {dataset!r} (expected one of {DATASETS})")


def modalities_of(data: Mapping[str, Any], architecture: Mapping[str, Any]) -> dict[str, Modality]:
    """The dataset's modalities, each with the study's per-modality architecture."""
    return {name: Modality(name, tuple(int(d) for d in shape), data["outputs"][name], dict(architecture))
            for name, shape in data["shapes"].items()}


def method_settings(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The method's own settings: everything in ``params`` but the shared keys."""
    return {key: value for key, value in params.items() if key not in ("latent_dim", "architecture", "train")}


def build(method: str, modalities: Mapping[str, Modality], params: Mapping[str, Any]) -> torch.nn.Module:
    """A registered method's model; the observed modality, if the method has one, must be the dataset's."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {sorted(METHODS)}")
    entry = METHODS[method]
    model = entry.model_class()(dict(modalities), int(params["latent_dim"]),
                                entry.config_class().from_params(method_settings(method, params)))
    model.method = method
    return model


def batches(split: Mapping[str, torch.Tensor], device: torch.device) -> TensorBatches:
    return TensorBatches({name: tensor.to(device) for name, tensor in split.items()})


def train_model(spec: TrainModelSpec) -> None:
    torch.manual_seed(spec.seed)
    data = load_dataset(spec.dataset, spec.data)
    modalities = modalities_of(data, spec.params["architecture"])
    model = build(spec.method, modalities, spec.params)
    device = pick_device()
    name = f"{spec.method}[{spec.dataset},seed={spec.seed}]"
    result, resume = fit(model, dict(spec.params), spec.seed, spec.out, name,
                         batches(data["splits"]["train"], device), batches(data["splits"]["val"], device))
    record = {"method": spec.method, "dataset": spec.dataset, "params": spec.params,
              "modalities": [{"name": m.name, "shape": list(m.shape), "output": m.output,
                              "architecture": m.architecture} for m in modalities.values()]}
    # The shared model file and summary; kind "cmmd": load_trained builds it, not the shared store.
    save_model(spec.out, "cmmd", record, model, result)
    resume.unlink(missing_ok=True)


def load_trained(path: Path, device: torch.device | None = None) -> torch.nn.Module:
    """A model :func:`train_model` saved, in eval mode."""
    payload = load_weights(path)
    record = json.loads(payload["build"])
    modalities = {m["name"]: Modality.from_build(m) for m in record["modalities"]}
    model = build(record["method"], modalities, record["params"])
    model.load_state_dict(payload["state_dict"])
    return model.to(device or pick_device()).eval()
