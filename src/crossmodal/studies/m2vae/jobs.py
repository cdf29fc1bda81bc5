"""The M2VAE study's data and training jobs: the generated datasets, the CVAEs that generate
e-MNIST, and the multimodal VAEs, all trained by the one engine (:func:`crossmodal.jobs.training.fit`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch

from crossmodal.data.prepare import load_prepared
from crossmodal.engine import TensorBatches, pick_device
from crossmodal.io import load_weights
from crossmodal.jobs.data import split_batches
from crossmodal.jobs.store import load_multimodal, save_model
from crossmodal.jobs.training import fit
from crossmodal.methods import METHODS
from crossmodal.models import build_multimodal
from crossmodal.models.base import MultimodalVAE
from crossmodal.models.cvae import CVAE, CVAEConfig
from crossmodal.studies.m2vae import generate as gen
from crossmodal.studies.m2vae.specs import (GenerateEMNISTSpec, GenerateMoGSpec, ShuffleSpec, TrainCVAESpec,
                                            TrainStudyModelSpec)

log = logging.getLogger(__name__)
MODALITIES = ("a", "b")
STUDY_METHODS = ("m2vae", "jmvae_zero", "tvae", "jmvae_kl")


def generate_mog(spec: GenerateMoGSpec) -> None:
    gen.save(gen.generate_mog(spec.sizes, spec.spread, spec.seed), spec.out)


def first_per_class(labels: torch.Tensor, count: int | None) -> torch.Tensor:
    """The indices of the first ``count / classes`` examples of every class (all of them for None)."""
    if count is None:
        return torch.arange(len(labels))
    classes = labels.unique()
    per_class = max(1, count // len(classes))
    return torch.cat([(labels == c).nonzero().flatten()[:per_class] for c in classes]).sort().values


def train_cvae(spec: TrainCVAESpec) -> None:
    """A CVAE on a prepared dataset's training split (``params["train_examples"]``: a class-balanced
    part of it, for the CPU budget), stopped on its validation split."""
    torch.manual_seed(spec.seed)
    data = load_prepared(spec.data)
    kept = first_per_class(data["y_train"], spec.params.get("train_examples"))
    data = {**data, "x_train": data["x_train"][kept], "y_train": data["y_train"][kept]}
    meta = data["meta"]
    params = {**spec.params, "num_classes": len(meta["classes"])}
    build = {"params": params, "dataset": meta["dataset"]}
    model = CVAE(CVAEConfig.from_params(params))
    device = pick_device()
    result, resume = fit(model, params, spec.seed, spec.out, f"cvae[{meta['dataset']},seed={spec.seed}]",
                         split_batches(data, "train", device), split_batches(data, "val", device))
    save_model(spec.out, "cvae", build, model, result)
    resume.unlink(missing_ok=True)


def load_cvae(path: Path) -> CVAE:
    payload = load_weights(path)
    model = CVAE(CVAEConfig.from_params(json.loads(payload["build"])["params"]))
    model.load_state_dict(payload["state_dict"])
    return model.eval()


def generate_emnist(spec: GenerateEMNISTSpec) -> None:
    decoders = {"a": load_cvae(spec.cvae_a), "b": load_cvae(spec.cvae_b)}
    latent_dims = {cvae.config.latent_dim for cvae in decoders.values()}
    if len(latent_dims) != 1:
        raise ValueError(f"the two CVAEs have latent sizes {sorted(latent_dims)}: m2vae.cvae.latent_dim must be one size")
    data = gen.generate_emnist(decoders, spec.sizes, latent_dims.pop(), spec.truncation, spec.seed)
    gen.save(data, spec.out)


def shuffle(spec: ShuffleSpec) -> None:
    gen.save(gen.shuffle_within_class(load_weights(spec.data), spec.modality, spec.seed), spec.out)


# --- the multimodal VAEs -------------------------------------------------------------------------


def modality_records(data: dict[str, Any], architecture: dict[str, Any]) -> list[dict[str, Any]]:
    meta = data["meta"]
    return [{"name": name, "shape": meta["shape"], "output": meta["output"], "architecture": architecture}
            for name in MODALITIES]


def load_study_model(path: Path, device: torch.device | None = None) -> MultimodalVAE:
    """One of the study's trained models (its methods only)."""
    return load_multimodal(path, device, {name: METHODS[name] for name in STUDY_METHODS}, "M2VAE-study method")


def modality_batches(data: dict[str, Any], split: str, device: torch.device) -> TensorBatches:
    return TensorBatches({name: data[f"{name}_{split}"] for name in MODALITIES}).to(device)


def train(spec: TrainStudyModelSpec) -> None:
    torch.manual_seed(spec.seed)
    data = load_weights(spec.data)
    build = {"method": spec.method, "modalities": modality_records(data, spec.params["architecture"]),
             "params": spec.params}
    model = build_multimodal(build, {name: METHODS[name] for name in STUDY_METHODS}, "M2VAE-study method")
    if spec.init is not None:
        # tVAE's second stage starts from the first stage's joint encoder and decoders (then frozen).
        model.load_state_dict(load_weights(spec.init)["state_dict"])
    device = pick_device()
    name = f"{spec.method}[{data['meta']['dataset']},{spec.params.get('stage', '')},seed={spec.seed}]"
    result, resume = fit(model, spec.params, spec.seed, spec.out, name, modality_batches(data, "train", device),
                         modality_batches(data, "val", device))
    save_model(spec.out, "m2vae", build, model, result)
    resume.unlink(missing_ok=True)
